"""Instructors grade by hand and regrade: the use cases the review API and pages share.

An instructor grades by key points: each one met or not (or the machine's credit accepted),
stored per key point (``CriterionDecision``); the grade is derived from those decisions by
:mod:`grader.scoring.decisions`, and a total the key points do not add up to is an explicit
adjustment with its reason. The grade wins over the scorer's, becomes a graded example of its
question, is published to the outbox and is committed here, before the caller schedules the
question's refit (which must read it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from grader.errors import InvalidInput, NotFound
from grader.rubrics.schema import Rubric
from grader.scoring.decisions import KeyPointDecision, decided_grade, instructor_decisions
from grader.scoring.grade import Adjustment, Grade
from grader.services.coalesce import Coalescing
from grader.services.course import Course
from grader.services.learning import example_key, grade_answers, refit_question
from grader.services.outbox import publish_attempt
from grader.services.priority import at_low_priority
from grader.services.rubric_edits import add_answer_as_phrasing
from grader.store import review
from grader.store.learning import record_graded
from grader.store.models import Attempt
from grader.store.practice import replay_states
from grader.store.session import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandGrade:
    reason: str
    by: str
    points: float | None = None  # a total; where the key points add up to less or more, the
    # difference is an explicit adjustment with the reason (None: what the key points earn)
    criteria: Sequence[str] | None = None  # the key points met (None: as the machine found them)
    evidence: Mapping[str, str] | None = None  # criterion id -> the part of the answer for it
    add_as_phrasing_of: str | None = None


@dataclass(frozen=True)
class KeyPointGrade:
    """An instructor's grade of one answer as decisions per key point, and the grade they make."""

    decisions: list[KeyPointDecision]
    adjustment: Adjustment | None
    grade: Grade


def key_point_grade(
    course: Course,
    rubric: Rubric,
    attempt: Attempt,
    *,
    met: Sequence[str] | None,
    points: float | None,
    reason: str,
    marked: Mapping[str, str] | None = None,
) -> KeyPointGrade:
    """What an instructor's ticks (``met``; None accepts the machine's key points) and total
    (``points``; None: what the key points earn) make of ``attempt``'s grade."""
    if points is not None and points > attempt.max_points:
        raise InvalidInput("points", f"at most {attempt.max_points:g} for this question")
    machine = Grade.model_validate(attempt.result)
    thresholds = course.scorer.calibration.verdict
    for criterion_id, text in (marked or {}).items():
        if not text.strip() or text not in attempt.answer:
            raise InvalidInput(
                f"evidence.{criterion_id}", "must be a part of the answer, as written in it"
            )
    if marked and met is None:
        raise InvalidInput("evidence", "mark evidence with the key points met (criteria)")
    try:
        decisions, adjustment = instructor_decisions(
            rubric, machine, thresholds, met=met, points=points, reason=reason, marked=marked
        )
    except ValueError as error:
        raise InvalidInput("criteria", str(error)) from None
    grade = decided_grade(machine, rubric, decisions, thresholds, adjustment=adjustment)
    return KeyPointGrade(decisions, adjustment, grade)


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
    rubric = course.question(attempt.question_id).rubric
    decided = key_point_grade(course, rubric, attempt, met=None, points=None, reason="")
    refit = record_hand_grade(
        course, session, attempt, decided, reason="accepted as graded", by=by, source="accepted"
    )
    session.commit()
    return attempt, refit


def override(
    course: Course, session: Session, *, attempt_id: int, grade: HandGrade
) -> tuple[Attempt, Rubric | None]:
    """Grade an attempt by hand: the key points met (or the machine's) and, if given, a total
    whose difference from the key points is an adjustment with the reason (and, if asked, its
    answer as another phrasing of a criterion). Returns the attempt and the rubric to refit."""
    attempt = locked_attempt(session, attempt_id)
    rubric = course.question(attempt.question_id).rubric
    decided = key_point_grade(
        course, rubric, attempt, met=grade.criteria, points=grade.points, reason=grade.reason,
        marked=grade.evidence,
    )  # fmt: skip
    if grade.add_as_phrasing_of is not None:
        with course.rubric_jobs.take():
            add_answer_as_phrasing(
                course, attempt.question_id, grade.add_as_phrasing_of, attempt.answer
            )
    refit = record_hand_grade(
        course, session, attempt, decided, reason=grade.reason, by=grade.by, source="override"
    )
    session.commit()
    return attempt, refit


