"""Mastery per topic and the most useful question to practise next."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class QuestionRecord:
    """What a student has done on one question."""

    question_id: str
    topic: str
    best_score: float
    last_score: float
    attempts: int
    due: datetime


def mastery_by_topic(
    topics: Mapping[str, str], records: Iterable[QuestionRecord]
) -> dict[str, float]:
    """Mean best score per topic over all its questions (an unseen question counts 0)."""
    best = {record.question_id: record.best_score for record in records}
    totals: dict[str, list[float]] = defaultdict(list)
    for question_id, topic in topics.items():
        totals[topic].append(best.get(question_id, 0.0))
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
        mastery = mastery_by_topic(topics, records)
        weakest = min(unseen, key=lambda q: (mastery[topics[q]], q))
        return weakest, f"unseen, in your weakest topic ({topics[weakest]})"
    if records:
        soonest = min(records, key=lambda r: r.due)
        return soonest.question_id, "nothing is due; this review comes up soonest"
    return None
