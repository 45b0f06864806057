"""Storage on SQLite and PostgreSQL: tokens hashed, attempts with their schedule, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from grader.store.models import ApiToken, Attempt, ReviewState
from grader.store.practice import (
    create_student,
    create_token,
    hash_token,
    question_records,
    record_attempt,
    replay_states,
    token_owner,
)
from grader.store.session import make_engine, make_sessions
from tests.database import stored_grade


def _grade(score: float, verdict: str) -> dict[str, object]:
    return stored_grade(score=score, points=score * 2, verdict=verdict)


def test_tokens_are_stored_hashed(database_url: str) -> None:
    engine = make_engine(database_url)
    with make_sessions(engine).begin() as session:
        student = create_student(session, name=f"s-{datetime.now(UTC).timestamp()}")
        token = create_token(session, role="student", student_id=student.id)
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and hash_token(token) in stored
        owner = token_owner(session, token=token)
        assert owner is not None and owner.student_id == student.id
        assert token_owner(session, token="nope") is None
        with pytest.raises(ValueError):
            create_token(session, role="student")
    engine.dispose()


def test_an_attempt_moves_the_review_state(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        student_id = create_student(session, name=f"r-{now.timestamp()}").id
        record_attempt(session, student_id=student_id, question_id="q1", topic="T", answer="a",
                       grade=_grade(0.5, "partial"), rubric_version="v", now=now)  # fmt: skip
        record_attempt(session, student_id=student_id, question_id="q1", topic="T", answer="b",
                       grade=_grade(0.9, "correct"), rubric_version="v", now=now)  # fmt: skip
    with sessions() as session:
        (record,) = question_records(session, student_id=student_id)
        assert (record.attempts, record.best_score, record.last_score) == (2, 0.9, 0.9)
        assert record.due > now and record.due.tzinfo is not None
    engine.dispose()


def test_concurrent_first_attempts_both_land(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        student_id = create_student(session, name=f"c-{datetime.now(UTC).timestamp()}").id
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def attempt(score: float) -> None:
        try:
            with sessions.begin() as session:
                barrier.wait(timeout=10)
                record_attempt(session, student_id=student_id, question_id="race", topic="T",
                               answer=str(score), grade=_grade(score, "partial"),
                               rubric_version="v", now=datetime.now(UTC))  # fmt: skip
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(s,)) for s in (0.3, 0.6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with sessions() as session:
        attempts = session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.student_id == student_id)
        )
        state = session.scalar(select(ReviewState).where(ReviewState.student_id == student_id))
        assert attempts == 2
        assert state is not None and state.attempts == 2 and state.best_score == 0.6
    engine.dispose()


def test_a_replay_follows_the_grades_in_force_and_keeps_the_card(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    first, second = datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 3, 9, tzinfo=UTC)
    with sessions.begin() as session:
        student_id = create_student(session, name=f"replay-{first.timestamp()}").id
        attempts = [
            record_attempt(
                session,
                student_id=student_id,
                question_id="q1",
                topic="T",
                answer="a",
                grade=_grade(0.0, "incorrect"),
                rubric_version="v",
                now=when,
            )
            for when in (first, second)
        ]
        state = session.scalar(select(ReviewState).where(ReviewState.student_id == student_id))
        assert state is not None
        machine_due, card_id = state.due, state.card["card_id"]
        # An instructor finds the second answer right after all.
        attempts[1].decided = _grade(1.0, "correct")
        replay_states(session, question_id="q1", student_ids=[student_id])
        assert (state.best_score, state.last_score, state.attempts) == (1.0, 1.0, 2)
        assert state.due > machine_due and state.card["card_id"] == card_id
        # Undone: the machine's grades again, the machine's schedule exactly.
        attempts[1].decided = None
        replay_states(session, question_id="q1", student_ids=[student_id])
        assert (state.best_score, state.last_score, state.due) == (0.0, 0.0, machine_due)
    engine.dispose()
