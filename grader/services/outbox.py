"""Put attempt events in the webhook outbox, inside the request's transaction."""

from __future__ import annotations

from datetime import datetime

from grader.rubrics.points import in_steps
from grader.rubrics.schema import Rubric
from grader.scoring.disclosure import FeedbackShown, disclose
from grader.scoring.grade import Grade
from grader.store.models import Attempt
from grader.store.review import get_student
from grader.store.session import Session
from grader.store.webhooks import enqueue
from grader.webhooks.events import attempt_event, new_message_id


def publish_attempt(
    session: Session,
    *,
    event_type: str,
    attempt: Attempt,
    rubric: Rubric,
    now: datetime,
    shown: FeedbackShown,
    step: float,
    grade: Grade | None = None,
) -> None:
    """The event carries the feedback as the student may see it (``shown``), never more, and
    the points in the question's grading ``step`` (the LMS's gradebook shows what it is sent;
    ``points_exact`` keeps full precision). ``grade``: the attempt's grade when the caller has
    it (else the grade in force read back from the attempt: an instructor's decided grade, else
    the machine's), so the points, verdict and feedback sent are one grade's."""
    student = get_student(session, student_id=attempt.student_id)
    assert student is not None
    told = grade or Grade.model_validate(attempt.shown_result)
    payload = attempt_event(
        event_type,
        attempt={
            "id": attempt.id,
            "question_id": attempt.question_id,
            "points": in_steps(attempt.final_points, step, attempt.max_points),
            "points_exact": attempt.final_points,
            "max_points": attempt.max_points,
            "verdict": told.verdict,
            "needs_review": attempt.needs_review,
            "overridden": attempt.override_points is not None,
            "override_reason": attempt.override_reason,
            "created_at": attempt.created_at.isoformat(),
        },
        student={
            "id": student.id,
            "name": student.name,
            "display_name": student.display_name,
            "lms_user_id": student.lms_user_id,
        },
        question={"id": rubric.id, "prompt": rubric.prompt, "topic": rubric.topic},
        feedback=disclose(told, shown).feedback,
        now=now,
    )
    enqueue(
        session, message_id=new_message_id(), event_type=event_type, payload=payload,
        student_id=attempt.student_id, now=now,
    )  # fmt: skip
