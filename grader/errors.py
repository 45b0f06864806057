"""The exceptions grader raises on purpose.

    GraderError
    ├── ContentError       a source Q&A document cannot be parsed (names the line)
    ├── RubricError        a rubric file cannot be read or fails validation (names file and line)
    ├── RubricInvalid      an edited rubric (the API's or a page's) fails validation; kept out
    ├── NotFound           no such question, attempt or criterion
    ├── Conflict           what the request acted on changed meanwhile (reload, then retry)
    └── InvalidInput       one field of a request is wrong (names the field)

Only ``grader/api`` and ``grader/web`` turn these into responses (a problem, or a page).
"""

from __future__ import annotations

from typing import Any


def for_a_person(message: str) -> str:
    """A validator's message without pydantic's "Value error, " and "Assertion failed, "
    prefixes, which are for programmers (the API's problems and the demos' parameters)."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


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


class RubricInvalid(GraderError):
    """An edited rubric that failed validation; ``problems`` are the loader's, each with its
    line and field. The rubric in force is unchanged."""

    def __init__(self, problems: list[Any]) -> None:
        self.problems = problems
        super().__init__(
            f"the rubric has {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
            # A YAML syntax error names no field: "line 10: while scanning ...", not ": :".
            + "; ".join(
                f"line {p.line}: {p.field + ': ' if p.field else ''}{p.message}" for p in problems
            )
        )


class NotFound(GraderError):
    """Something a request named does not exist."""


class Conflict(GraderError):
    """What a request acted on changed since the caller saw it (another instructor graded it)."""


class InvalidInput(GraderError):
    """One field of a request is wrong."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
