"""What instructors look at and change: students, attempts to review, overrides, regrading."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, select
from sqlalchemy.orm import Session, aliased, undefer

from grader.scoring.decisions import TICKED, KeyPointDecision
from grader.store.models import Attempt, CriterionDecision, Student, created_before


def accepted_by_model() -> ColumnElement[bool]:
    """Graded by the course model inside its 90%-agreement coverage, and not flagged: graded,
    out of the review queue (an instructor may still override it)."""
    auto = Attempt.result[("adapted", "auto_accepted")].as_boolean().is_(True)
    return and_(Attempt.needs_review.is_(False), auto)


def awaiting_review() -> ColumnElement[bool]:
    """In the review queue: graded by neither an instructor nor the course model."""
    return and_(Attempt.override_points.is_(None), ~accepted_by_model())


def students_with_counts(session: Session) -> list[tuple[Student, int]]:
    query = (
        select(Student, func.count(Attempt.id))
        .outerjoin(Attempt, Attempt.student_id == Student.id)
        .group_by(Student.id)
        .order_by(Student.name)
    )
    return [(student, count) for student, count in session.execute(query)]


def get_student(session: Session, *, student_id: int) -> Student | None:
    return session.get(Student, student_id)


def attempt_count(session: Session, *, student_id: int) -> int:
    query = select(func.count(Attempt.id)).where(Attempt.student_id == student_id)
    return session.scalar(query) or 0


def attempts(
    session: Session,
    *,
    needs_review: bool | None = None,
    question_id: str | None = None,
    limit: int = 200,
    before: int | None = None,
) -> list[Attempt]:
    """Attempts newest first, at most ``limit``; after attempt ``before`` in that order when
    given (a page's cursor: it compares the (time, id) pair the list is ordered by)."""
    query = select(Attempt).order_by(Attempt.created_at.desc(), Attempt.id.desc()).limit(limit)
    if before is not None:
        cursor = session.get(Attempt, before)
        if cursor is None:
            return []
        query = query.where(created_before(Attempt, cursor))
    if needs_review is not None:
        query = query.where(Attempt.needs_review == needs_review)
    if question_id is not None:
        query = query.where(Attempt.question_id == question_id)
    return list(session.scalars(query))


def gradebook(session: Session, *, latest_only: bool) -> list[tuple[Attempt, Student]]:
    """Every attempt with its student (``latest_only``: each student's newest attempt on each
    question), ordered by student name, then question, then time."""
    query = select(Attempt, Student).join(Student, Student.id == Attempt.student_id)
    if latest_only:
        newer = aliased(Attempt)
        query = query.where(
            ~exists().where(
                newer.student_id == Attempt.student_id,
                newer.question_id == Attempt.question_id,
                created_before(Attempt, newer),
            )
        )
    query = query.order_by(Student.name, Attempt.question_id, Attempt.created_at, Attempt.id)
    return [(attempt, student) for attempt, student in session.execute(query)]


def get_attempt(session: Session, *, attempt_id: int, lock: bool = False) -> Attempt | None:
    query = select(Attempt).where(Attempt.id == attempt_id)
    return session.scalar(query.with_for_update() if lock else query)


def decide(
    session: Session,
    *,
    attempt: Attempt,
    decided: dict[str, Any],
    decisions: list[KeyPointDecision],
    reason: str,
    by: str,
    now: datetime,
    via: int | None = None,
) -> Attempt:
    """Store an instructor's key-point decisions on an attempt (replacing earlier ones) and the
    grade they make (``decided``, whose points win over the scorer's from now on, regrades
    included). ``via``: the representative they were decided on, for a group."""
    session.execute(delete(CriterionDecision).where(CriterionDecision.attempt_id == attempt.id))
    for decision in decisions:
        session.add(
            CriterionDecision(
                attempt_id=attempt.id, question_id=attempt.question_id,
                criterion_id=decision.criterion_id, credit=decision.credit,
                source=decision.source, evidence=decision.evidence, by=by, via=via,
                decided_at=now,
            )
        )  # fmt: skip
    attempt.decided = decided
    attempt.override_points = decided["points"]
    attempt.override_reason = reason
    attempt.override_by = by
    attempt.overridden_at = now
    attempt.graded_via = via
    attempt.needs_review = False
    session.flush()
    return attempt


def decisions_of(
    session: Session, *, attempt_ids: Sequence[int]
) -> dict[int, list[KeyPointDecision]]:
    """The stored key-point decisions of these attempts, by attempt id."""
    found: dict[int, list[KeyPointDecision]] = {}
    if not attempt_ids:
        return found
    query = (
        select(CriterionDecision)
        .where(CriterionDecision.attempt_id.in_(list(attempt_ids)))
        .order_by(CriterionDecision.id)
    )
    for row in session.scalars(query):
        found.setdefault(row.attempt_id, []).append(
            KeyPointDecision(row.criterion_id, row.credit, row.source, row.evidence)
        )
    return found


def regrade(
    session: Session,
    *,
    question_id: str,
    rubric_version: str,
    grade_all: Callable[[list[tuple[int, str]]], list[dict[str, Any]]],
) -> list[Attempt]:
    """Re-score every attempt on a question with the current rubric; overrides are kept.

    ``grade_all`` gets each attempt's id and answer and returns their grades in order.
    """
    rows = list(
        session.scalars(select(Attempt).where(Attempt.question_id == question_id).with_for_update())
    )
    for attempt, grade in zip(rows, grade_all([(a.id, a.answer) for a in rows]), strict=True):
        set_grade(attempt, grade)
        attempt.needs_review = grade["needs_review"] and attempt.override_points is None
        attempt.rubric_version = rubric_version
    session.flush()
    return rows


def set_grade(attempt: Attempt, grade: dict[str, Any]) -> None:
    """Replace an attempt's machine grade (a regrade, or the course model's accepted); the
    caller flushes or commits."""
    attempt.score, attempt.points = grade["score"], grade["points"]
    attempt.max_points, attempt.verdict = grade["max_points"], grade["verdict"]
    attempt.needs_review = grade["needs_review"]
    attempt.result = grade
    attempt.model_id = grade["model_id"]
    attempt.calibration_version = grade["calibration_version"]


def attempts_awaiting(
    session: Session,
    *,
    question_id: str,
    lock: bool = False,
    ungrouped_only: bool = False,
    with_vectors: bool = False,
) -> list[Attempt]:
    """The question's attempts in its review queue (:func:`awaiting_review`), oldest first
    (``lock``: for the update that follows; ``ungrouped_only``: those in no answer group yet;
    ``with_vectors``: their stored answer embeddings loaded too)."""
    query = (
        select(Attempt)
        .where(Attempt.question_id == question_id, awaiting_review())
        .order_by(Attempt.created_at, Attempt.id)
    )
    if ungrouped_only:
        query = query.where(Attempt.group_id.is_(None))
    if with_vectors:
        query = query.options(undefer(Attempt.answer_vector))
    return list(session.scalars(query.with_for_update() if lock else query))


@dataclass(frozen=True)
class QueueCounts:
    waiting: int  # in the review queue: graded by neither an instructor nor the course model
    flagged: int  # of those, the scorer was unsure about
    graded: int  # graded by an instructor (accepted or overridden)
    agreed: int  # of those, the instructor gave the machine's points (within 1% of the maximum)


def queue_counts(session: Session) -> dict[str, QueueCounts]:
    """Per question: what awaits review, and how often instructors agreed with the machine."""
    hand = Attempt.override_points.is_not(None)
    close = func.abs(Attempt.override_points - Attempt.points) <= Attempt.max_points * 0.01
    waiting = awaiting_review()
    query = select(
        Attempt.question_id,
        func.sum(case((waiting, 1), else_=0)),
        func.sum(case((waiting & Attempt.needs_review.is_(True), 1), else_=0)),
        func.sum(case((hand, 1), else_=0)),
        func.sum(case((hand & close, 1), else_=0)),
    ).group_by(Attempt.question_id)
    return {
        row[0]: QueueCounts(*(int(value or 0) for value in row[1:]))
        for row in session.execute(query)
    }


def key_point_examples(
    session: Session, *, question_id: str, limit: int = 2000
) -> list[tuple[CriterionDecision, str, dict[str, Any]]]:
    """The question's key points an instructor ticked (met or not) on the answer itself: not
    through a group's representative (those are its near-copies), and not a machine's credit
    they accepted or left as it was under a total (the judge's own verdict, errors included);
    with each answer and its machine grade, the newest ``limit`` of them, oldest first."""
    query = (
        select(CriterionDecision, Attempt.answer, Attempt.result)
        .join(Attempt, Attempt.id == CriterionDecision.attempt_id)
        .where(_ticked_on_the_answer(question_id))
        .order_by(CriterionDecision.id.desc())
        .limit(limit)
    )
    return [(decision, answer, result) for decision, answer, result in session.execute(query)][::-1]


def key_point_stamp(session: Session, *, question_id: str) -> tuple[int, int]:
    """What changes whenever the question's key-point decisions do: their count, newest id."""
    query = select(func.count(CriterionDecision.id), func.max(CriterionDecision.id)).where(
        _ticked_on_the_answer(question_id)
    )
    count, newest = session.execute(query).one()
    return int(count or 0), int(newest or 0)


def _ticked_on_the_answer(question_id: str) -> ColumnElement[bool]:
    """The question's key points an instructor ticked on the answer itself (what teaches)."""
    return and_(
        CriterionDecision.question_id == question_id,
        CriterionDecision.via.is_(None),
        CriterionDecision.source == TICKED,
    )
