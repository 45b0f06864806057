"""Learning from instructors' grades: per-question models fitted on a course's own graded answers.

Pure code (numpy): the store gives it graded answers, the scorer their embeddings and rubric
shares; what it fits is versioned by the store and only read by the grading path.
"""
