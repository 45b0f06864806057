"""The exceptions grader raises on purpose.

    GraderError
    ├── ContentError       a source Q&A document cannot be parsed (names the line)
    └── RubricError        a rubric file cannot be read or fails validation (names file and line)

Only ``grader/api`` turns these into HTTP responses.
"""

from __future__ import annotations


class GraderError(Exception):
    """Base class of every error grader raises deliberately."""


class ContentError(GraderError):
    """A source document that cannot be turned into questions, with the offending line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(f"{source}:{line}: {message}")


class RubricError(GraderError):
    """One or more problems found in rubric files; ``problems`` holds each as text."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
