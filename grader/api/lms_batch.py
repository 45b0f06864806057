"""A whole exam from the LMS in one signed request; results stream back as they are stored.

Each submission is graded in batches (one model call for many answers), stored in its own
transaction under ``<webhook-id>:<index>``, and its line is written only after that commit: a
line received is a grade stored. If the stream breaks, the LMS sends the same request again
(same webhook-id): what was stored comes back as it was, the rest is graded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from grader.api.lms import Submission, store_submission, verified_body
from grader.api.problems import ApiProblem, FieldProblem, problem_responses, validation_problems
from grader.rubrics.loader import LoadedRubric
from grader.rubrics.points import counted
from grader.scoring.grade import Grade
from grader.services.learning import grade_answers
from grader.store.session import UNAVAILABLE, Session
from grader.store.webhooks import inbound

router = APIRouter(prefix="/lms", tags=["lms"])

MAX_SUBMISSIONS = 5000
CHUNK = 64  # answers graded per model call, and stored before their lines go out


class SubmissionBatch(BaseModel):
    """Many students' answers, as the LMS sends a whole exam."""

    model_config = ConfigDict(extra="forbid")

    submissions: list[Submission] = Field(min_length=1, max_length=MAX_SUBMISSIONS)


class BatchLine(BaseModel):
    """One line of the answer (NDJSON): a stored grade, or why this one was not stored."""

    index: int
    attempt_id: int | None = None
    grade: dict[str, Any] | None = None
    error: str | None = None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` written in place: a schema put into the
    OpenAPI document by hand keeps no ``$defs`` beside it, so a ``#/$defs/...`` reference
    there resolves to nothing (ReDoc stopped at "Invalid reference token: $defs")."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


_SIGNED_BATCH = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inline_schema(SubmissionBatch)}},
    }
}


@router.post(
    "/submissions/batch",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One JSON line per submission, in order, each written after its "
            "grade was stored: {index, attempt_id, grade} or {index, error}",
            "content": {"application/x-ndjson": {"schema": inline_schema(BatchLine)}},
        },
        **problem_responses(400, 401, 413, 422, 503),
    },
    openapi_extra=_SIGNED_BATCH,
)
async def submit_batch(
    request: Request,
    webhook_id: str = Header(description="Standard Webhooks message id (de-duplicates)"),
    webhook_timestamp: str = Header(description="Unix seconds, checked against our clock"),
    webhook_signature: str = Header(description="v1,<base64 HMAC-SHA256> with the LMS secret"),
) -> StreamingResponse:
    """Grade a whole exam the LMS signed; a replay of the same webhook-id creates nothing new.
    The whole request is refused (nothing stored) when any submission is invalid."""
    body = await verified_body(request)
    try:
        batch = SubmissionBatch.model_validate_json(body)
    except ValidationError as error:
        problems = validation_problems(error.errors(include_url=False))
        first = problems[0]
        raise ApiProblem(
            422, f"{counted(len(problems), 'invalid field')}, first: {first.field}: "
            f"{first.message}", errors=problems,
        ) from error  # fmt: skip
    rubrics = request.app.state.rubrics.rubrics
    unknown = [
        FieldProblem(field=f"submissions.{n}.question_id", message=f"no question '{s.question_id}'")
        for n, s in enumerate(batch.submissions)
        if s.question_id not in rubrics
    ]
    if unknown:
        raise ApiProblem(
            422,
            f"{counted(len(unknown), 'submission')} "
            f"{'names' if len(unknown) == 1 else 'name'} no question",
            errors=unknown,
        )
    return StreamingResponse(
        _lines(request, webhook_id, batch.submissions), media_type="application/x-ndjson"
    )


async def _lines(
    request: Request, webhook_id: str, submissions: list[Submission]
) -> AsyncIterator[bytes]:
    for start in range(0, len(submissions), CHUNK):
        chunk = list(enumerate(submissions[start : start + CHUNK], start=start))
        lines = await run_in_threadpool(_store_chunk, request, webhook_id, chunk)
        for line in lines:
            yield (line.model_dump_json(exclude_none=True) + "\n").encode()
        if any(line.error and "database" in line.error for line in lines):
            return  # the LMS sends the request again; what was stored stays as it was


def _store_chunk(
    request: Request, webhook_id: str, chunk: list[tuple[int, Submission]]
) -> list[BatchLine]:
    state = request.app.state
    lines: dict[int, BatchLine] = {}
    try:
        with state.sessions() as session:
            todo = []
            for index, submission in chunk:
                seen = inbound(session, webhook_id=f"{webhook_id}:{index}")
                if seen is not None:
                    lines[index] = _line(index, seen.response)
                else:
                    todo.append((index, submission))
            by_question: dict[str, list[tuple[int, Submission]]] = defaultdict(list)
            for index, submission in todo:
                by_question[submission.question_id].append((index, submission))
            for question_id, items in by_question.items():
                loaded: LoadedRubric = state.rubrics.rubrics[question_id]
                grades = _grades(state, session, loaded, items)
                for (index, submission), grade in zip(items, grades, strict=True):
                    if isinstance(grade, str):
                        lines[index] = BatchLine(index=index, error=grade)
                        continue
                    stored = store_submission(
                        state.course, session, f"{webhook_id}:{index}", loaded, submission, grade
                    )
                    session.commit()  # this line is an acknowledgement: stored first
                    lines[index] = _line(index, stored.model_dump(mode="json"))
    except UNAVAILABLE:
        for index, _ in chunk:
            lines.setdefault(
                index, BatchLine(index=index, error="the database is unavailable; send again")
            )
    return [lines[index] for index, _ in chunk]


def _grades(
    state: Any, session: Session, loaded: LoadedRubric, items: list[tuple[int, Submission]]
) -> list[Grade | str]:
    """One batched grading call; an answer over the length limit is an error line of its own."""
    limit = state.scorer.max_answer_chars
    fits = [submission.answer for _, submission in items if len(submission.answer) <= limit]
    graded = iter(grade_answers(state.scorer, state.adapted, session, loaded.rubric, fits))
    return [
        next(graded) if len(submission.answer) <= limit
        else f"answer: {len(submission.answer)} characters; the limit is {limit}"
        for _, submission in items
    ]  # fmt: skip


def _line(index: int, stored: dict[str, Any]) -> BatchLine:
    return BatchLine(index=index, attempt_id=stored["attempt_id"], grade=stored["grade"])


def ndjson(text: str) -> list[dict[str, Any]]:
    """The lines of a batch answer (for clients and tests)."""
    return [json.loads(line) for line in text.splitlines() if line]
