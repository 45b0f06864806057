"""Read lecturers' question banks in other formats: Word, Moodle XML, GIFT.

Word documents become markdown and go through the same parser as a markdown file; Moodle XML
and GIFT banks are structured, so their essay and short-answer questions become questions
directly (prompt, model answer or accepted answers, points, grader information).
"""
