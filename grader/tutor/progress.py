"""Mastery per topic and the most useful question to practise next."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from grader.tutor.scheduling import retrievability


@dataclass(frozen=True)
class QuestionRecord:
    """What a student has done on one question."""

    question_id: str
    topic: str
    best_score: float
    last_score: float
    attempts: int
    due: datetime
    card: dict[str, Any] = field(default_factory=dict)  # the FSRS card after the last attempt


def knows_now(record: QuestionRecord, now: datetime) -> float:
    """What the student knows of one question now: the latest score (not the best: a 1.0
    followed by a 0.14 is not mastery), times FSRS's chance they still recall it."""
    return record.last_score * retrievability(record.card, now)


def mastery_by_topic(
    topics: Mapping[str, str], records: Iterable[QuestionRecord], now: datetime
) -> dict[str, float]:
    """Per topic, the mean over all its questions of what the student knows now
    (:func:`knows_now`; an unseen question counts 0)."""
    known = {record.question_id: knows_now(record, now) for record in records}
    totals: dict[str, list[float]] = defaultdict(list)
    for question_id, topic in topics.items():
        totals[topic].append(known.get(question_id, 0.0))
    return {topic: round(sum(scores) / len(scores), 4) for topic, scores in sorted(totals.items())}


def next_question(
    topics: Mapping[str, str], records: Iterable[QuestionRecord], now: datetime
) -> tuple[str, str] | None:
    """(question id, why): a due review first, then the weakest topic's unseen question, then
    any unseen question, then the review due soonest."""
    records = list(records)
    due = sorted((r for r in records if r.due <= now), key=lambda r: r.due)
    if due:
        return due[0].question_id, "due for review"
    seen = {r.question_id for r in records}
    unseen = [q for q in topics if q not in seen]
    if unseen:
        mastery = mastery_by_topic(topics, records, now)
        weakest = min(unseen, key=lambda q: (mastery[topics[q]], q))
        return weakest, f"unseen, in your weakest topic ({topics[weakest]})"
    if records:
        soonest = min(records, key=lambda r: r.due)
        return soonest.question_id, "nothing is due; this review comes up soonest"
    return None
