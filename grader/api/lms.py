"""The LMS sends submissions: signed like our webhooks, de-duplicated on webhook-id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.concurrency import run_in_threadpool

from grader.api.deps import SessionDep, course_of
from grader.api.fields import AnswerText, DisplayName, Identity, Text
from grader.api.practice import AttemptGraded, answer_too_long, question
from grader.api.problems import ApiProblem, problem_responses, validation_problems
from grader.rubrics.loader import LoadedRubric
from grader.scoring.batching import fair_share
from grader.scoring.grade import Grade
from grader.scoring.scorer import AnswerTooLong
from grader.services.answering import store_answer
from grader.services.course import Course
from grader.services.learning import grade_answers
from grader.store.practice import find_or_create_lms_student
from grader.store.session import Session
from grader.store.webhooks import inbound, save_inbound

router = APIRouter(prefix="/lms", tags=["lms"])


class Submission(BaseModel):
    """One student's answer, as the LMS sends it."""

    model_config = ConfigDict(extra="forbid")

    lms_user_id: Identity = Field(
        description="The LMS's id of the student (normalised: NFKC, no zero-width characters)",
        examples=["u-1042"],
    )
    question_id: Text = Field(min_length=1, max_length=100, examples=["what-is-an-rnn"])
    answer: AnswerText = Field(examples=["An RNN keeps a hidden state across time steps."])
    name: DisplayName | None = Field(
        default=None,
        description="The student's name in the LMS, shown to instructors (kept when omitted)",
        examples=["Ada Lovelace"],
    )


_SIGNED = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Submission.model_json_schema()}},
    }
}


@router.post(
    "/submissions",
    responses=problem_responses(400, 401, 404, 413, 422, 503),
    openapi_extra=_SIGNED,
)
async def submit(
    request: Request,
    session: SessionDep,
    webhook_id: str = Header(description="Standard Webhooks message id (de-duplicates)"),
    webhook_timestamp: str = Header(description="Unix seconds, checked against our clock"),
    webhook_signature: str = Header(description="v1,<base64 HMAC-SHA256> with the LMS secret"),
) -> AttemptGraded:
    """Grade a submission the LMS signed (Standard Webhooks); a replayed webhook-id gets the
    first answer again and creates nothing, even when the copies arrive at once."""
    body = await verified_body(request)
    return await run_in_threadpool(_process, request, session, webhook_id, body)


async def verified_body(request: Request) -> bytes:
    """The body, once its Standard Webhooks signature checks out with the LMS secret."""
    secret = request.app.state.settings.lms_secret
    if secret is None:
        raise ApiProblem(503, "inbound submissions are not configured (GRADER_LMS_SECRET)")
    body = await request.body()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiProblem(400, "the body is not UTF-8 text") from error
    try:
        Webhook(secret.get_secret_value()).verify(body, dict(request.headers), json_parse=False)
    except WebhookVerificationError as error:
        raise ApiProblem(401, f"signature: {error}") from error
    return body


def _process(request: Request, session: Session, webhook_id: str, body: bytes) -> AttemptGraded:
    seen = inbound(session, webhook_id=webhook_id)
    if seen is not None:
        return AttemptGraded.model_validate(seen.response)
    try:
        submission = Submission.model_validate_json(body)
    except ValidationError as error:
        problems = validation_problems(error.errors(include_url=False))
        raise ApiProblem(422, "; ".join(f"{p.field}: {p.message}" for p in problems),
                         errors=problems) from error  # fmt: skip
    loaded = question(request, submission.question_id)
    try:
        # One LMS student's answers share the model as one student's do (scoring.batching).
        with fair_share(("lms", submission.lms_user_id)):
            (grade,) = grade_answers(
                request.app.state.scorer, request.app.state.adapted, session, loaded.rubric,
                [submission.answer],
            )  # fmt: skip
    except AnswerTooLong as error:
        raise answer_too_long(error) from error
    return store_submission(course_of(request), session, webhook_id, loaded, submission, grade)


def store_submission(
    course: Course,
    session: Session,
    webhook_id: str,
    loaded: LoadedRubric,
    submission: Submission,
    grade: Grade,
) -> AttemptGraded:
    """Store a graded submission under its webhook-id (the caller commits); when a copy was
    stored meanwhile, ours is rolled back and the first answer returned."""
    student = find_or_create_lms_student(session, lms_user_id=submission.lms_user_id)
    if submission.name is not None and student.display_name != submission.name:
        student.display_name = submission.name
    answered = store_answer(
        course, session, loaded=loaded, student_id=student.id, answer=submission.answer,
        grade=grade,
    )  # fmt: skip
    result = AttemptGraded(attempt_id=answered.attempt.id, grade=answered.disclosed)
    response: dict[str, Any] = result.model_dump(mode="json")
    if not save_inbound(
        session,
        webhook_id=webhook_id,
        attempt_id=answered.attempt.id,
        response=response,
        now=datetime.now(UTC),
    ):
        # A copy of this submission was stored while we graded it: ours is undone, and the
        # LMS gets the first answer, as for any replay.
        session.rollback()
        first = inbound(session, webhook_id=webhook_id)
        if first is None:
            raise ApiProblem(409, "a copy of this submission is being stored; send it again")
        return AttemptGraded.model_validate(first.response)
    return result
