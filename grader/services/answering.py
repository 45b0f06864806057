"""A student answers a question: graded, stored with its schedule, published to the outbox.

One function per use case, called by the JSON API, the LMS routes and the pages alike, in the
caller's transaction: they flush, and the request commits before its response is sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from grader.rubrics.loader import LoadedRubric
from grader.scoring.batching import fair_share
from grader.scoring.disclosure import FeedbackShown, disclose
from grader.scoring.grade import Grade
from grader.services.course import Course
from grader.services.learning import grade_answers
from grader.services.outbox import publish_attempt
from grader.store.models import Attempt
from grader.store.practice import record_attempt
from grader.store.session import Session


@dataclass(frozen=True)
class Answered:
    attempt: Attempt
    grade: Grade  # the whole grade, as stored and as instructors see it
    shown: FeedbackShown
    grade_ms: float = 0.0
    store_ms: float = 0.0

    @property
    def disclosed(self) -> Grade:
        """The grade as the student may see it."""
        return disclose(self.grade, self.shown)


def grade_one(course: Course, session: Session, loaded: LoadedRubric, answer: str) -> Grade:
    """The answer's grade (the question's adapted model included); raises ``AnswerTooLong``."""
    (grade,) = grade_answers(course.scorer, course.adapted, session, loaded.rubric, [answer])
    return grade


def store_answer(
    course: Course,
    session: Session,
    *,
    loaded: LoadedRubric,
    student_id: int,
    answer: str,
    grade: Grade,
) -> Answered:
    """Store a graded answer, move its review schedule and put its event in the outbox."""
    now = datetime.now(UTC)
    attempt = record_attempt(
        session, student_id=student_id, question_id=loaded.rubric.id, topic=loaded.rubric.topic,
        answer=answer, grade=grade.model_dump(mode="json"), rubric_version=loaded.version,
        now=now,
    )  # fmt: skip
    shown = course.feedback_shown(loaded.rubric)
    publish_attempt(
        session, event_type="attempt.graded", attempt=attempt, rubric=loaded.rubric, now=now,
        shown=shown, step=course.points_step(loaded.rubric), grade=grade,
    )  # fmt: skip
    return Answered(attempt=attempt, grade=grade, shown=shown)


def answer_question(
    course: Course, session: Session, *, question_id: str, student_id: int, answer: str
) -> Answered:
    """Grade ``answer``, store it and commit; raises ``NotFound`` and ``AnswerTooLong``."""
    loaded = course.question(question_id)
    started = time.perf_counter()
    with fair_share(("student", student_id)):  # the model's time is shared per student
        grade = grade_one(course, session, loaded, answer)
    graded = time.perf_counter()
    answered = store_answer(
        course, session, loaded=loaded, student_id=student_id, answer=answer, grade=grade
    )
    # Committed here, in the request's thread, not by the session dependency after a trip
    # through the event loop: on SQLite the transaction holds the database's one write lock.
    session.commit()
    stored = time.perf_counter()
    return replace(answered, grade_ms=(graded - started) * 1000, store_ms=(stored - graded) * 1000)
