"""The review queue's store side on SQLite and PostgreSQL: what awaits review, oldest first,
and how often instructors agreed with the machine; browser sessions and one-time links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from grader.store import review
from grader.store.models import Attempt
from grader.store.practice import create_student, create_token, record_attempt, token_owner
from grader.store.session import make_engine, make_sessions
from grader.store.web_sessions import (
    create_sign_in_link,
    create_web_session,
    end_web_session,
    forget_expired,
    use_sign_in_link,
    web_session_owner,
)
from tests.database import stored_grade


def _grade(points: float, needs_review: bool) -> dict[str, object]:
    return stored_grade(score=points / 2, points=points, needs_review=needs_review)


def test_queue_counts_what_awaits_review_and_agreement(database_url: str) -> None:
    question = f"queue-{uuid.uuid4().hex[:8]}"
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        student = create_student(session, name=question).id
        ids = [
            record_attempt(
                session, student_id=student, question_id=question, topic="T", answer=f"a{n}",
                grade=_grade(1.0, flagged), rubric_version="v", now=now + timedelta(seconds=n),
            ).id
            for n, flagged in enumerate([False, True, False, True, False])
        ]  # fmt: skip
        for attempt_id, points in ((ids[0], 1.0), (ids[2], 2.0)):  # agrees, then does not
            attempt = session.get_one(Attempt, attempt_id)
            decided = {**_grade(points, False), "points": points}
            review.decide(
                session, attempt=attempt, decided=decided, decisions=[], reason="r", by="me",
                now=now,
            )  # fmt: skip
    with sessions() as session:
        counts = review.queue_counts(session)[question]
        waiting = [a.id for a in review.attempts_awaiting(session, question_id=question)]
    engine.dispose()
    assert counts == review.QueueCounts(waiting=3, flagged=2, graded=2, agreed=1)
    assert waiting == [ids[1], ids[3], ids[4]]  # oldest first


def test_web_sessions_expire_end_and_links_work_once(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        token = create_token(session, role="instructor")
        owner = token_owner(session, token=token)
        assert owner is not None
        secret = create_web_session(session, token_id=owner.id, now=now, ttl=timedelta(hours=1))
        link = create_sign_in_link(session, token_id=owner.id, now=now, ttl=timedelta(hours=1))
        stale = create_sign_in_link(session, token_id=owner.id, now=now, ttl=timedelta(hours=1))
    with sessions.begin() as session:
        found = web_session_owner(session, secret=secret, now=now)
        assert found is not None and found.id == owner.id
        assert web_session_owner(session, secret=secret, now=now + timedelta(hours=2)) is None
        assert web_session_owner(session, secret=link, now=now) is None  # a link is no session
        assert use_sign_in_link(session, code=link, now=now) == owner.id
        assert use_sign_in_link(session, code=link, now=now) is None
        assert use_sign_in_link(session, code=stale, now=now + timedelta(hours=2)) is None
        assert use_sign_in_link(session, code=stale, now=now) is None  # gone with its failed use
        end_web_session(session, secret=secret)
        assert web_session_owner(session, secret=secret, now=now) is None
        forget_expired(session, now=now + timedelta(days=400))
    engine.dispose()