def record_hand_grade(
    course: Course,
    session: Session,
    attempt: Attempt,
    decided: KeyPointGrade,
    *,
    reason: str,
    by: str,
    source: str,
    via: int | None = None,
    replay: bool = True,
) -> Rubric | None:
    """An instructor's grade of one attempt, in the caller's transaction (the caller commits):
    its key-point decisions and the grade they make stored, a graded example, published, and
    the student's schedule and record made to follow it (``replay``; off: the caller replays
    the students of several grades at once, in one order). ``via``: the representative attempt
    it was decided on, through its answer group. Returns the rubric to refit."""
    now = datetime.now(UTC)
    grade = decided.grade
    review.decide(
        session, attempt=attempt, decided=grade.model_dump(mode="json"),
        decisions=decided.decisions, reason=reason, by=by, now=now, via=via,
    )  # fmt: skip
    # The student's schedule and record follow the grade in force, not the machine's.
    if replay:
        replay_states(session, question_id=attempt.question_id, student_ids=[attempt.student_id])
    record_graded(
        session, question_id=attempt.question_id, answer=attempt.answer, points=grade.points,
        max_points=attempt.max_points, source=source, now=now, attempt_id=attempt.id,
    )  # fmt: skip
    loaded = course.rubrics.rubrics.get(attempt.question_id)
    if loaded is not None:
        publish_attempt(
            session, event_type="attempt.overridden", attempt=attempt, rubric=loaded.rubric,
            now=now, shown=course.feedback_shown(loaded.rubric),
            step=course.points_step(loaded.rubric), grade=grade,
        )  # fmt: skip
    return loaded.rubric if loaded is not None else None


def redecide(course: Course, session: Session, rubric: Rubric, attempts: list[Attempt]) -> None:
    """After a regrade: the instructors' decided grades made again from their stored key-point
    decisions over the new machine grades (a key point the rubric no longer has is dropped;
    a new one is the machine's until an instructor decides it)."""
    decided = [a for a in attempts if a.decided is not None]
    stored = review.decisions_of(session, attempt_ids=[a.id for a in decided])
    thresholds = course.scorer.calibration.verdict
    for attempt in decided:
        assert attempt.decided is not None
        earlier = Grade.model_validate(attempt.decided)
        grade = decided_grade(
            Grade.model_validate(attempt.result), rubric, stored.get(attempt.id, []),
            thresholds, adjustment=earlier.adjustment,
        )  # fmt: skip
        attempt.decided = grade.model_dump(mode="json")
        attempt.override_points = grade.points


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
        redecide(course, session, loaded.rubric, regraded)
        replay_states(
            session, question_id=question_id, student_ids=[a.student_id for a in regraded]
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
    covering = model is not None and model.active and model.confidence_threshold is not None
    with course.sessions() as session:
        taught = course.adapted.key_points.current(session, rubric.id, course.scorer.embedder)
        if covering or taught is not None:
            accept_covered(course, session, rubric)


def accept_covered(course: Course, session: Session, rubric: Rubric) -> int:
    """Grade the question's waiting answers again with what the course learned: the key
    points instructors decided on similar answers decide them here too (the answer stays in
    review, its grade saying which answer it was graded like), and those the course model
    covers (held-out agreement >= 90%) are accepted, saying which graded answer they were
    graded like; the rest stay in review unchanged. Commits; returns how many were accepted."""
    waiting = review.attempts_awaiting(session, question_id=rubric.id, lock=True)
    if not waiting:
        session.commit()
        return 0
    grades = grade_answers(
        course.scorer, course.adapted, session, rubric, [a.answer for a in waiting],
        own_keys=[example_key(a.id, 0) for a in waiting],
    )  # fmt: skip
    loaded = course.rubrics.rubrics.get(rubric.id)
    now = datetime.now(UTC)
    accepted = 0
    changed: list[int] = []  # students whose grade in force changed
    for attempt, grade in zip(waiting, grades, strict=True):
        covered = (
            grade.adapted is not None and grade.adapted.auto_accepted and not grade.needs_review
        )
        if covered:
            assert grade.adapted is not None
            nearest = grade.adapted.neighbours[0]
            like = nearest.source.replace("attempt:", "attempt ").replace(
                "graded:", "imported graded answer "
            )
            reason = f"auto-accepted: graded like {like}, similarity {nearest.similarity:.2f}"
            stored = grade.model_copy(update={"reasons": [*grade.reasons, reason]})
            accepted += 1
        elif _same_key_points(grade, attempt.result):
            continue
        else:
            stored = grade
        review.set_grade(attempt, stored.model_dump(mode="json"))
        changed.append(attempt.student_id)
        if loaded is not None:
            publish_attempt(
                session, event_type="attempt.regraded", attempt=attempt, rubric=rubric, now=now,
                shown=course.feedback_shown(rubric), step=course.points_step(rubric),
            )  # fmt: skip
    replay_states(session, question_id=rubric.id, student_ids=changed)
    session.commit()
    return accepted


def _same_key_points(grade: Grade, stored: dict[str, Any]) -> bool:
    """Whether a fresh grade says what the stored one does: the same points and key points."""
    before = [(c.get("id"), c.get("credit"), c.get("note")) for c in stored.get("criteria", [])]
    after = [(c.id, c.credit, c.note) for c in grade.criteria]
    return abs(grade.points - float(stored.get("points", -1))) < 1e-9 and before == after
