"""Students, tokens, attempts and review state. Functions flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.store.models import ApiToken, Attempt, ReviewState, Student, created_before
from grader.tutor.progress import QuestionRecord
from grader.tutor.scheduling import review

ROLES = ("student", "instructor", "lms")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_student(session: Session, *, name: str, lms_user_id: str | None = None) -> Student:
    student = Student(name=name, lms_user_id=lms_user_id)
    session.add(student)
    session.flush()
    return student


def find_or_create_lms_student(session: Session, *, lms_user_id: str) -> Student:
    """The student the LMS knows by ``lms_user_id``, created on first sight (two first
    submissions at once: the loser's savepoint rolls back and it finds the winner's row)."""
    query = select(Student).where(Student.lms_user_id == lms_user_id)
    student = session.scalar(query)
    if student is not None:
        return student
    try:
        with session.begin_nested():
            return create_student(session, name=f"lms:{lms_user_id}", lms_user_id=lms_user_id)
    except IntegrityError:
        found = session.scalar(query)
        assert found is not None
        return found


def create_token(session: Session, *, role: str, student_id: int | None = None) -> str:
    """A new random token; only its hash is stored, so this is the one time it is seen."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == "student") != (student_id is not None):
        raise ValueError("a student token needs a student, and only a student token has one")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=hash_token(token), role=role, student_id=student_id))
    session.flush()
    return token


def token_owner(session: Session, *, token: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def record_attempt(
    session: Session,
    *,
    student_id: int,
    question_id: str,
    topic: str,
    answer: str,
    grade: dict[str, Any],
    rubric_version: str,
    now: datetime,
) -> Attempt:
    """Store the attempt and move the question's review state, in the caller's transaction."""
    attempt = Attempt(
        student_id=student_id,
        question_id=question_id,
        answer=answer,
        score=grade["score"],
        points=grade["points"],
        max_points=grade["max_points"],
        verdict=grade["verdict"],
        needs_review=grade["needs_review"],
        result=grade,
        rubric_version=rubric_version,
        model_id=grade["model_id"],
        calibration_version=grade["calibration_version"],
        created_at=now,
    )
    session.add(attempt)
    state = _locked_state(
        session, student_id=student_id, question_id=question_id, topic=topic, now=now
    )
    scheduled = review(state.card or None, grade["score"], grade["verdict"], now)
    state.card, state.due = scheduled.card, scheduled.due
    state.attempts += 1
    state.best_score = max(state.best_score, grade["score"])
    state.last_score = grade["score"]
    state.topic = topic
    state.updated_at = now
    session.flush()
    return attempt


def replay_states(session: Session, *, question_id: str, student_ids: Iterable[int]) -> None:
    """Make these students' schedules and records on the question follow their attempts'
    grades in force (an instructor's, a regrade's), in the caller's transaction: each card is
    replayed over the student's attempts in order, rated by the grade each now has, and the
    best and last scores are read from those grades. Recorded when an answer is made, they
    would otherwise keep the machine's first grade: a right answer the machine graded 0 and an
    instructor 2 of 2 stayed "due now, mastery 0" for the student."""
    students = sorted(set(student_ids))
    if not students:
        return
    states = {
        state.student_id: state
        for state in session.scalars(
            select(ReviewState)
            .where(ReviewState.question_id == question_id, ReviewState.student_id.in_(students))
            .order_by(ReviewState.student_id)
            .with_for_update()
        )
    }
    history: dict[int, list[Attempt]] = {}
    for attempt in session.scalars(
        select(Attempt)
        .where(Attempt.question_id == question_id, Attempt.student_id.in_(students))
        .order_by(Attempt.created_at, Attempt.id)
    ):
        history.setdefault(attempt.student_id, []).append(attempt)
    for student_id, attempts in history.items():
        state = states.get(student_id)
        if state is None:
            continue
        card: dict[str, Any] | None = None
        card_id = (state.card or {}).get("card_id")
        scores = []
        for attempt in attempts:
            grade = attempt.shown_result
            scheduled = review(
                card, grade["score"], grade["verdict"], attempt.created_at, card_id=card_id
            )
            card = scheduled.card
            scores.append(grade["score"])
        assert card is not None
        state.card, state.due = card, scheduled.due
        state.attempts = len(attempts)
        state.best_score, state.last_score = max(scores), scores[-1]
    session.flush()


def _locked_state(
    session: Session, *, student_id: int, question_id: str, topic: str, now: datetime
) -> ReviewState:
    """The review state row, locked for this transaction; created if it is the first attempt.

    Two first attempts racing on PostgreSQL both try the insert; the loser's savepoint rolls
    back on the unique constraint and it locks the winner's row instead.
    """
    query = (
        select(ReviewState)
        .where(ReviewState.student_id == student_id, ReviewState.question_id == question_id)
        .with_for_update()
    )
    state = session.scalar(query)
    if state is not None:
        return state
    try:
        with session.begin_nested():
            state = ReviewState(
                student_id=student_id, question_id=question_id, topic=topic, card={}, due=now,
                attempts=0, best_score=0.0, last_score=0.0, updated_at=now,
            )  # fmt: skip
            session.add(state)
        return state
    except IntegrityError:
        locked = session.scalar(query)
        assert locked is not None
        return locked


def question_records(session: Session, *, student_id: int) -> list[QuestionRecord]:
    states = session.scalars(select(ReviewState).where(ReviewState.student_id == student_id))
    return [
        QuestionRecord(
            s.question_id, s.topic, s.best_score, s.last_score, s.attempts, s.due, s.card or {}
        )
        for s in states
    ]


def student_attempts(
    session: Session,
    *,
    student_id: int,
    question_id: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[Attempt]:
    """The student's attempts, newest first (on one question when ``question_id`` is given;
    after attempt ``before`` in that order when given: a page's cursor, which never skips or
    repeats one, as it compares the (time, id) pair the list is ordered by)."""
    query = (
        select(Attempt)
        .where(Attempt.student_id == student_id)
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
        .limit(limit)
    )
    if before is not None:
        cursor = session.get(Attempt, before)
        if cursor is None or cursor.student_id != student_id:
            return []  # not one of theirs: nothing after it (and nothing said about it)
        query = query.where(created_before(Attempt, cursor))
    if question_id is not None:
        query = query.where(Attempt.question_id == question_id)
    return list(session.scalars(query))
