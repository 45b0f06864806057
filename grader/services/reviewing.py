"""Instructors grade by hand and regrade: the use cases the review API and pages share.

An instructor's grade wins over the scorer's, becomes a graded example of its question, is
published to the outbox and is committed here, before the caller schedules the question's
refit (which must read it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from grader.errors import InvalidInput, NotFound
from grader.rubrics.schema import Rubric
from grader.services.coalesce import Coalescing
from grader.services.course import Course
from grader.services.learning import example_key, grade_answers, refit_question
from grader.services.outbox import publish_attempt
from grader.services.priority import at_low_priority
from grader.services.rubric_edits import add_answer_as_phrasing
from grader.store import review
from grader.store.learning import record_graded
from grader.store.models import Attempt
from grader.store.session import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandGrade:
    points: float
    reason: str
    by: str
    add_as_phrasing_of: str | None = None


def locked_attempt(session: Session, attempt_id: int) -> Attempt:
    """The attempt, locked for the update that follows; :class:`NotFound` when there is none."""
    attempt = review.get_attempt(session, attempt_id=attempt_id, lock=True)
    if attempt is None:
        raise NotFound(f"no attempt {attempt_id}")
    return attempt


def accept(
    course: Course, session: Session, *, attempt_id: int, by: str
) -> tuple[Attempt, Rubric | None]:
    """The machine's grade as is becomes the instructor's. Returns the attempt and the rubric
    to refit (None when the question is gone)."""
    attempt = locked_attempt(session, attempt_id)
    refit = record_hand_grade(
        course, session, attempt, points=attempt.points, reason="accepted as graded", by=by,
        source="accepted",
    )  # fmt: skip
    session.commit()
    return attempt, refit


def override(
    course: Course, session: Session, *, attempt_id: int, grade: HandGrade
) -> tuple[Attempt, Rubric | None]:
    """Set an attempt's points by hand, with a reason (and, if asked, its answer as another
    phrasing of a criterion). Returns the attempt and the rubric to refit."""
    attempt = locked_attempt(session, attempt_id)
    if grade.points > attempt.max_points:
        raise InvalidInput("points", f"at most {attempt.max_points:g} for this question")
    if grade.add_as_phrasing_of is not None:
        with course.rubric_jobs.take():
            add_answer_as_phrasing(
                course, attempt.question_id, grade.add_as_phrasing_of, attempt.answer
            )
    refit = record_hand_grade(
        course, session, attempt, points=grade.points, reason=grade.reason, by=grade.by,
        source="override",
    )  # fmt: skip
    session.commit()
    return attempt, refit


def record_hand_grade(
    course: Course,
    session: Session,
    attempt: Attempt,
    *,
    points: float,
    reason: str,
    by: str,
    source: str,
    via: int | None = None,
) -> Rubric | None:
    """An instructor's grade of one attempt, in the caller's transaction (the caller commits):
    stored, a graded example, published. ``via``: the representative attempt whose grade was
    applied to this one through its answer group. Returns the rubric to refit."""
    now = datetime.now(UTC)
    review.override(session, attempt=attempt, points=points, reason=reason, by=by, now=now)
    attempt.graded_via = via
    record_graded(
        session, question_id=attempt.question_id, answer=attempt.answer, points=points,
        max_points=attempt.max_points, source=source, now=now, attempt_id=attempt.id,
    )  # fmt: skip
    loaded = course.rubrics.rubrics.get(attempt.question_id)
    if loaded is not None:
        publish_attempt(
            session, event_type="attempt.overridden", attempt=attempt, rubric=loaded.rubric,
            now=now, shown=course.feedback_shown(loaded.rubric),
            step=course.points_step(loaded.rubric),
        )  # fmt: skip
    return loaded.rubric if loaded is not None else None


def regrade_question(course: Course, session: Session, *, question_id: str) -> int:
    """Re-score every attempt on the question with its rubric in force (overrides kept), on
    the caller's thread under a rubric-jobs slot; returns how many were graded again."""
    loaded = course.question(question_id)

    def grade_all(attempts: list[tuple[int, str]]) -> list[dict[str, Any]]:
        grades = grade_answers(
            course.scorer, course.adapted, session, loaded.rubric,
            [answer for _, answer in attempts],
            own_keys=[example_key(attempt_id, 0) for attempt_id, _ in attempts],
        )  # fmt: skip
        return [g.model_dump(mode="json") for g in grades]

    with course.rubric_jobs.take():
        regraded = review.regrade(
            session, question_id=question_id, rubric_version=loaded.version, grade_all=grade_all
        )
    now = datetime.now(UTC)
    shown = course.feedback_shown(loaded.rubric)
    for attempt in regraded:
        publish_attempt(
            session, event_type="attempt.regraded", attempt=attempt, rubric=loaded.rubric,
            now=now, shown=shown, step=course.points_step(loaded.rubric),
        )  # fmt: skip
    return len(regraded)


_REFITS: Coalescing[Rubric] = Coalescing()


def refit_and_accept(course: Course, rubric: Rubric) -> None:
    """After an instructor's grade (in the background, after the response): refit the
    question's course model, then accept the waiting answers it now covers, below the students'
    grading (services.priority). Grades that come in meanwhile fold into one more refit
    (services.coalesce). Logs instead of raising: nobody waits on it, and the previous model
    stays in force."""

    def refit(latest: Rubric) -> None:
        try:
            at_low_priority(lambda: _refit_then_accept(course, latest))
        except Exception:
            log.exception("refit of %s failed; the previous model stays in force", latest.id)

    _REFITS.run(rubric.id, rubric, refit)


def _refit_then_accept(course: Course, rubric: Rubric) -> None:
    model = refit_question(course.sessions, course.scorer, rubric)
    if model is not None and model.active and model.confidence_threshold is not None:
        with course.sessions() as session:
            accept_covered(course, session, rubric)


def accept_covered(course: Course, session: Session, rubric: Rubric) -> int:
    """Grade the question's waiting answers with the course model in force; those it covers
    (held-out agreement >= 90%) are accepted, saying which graded answer they were graded
    like; the rest stay in review unchanged. Commits; returns how many were accepted."""
    waiting = review.attempts_awaiting(session, question_id=rubric.id, lock=True)
    if not waiting:
        session.commit()
        return 0
    grades = grade_answers(
        course.scorer, course.adapted, session, rubric, [a.answer for a in waiting]
    )
    loaded = course.rubrics.rubrics.get(rubric.id)
    now = datetime.now(UTC)
    accepted = 0
    for attempt, grade in zip(waiting, grades, strict=True):
        if grade.adapted is None or not grade.adapted.auto_accepted or grade.needs_review:
            continue
        nearest = grade.adapted.neighbours[0]
        like = nearest.source.replace("attempt:", "attempt ").replace(
            "graded:", "imported graded answer "
        )
        reason = f"auto-accepted: graded like {like}, similarity {nearest.similarity:.2f}"
        stored = grade.model_copy(update={"reasons": [*grade.reasons, reason]})
        review.set_grade(attempt, stored.model_dump(mode="json"))
        accepted += 1
        if loaded is not None:
            publish_attempt(
                session, event_type="attempt.regraded", attempt=attempt, rubric=rubric, now=now,
                shown=course.feedback_shown(rubric), step=course.points_step(rubric),
            )  # fmt: skip
    session.commit()
    return accepted
