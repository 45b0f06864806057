"""Class statistics per question: how the attempts scored and which key points they missed."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from grader.store import review
from grader.store.learning import latest_model
from grader.store.session import Session

BUCKETS = 5


class AdaptedStats(BaseModel):
    """The question's course-adapted model in force (see docs/learning.md)."""

    version: int
    active: bool = Field(description="Grades better than the rubric alone on held-out grades")
    examples: int
    rubric_agreement: float = Field(description="Held-out grades the rubric alone matched")
    adapted_agreement: float
    coverage_at_90: float = Field(description="Share of answers auto-accepted at 90% agreement")


class MissedCriterion(BaseModel):
    id: str
    text: str
    missed: int


class Stats(BaseModel):
    attempts: int
    mean_score: float | None
    score_distribution: dict[str, int] = Field(
        description='"0.0-0.2", ... → how many attempts scored so (final points / max points)'
    )
    most_missed: list[MissedCriterion]
    adapted: AdaptedStats | None = None


def question_stats(session: Session, question_id: str, *, most_missed: int = 5) -> Stats:
    """Score distribution (final points, overrides included) and the most-missed criteria."""
    rows = review.attempts(session, question_id=question_id, limit=100_000)
    shares = [a.final_points / a.max_points for a in rows if a.max_points]
    buckets = Counter(min(BUCKETS - 1, int(share * BUCKETS)) for share in shares)
    missed: Counter[str] = Counter()
    texts: dict[str, str] = {}
    for attempt in rows:
        for criterion in attempt.shown_result.get("criteria", []):
            texts[criterion["id"]] = criterion["text"]
            if criterion.get("selected", True) and not criterion["met"]:
                missed[criterion["id"]] += 1
    return Stats(
        attempts=len(rows),
        mean_score=round(sum(shares) / len(shares), 4) if shares else None,
        score_distribution={
            f"{i / BUCKETS:.1f}-{(i + 1) / BUCKETS:.1f}": buckets.get(i, 0) for i in range(BUCKETS)
        },
        most_missed=[
            MissedCriterion(id=c, text=texts[c], missed=n)
            for c, n in missed.most_common(most_missed)
        ],
        adapted=_adapted_stats(session, question_id),
    )


def _adapted_stats(session: Session, question_id: str) -> AdaptedStats | None:
    row = latest_model(session, question_id=question_id)
    if row is None:
        return None
    report = row.params["report"]
    return AdaptedStats(
        version=row.version,
        active=row.active,
        examples=row.examples,
        rubric_agreement=report["rubric_agreement"],
        adapted_agreement=report["adapted_agreement"],
        coverage_at_90=report["coverage"],
    )
