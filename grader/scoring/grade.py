"""The result of grading one answer, with everything needed to explain it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["correct", "partial", "incorrect"]


class CriterionResult(BaseModel):
    """How one key point fared: ``evidence`` is the part of the answer that matched it."""

    id: str
    text: str
    points: float
    credit: float = Field(ge=0, le=1, description="0..1 share of this criterion's points earned")
    similarity: float
    evidence: str | None = None
    met: bool
    selected: bool = Field(description="Counted toward the score (select rules count the best k)")
    note: str | None = Field(default=None, description="Why credit was withheld, if it was")


class MisconceptionResult(BaseModel):
    """A wrong statement the answer made, and what it cost."""

    id: str
    text: str
    penalty: float
    evidence: str


class Grade(BaseModel):
    """An explained grade."""

    question_id: str
    score: float = Field(ge=0, le=1)
    points: float
    max_points: float
    verdict: Verdict
    criteria: list[CriterionResult]
    misconceptions_triggered: list[MisconceptionResult]
    feedback: str
    hint: str | None = None
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    reasons: list[str] = Field(
        default_factory=list, description="Why the answer was zeroed, capped or flagged, if it was"
    )
    model_id: str
    calibration_version: str
