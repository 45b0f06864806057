"""The result of grading one answer, with everything needed to explain it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["correct", "partial", "incorrect"]

MET = 0.5  # a criterion is met when it earned at least half its points


class DemoLink(BaseModel):
    """The question's mini-demo: where to run it and where its plot is."""

    id: str
    url: str
    plot_url: str


def demo_link(demo_id: str) -> DemoLink | None:
    """The API paths of a rubric's linked demo (None when it links none)."""
    if not demo_id:
        return None
    return DemoLink(id=demo_id, url=f"/demos/{demo_id}", plot_url=f"/demos/{demo_id}/plot.png")


class CriterionResult(BaseModel):
    """How one key point fared: ``evidence`` is the part of the answer that matched it."""

    id: str
    text: str
    points: float
    credit: float = Field(ge=0, le=1, description="0..1 share of this criterion's points earned")
    earned: float = Field(
        default=0.0, description="Points earned: credit x points when counted, else 0"
    )
    similarity: float
    evidence: str | None = None
    met: bool = Field(description="Earned at least half its points (credit >= 0.5)")
    selected: bool = Field(description="Counted toward the score (select rules count the best k)")
    note: str | None = Field(default=None, description="Why credit was withheld, if it was")
    decided_by: Literal["machine", "instructor", "course"] = Field(
        default="machine",
        description="Who decided this key point: the machine; an instructor (on this answer, "
        "or on the representative of its answer group); or the course, from an instructor's "
        "decision on a similar answer (`note` names it)",
    )


class MisconceptionResult(BaseModel):
    """A wrong statement the answer made, and what it cost."""

    id: str
    text: str
    penalty: float
    evidence: str


class GradedNeighbour(BaseModel):
    """An answer the instructor graded that this one resembles."""

    source: str = Field(description='"attempt:17" (an attempt) or "graded:3" (an imported grade)')
    similarity: float
    points: float


class AdaptedGrade(BaseModel):
    """How the question's course-adapted model changed the rubric's grade, and why."""

    model_version: int
    rubric_points: float = Field(description="What the rubric alone gave (sum of earned points)")
    points: float
    neighbours: list[GradedNeighbour]
    auto_accepted: bool = Field(
        description="Inside the model's 90%-agreement coverage; otherwise flagged for review"
    )


class Adjustment(BaseModel):
    """Points added to (or taken from) what the key points earned, shown as such."""

    points: float = Field(description="Added to the key points' sum (negative: taken away)")
    reason: str
    by: Literal["instructor", "course-model"]


class Grade(BaseModel):
    """An explained grade."""

    question_id: str
    score: float = Field(ge=0, le=1, description="points / max_points")
    points: float = Field(
        description="The counted criteria's earned points less misconception penalties, plus "
        "the adjustment if there is one (within 0 and max_points)"
    )
    max_points: float
    verdict: Verdict
    criteria: list[CriterionResult]
    misconceptions_triggered: list[MisconceptionResult]
    feedback: str
    hint: str | None = None
    demo: DemoLink | None = Field(default=None, description="The question's mini-demo")
    adapted: AdaptedGrade | None = Field(
        default=None,
        description="Set when the question's course-adapted model graded it: its change to "
        "the rubric's points is the `adjustment`",
    )
    adjustment: Adjustment | None = Field(
        default=None,
        description="An explicit change to the key points' sum, with its reason: an "
        "instructor's, or the course model's. Points = counted criteria's earned points - "
        "misconception penalties + adjustment, within 0 and max_points",
    )
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    reasons: list[str] = Field(
        default_factory=list, description="Why the answer was zeroed, capped or flagged, if it was"
    )
    model_id: str
    calibration_version: str

    @property
    def refused(self) -> bool:
        """Zeroed for what the answer is (empty, off-topic, unreadable ...), not for what it
        says: no points and a reason other than a review flag."""
        return self.points == 0 and any(not r.startswith("review:") for r in self.reasons)
