"""grader: an exam-question grader and tutor."""

__version__ = "0.1.0"
