"""The LMS sends submissions: signed like our webhooks, de-duplicated on webhook-id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.concurrency import run_in_threadpool

from grader.api.deps import SessionDep
from grader.api.outbox import publish_attempt
from grader.api.practice import AttemptGraded, question
from grader.scoring.scorer import AnswerTooLong, Scorer
from grader.services.learning import grade_answers
from grader.store.practice import find_or_create_lms_student, record_attempt
from grader.store.session import Session
from grader.store.webhooks import inbound, save_inbound

router = APIRouter(prefix="/lms", tags=["lms"])


class Submission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lms_user_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    question_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    answer: Annotated[str, StringConstraints(min_length=1)]


@router.post("/submissions", responses={401: {"description": "bad or stale signature"}})
async def submit(request: Request, session: SessionDep) -> AttemptGraded:
    """Grade a submission the LMS signed (Standard Webhooks); a replayed webhook-id gets the
    first answer again and creates nothing."""
    secret = request.app.state.settings.lms_secret
    if secret is None:
        raise HTTPException(
            status_code=503, detail="inbound submissions are not configured (GRADER_LMS_SECRET)"
        )
    body = await request.body()
    try:
        Webhook(secret.get_secret_value()).verify(body, dict(request.headers), json_parse=False)
    except WebhookVerificationError as error:
        raise HTTPException(status_code=401, detail=f"signature: {error}") from error
    return await run_in_threadpool(_process, request, session, request.headers["webhook-id"], body)


def _process(request: Request, session: Session, webhook_id: str, body: bytes) -> AttemptGraded:
    seen = inbound(session, webhook_id=webhook_id)
    if seen is not None:
        return AttemptGraded.model_validate(seen.response)
    try:
        submission = Submission.model_validate_json(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
            for e in error.errors(include_url=False)
        )
        raise HTTPException(status_code=422, detail=problems) from error
    loaded = question(request, submission.question_id)
    scorer: Scorer = request.app.state.scorer
    try:
        (grade,) = grade_answers(
            scorer, request.app.state.adapted, session, loaded.rubric, [submission.answer]
        )
    except AnswerTooLong as error:
        raise HTTPException(status_code=422, detail=f"answer: {error}") from error
    now = datetime.now(UTC)
    student = find_or_create_lms_student(session, lms_user_id=submission.lms_user_id)
    attempt = record_attempt(
        session, student_id=student.id, question_id=loaded.rubric.id, topic=loaded.rubric.topic,
        answer=submission.answer, grade=grade.model_dump(mode="json"),
        rubric_version=loaded.version, now=now,
    )  # fmt: skip
    publish_attempt(
        session, event_type="attempt.graded", attempt=attempt, rubric=loaded.rubric, now=now
    )
    result = AttemptGraded(attempt_id=attempt.id, grade=grade)
    response: dict[str, Any] = result.model_dump(mode="json")
    save_inbound(session, webhook_id=webhook_id, attempt_id=attempt.id, response=response, now=now)
    return result
