"""Spaced repetition with FSRS: a grade becomes a rating, a rating moves the card's due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

_SCHEDULER = Scheduler(enable_fuzzing=False)  # deterministic schedules, testable


def rating_for(score: float, verdict: str) -> Rating:
    """Correct and near-perfect is Easy, correct Good, partial Hard, incorrect Again."""
    if verdict == "correct":
        return Rating.Easy if score >= 0.95 else Rating.Good
    return Rating.Hard if verdict == "partial" else Rating.Again


@dataclass(frozen=True)
class Review:
    card: dict[str, Any]
    due: datetime


def review(
    card: dict[str, Any] | None,
    score: float,
    verdict: str,
    now: datetime,
    card_id: int | None = None,
) -> Review:
    """The card after this attempt (a new card for a first attempt; ``card_id``: the id it
    keeps when its history is replayed, which also spares fsrs's 1 ms wait for a new id)."""
    current = Card.from_dict(card) if card else Card(card_id=card_id, due=now)  # type: ignore[arg-type]
    updated, _ = _SCHEDULER.review_card(current, rating_for(score, verdict), review_datetime=now)
    return Review(card=updated.to_dict(), due=updated.due)  # type: ignore[arg-type]


def retrievability(card: dict[str, Any] | None, now: datetime) -> float:
    """FSRS's probability that the student still recalls the question now (1 just after an
    attempt, falling as the review falls due; 0 for a question never tried)."""
    if not card:
        return 0.0
    chance = _SCHEDULER.get_card_retrievability(Card.from_dict(card), current_datetime=now)  # type: ignore[arg-type]
    return float(chance)
