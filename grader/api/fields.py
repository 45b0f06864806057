"""Text fields as the API accepts them: storable in both databases, and identities that look
alike compared alike."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def storable(value: str) -> str:
    """Refuse what no database column can hold: NUL, and lone surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from error
    return value


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


def identity(value: str) -> str:
    """One spelling per identity: NFKC, without format or control characters (zero-width
    spaces, direction marks), without surrounding spaces; so "ann\u200b" is "ann"."""
    normal = unicodedata.normalize("NFKC", value)
    kept = "".join(ch for ch in normal if unicodedata.category(ch) not in ("Cf", "Cc"))
    return kept.strip()


def characters(least: int, most: int) -> Any:
    """A length check in characters, after the validators before it (a length constraint
    placed after them reads "Value should have at least 1 item after validation"), shown in
    the OpenAPI schema as minLength and maxLength."""

    def check(value: str) -> str:
        if len(value) < least:
            raise ValueError("must not be empty" if least == 1 else f"at least {least} characters")
        if len(value) > most:
            raise ValueError(f"at most {most} characters, not {len(value)}")
        return value

    schema = Field(json_schema_extra={"minLength": least, "maxLength": most})
    return AfterValidator(check), schema


Text = Annotated[str, AfterValidator(storable)]
"""Any text that will be stored or compared."""

AnswerText = Annotated[str, StringConstraints(min_length=1), AfterValidator(storable),
                       AfterValidator(not_blank)]  # fmt: skip
"""A student's answer: text, not only whitespace."""

Identity = Annotated[str, AfterValidator(storable), AfterValidator(identity),
                     *characters(1, 200)]  # fmt: skip
"""A name another system knows someone by (an LMS user id), normalised before lookup."""

DisplayName = Annotated[str, AfterValidator(storable), AfterValidator(identity),
                        *characters(1, 200)]  # fmt: skip
"""A person's name as instructors read it (from the LMS, or set by an instructor)."""

CriterionId = Annotated[str, AfterValidator(storable), *characters(1, 100)]
"""A key point's id, as its rubric names it."""

# Ids are 32-bit on PostgreSQL; a larger one names nothing, and is refused before any query.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id", examples=[1])]


class RequestBody(BaseModel):
    """A JSON request body: a field the route does not know is refused, not ignored (a typo
    in a field name would otherwise be silently lost)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
