"""Mastery is what the student knows now: the latest score, fading as a review falls due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from grader.tutor.progress import QuestionRecord, mastery_by_topic
from grader.tutor.scheduling import review

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
TOPICS = {"q1": "rnn", "q2": "rnn", "q3": "gans"}


def _record(question_id: str, scores: list[tuple[float, str]]) -> QuestionRecord:
    card = None
    for n, (score, verdict) in enumerate(scores):
        done = review(card, score, verdict, T0 + timedelta(minutes=n))
        card = done.card
    assert card is not None
    best, last = max(s for s, _ in scores), scores[-1][0]
    return QuestionRecord(question_id, TOPICS[question_id], best, last, len(scores), done.due, card)


def test_a_later_poor_answer_lowers_mastery() -> None:
    now = T0 + timedelta(minutes=5)
    good_then_poor = _record("q1", [(1.0, "correct"), (0.14, "incorrect")])
    mastery = mastery_by_topic(TOPICS, [good_then_poor], now)
    assert mastery["rnn"] < 0.1  # the best score ever (1.0) would have said 0.5
    poor_then_good = _record("q1", [(0.14, "incorrect"), (1.0, "correct")])
    assert mastery_by_topic(TOPICS, [poor_then_good], now)["rnn"] > 0.45


def test_mastery_fades_until_the_question_is_practised_again() -> None:
    record = _record("q3", [(1.0, "correct")])
    soon = mastery_by_topic(TOPICS, [record], T0 + timedelta(hours=1))["gans"]
    later = mastery_by_topic(TOPICS, [record], T0 + timedelta(days=60))["gans"]
    assert soon > 0.95 > later > 0.0
    assert mastery_by_topic(TOPICS, [], T0) == {"gans": 0.0, "rnn": 0.0}
