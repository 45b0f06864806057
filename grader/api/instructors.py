"""Instructors steer: students and their progress, reviews and overrides, rubrics and regrades."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from starlette.concurrency import run_in_threadpool

from grader.api.deps import Caller, InstructorDep, SessionDep, course_of
from grader.api.downloads import csv_download
from grader.api.fields import CriterionId, DisplayName, Id, RequestBody, Text, storable
from grader.api.paging import Before, Limit, page_of
from grader.api.practice import AttemptRead, Progress, attempt_read, progress_for
from grader.api.problems import ApiProblem, problem_responses, rubric_field_problems
from grader.errors import RubricInvalid
from grader.rubrics.schema import Rubric
from grader.services import reviewing, stats
from grader.services.course import Course
from grader.services.gradebook import gradebook_csv
from grader.services.rubric_edits import replace_rubric
from grader.store import review
from grader.store.models import Attempt, Student

router = APIRouter(
    tags=["instructors"], responses=problem_responses(400, 401, 403, 404, 413, 422, 503)
)


class StudentRead(BaseModel):
    id: int
    name: str
    display_name: str | None = Field(description="What instructors read; `name` when null")
    lms_user_id: str | None
    attempts: int


class StudentUpdate(RequestBody):
    display_name: DisplayName | None = Field(
        description="The name instructors read for this student; null to clear it",
        examples=["Ada Lovelace"],
    )


class OverrideCreate(RequestBody):
    criteria: list[CriterionId] | None = Field(
        default=None, max_length=100,
        description="The key points (criterion ids) the answer meets; the others are not met. "
        "The points follow from the rubric's counting rule. Null: the key points as the "
        "machine found them",
        examples=[["vanishing-gradients"]],
    )  # fmt: skip
    evidence: dict[CriterionId, Text] | None = Field(
        default=None, max_length=100,
        description="For key points you mark yourself: criterion id -> the part of the answer "
        "that makes (or misses) it, as written in the answer; kept with the decision and shown "
        "as its evidence (otherwise the machine's). With `criteria` only",
        examples=[{"vanishing-gradients": "the gradient shrinks"}],
    )  # fmt: skip
    # Strict: a number (an integer is one), never `false` or "1.5"; NaN and infinities refused.
    points: float | None = Field(
        default=None, ge=0, strict=True, allow_inf_nan=False, examples=[1.5],
        description="A total; where the key points add up to another, the difference is an "
        "explicit adjustment, stored and shown with the reason. Null: what the key points earn",
    )  # fmt: skip
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=2000),
        AfterValidator(storable),
    ] = Field(
        default="", examples=["Names both problems; the second is only implied."],
        description="Your comment, shown to the student; required with `points` alone",
        validate_default=True,
    )  # fmt: skip

    @field_validator("reason")
    @classmethod
    def _why_points_alone(cls, reason: str, info: ValidationInfo) -> str:
        # A field's own check, so that the problem names `reason`, not the whole body.
        alone = info.data.get("criteria") is None and info.data.get("points") is not None
        if alone and not reason:
            raise ValueError("say why, when you set the points without the key points")
        return reason

    @model_validator(mode="after")
    def _a_decision(self) -> OverrideCreate:
        if self.criteria is None and self.points is None:
            raise ValueError("give the key points met (criteria), the points, or both")
        return self

    add_as_phrasing_of: Text | None = Field(
        default=None,
        description="A criterion id: the attempt's answer also becomes one of its phrasings, "
        "so the next answer like it is graded as this one now is (e.g. a valid example the "
        "rubric did not list).",
    )


class ReviewedAttempt(AttemptRead):
    student_id: int
    answer: str
    override_reason: str | None
    override_by: str | None = Field(description="Who graded it by hand")
    overridden_at: datetime | None = Field(description="When it was graded by hand")
    graded_via: int | None = Field(
        description="Graded through its answer group: the representative attempt whose grade "
        "it was given"
    )
    reasons: list[str] = Field(
        description="Why the machine's grade needs review, or why the course model accepted "
        'it ("auto-accepted: graded like attempt 17, similarity 0.93")'
    )


class Regraded(BaseModel):
    regraded: int = Field(description="Attempts graded again (overrides are kept)")


def reviewed(attempt: Attempt) -> ReviewedAttempt:
    return ReviewedAttempt(
        **attempt_read(attempt).model_dump(), student_id=attempt.student_id, answer=attempt.answer,
        override_reason=attempt.override_reason, override_by=attempt.override_by,
        overridden_at=attempt.overridden_at, graded_via=attempt.graded_via,
        reasons=list(attempt.result.get("reasons", [])),
    )  # fmt: skip


@router.get("/students")
def list_students(session: SessionDep, _: InstructorDep) -> list[StudentRead]:
    """Every student with their number of attempts."""
    return [_student_read(s, count) for s, count in review.students_with_counts(session)]


def _student_read(student: Student, attempts: int) -> StudentRead:
    return StudentRead(
        id=student.id, name=student.name, display_name=student.display_name,
        lms_user_id=student.lms_user_id, attempts=attempts,
    )  # fmt: skip


@router.patch("/students/{student_id}")
def update_student(
    student_id: Id, body: StudentUpdate, session: SessionDep, _: InstructorDep
) -> StudentRead:
    """Set the name instructors read for a student (review queue, exports)."""
    student = review.get_student(session, student_id=student_id)
    if student is None:
        raise ApiProblem(404, f"no student {student_id}")
    student.display_name = body.display_name
    session.commit()
    return _student_read(student, review.attempt_count(session, student_id=student_id))


@router.get(
    "/gradebook.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The gradebook (UTF-8 CSV)"}},
)
def gradebook(
    request: Request,
    session: SessionDep,
    _: InstructorDep,
    every_attempt: Annotated[
        bool, Query(description="Every attempt, not each student's latest on each question")
    ] = False,
) -> Response:
    """The gradebook as CSV: student, LMS id, question, points (in the grading step, as sent
    to the LMS), max points, exact points, who graded (machine or instructor), when (UTC)."""
    text = gradebook_csv(course_of(request), session, every_attempt=every_attempt)
    return csv_download(text, "gradebook.csv")


@router.get("/students/{student_id}/progress")
def student_progress(
    student_id: Id, request: Request, session: SessionDep, _: InstructorDep
) -> Progress:
    """A student's mastery per topic and record per question."""
    if review.get_student(session, student_id=student_id) is None:
        raise ApiProblem(404, f"no student {student_id}")
    return progress_for(request, session, student_id)


@router.get("/attempts")
def list_attempts(
    request: Request,
    response: Response,
    session: SessionDep,
    _: InstructorDep,
    needs_review: Annotated[bool | None, Query()] = None,
    question_id: Annotated[Text | None, Query(max_length=100)] = None,
    limit: Limit = 100,
    before: Before = None,
) -> list[ReviewedAttempt]:
    """Attempts, newest first, a page at a time (when there are more, the `Link` header's
    `rel="next"` holds the next page's address); `needs_review=true` for the ones the scorer
    was unsure about."""
    fetched = review.attempts(
        session, needs_review=needs_review, question_id=question_id, limit=limit + 1,
        before=before,
    )  # fmt: skip
    return [reviewed(a) for a in page_of(request, response, fetched, limit)]


@router.post("/attempts/{attempt_id}/accept")
def accept_attempt(
    attempt_id: Id,
    request: Request,
    session: SessionDep,
    caller: InstructorDep,
    tasks: BackgroundTasks,
) -> ReviewedAttempt:
    """Accept the machine's grade as is: it becomes the instructor's, and a graded example."""
    course = course_of(request)
    attempt, refit = reviewing.accept(course, session, attempt_id=attempt_id, by=by(caller))
    schedule_refit(course, refit, tasks)
    return reviewed(attempt)


@router.post("/attempts/{attempt_id}/override")
def override_attempt(
    attempt_id: Id,
    body: OverrideCreate,
    request: Request,
    session: SessionDep,
    caller: InstructorDep,
    tasks: BackgroundTasks,
) -> ReviewedAttempt:
    """Grade an attempt by key points (those met; the points follow from the rubric), and/or
    a total whose difference from the key points is an explicit adjustment with its reason.
    An instructor's grade always wins, regrades included."""
    course = course_of(request)
    grade = reviewing.HandGrade(
        points=body.points, criteria=body.criteria, reason=body.reason or "graded by key points",
        by=by(caller), add_as_phrasing_of=body.add_as_phrasing_of, evidence=body.evidence,
    )  # fmt: skip
    try:
        attempt, refit = reviewing.override(course, session, attempt_id=attempt_id, grade=grade)
    except RubricInvalid as error:
        raise ApiProblem(
            422,
            "add_as_phrasing_of: " + "; ".join(f"{p.field}: {p.message}" for p in error.problems),
            errors=rubric_field_problems(error.problems),
        ) from error
    schedule_refit(course, refit, tasks)
    return reviewed(attempt)


def by(caller: Caller) -> str:
    """Who graded by hand, as stored with the grade."""
    return f"instructor token {caller.token_id}"


def schedule_refit(course: Course, rubric: Rubric | None, tasks: BackgroundTasks) -> None:
    """Refit the question after the response (the grade is already committed), then accept
    the waiting answers the new model covers."""
    if rubric is not None:
        tasks.add_task(reviewing.refit_and_accept, course, rubric)


@router.get(
    "/rubrics/{question_id}",
    response_class=Response,
    responses={200: {"content": {"text/yaml": {}}}},
)
def read_rubric(question_id: str, request: Request, _: InstructorDep) -> Response:
    """The rubric file as it is on disk (YAML, comments included)."""
    loaded = course_of(request).question(question_id)
    return Response(content=loaded.path.read_bytes(), media_type="text/yaml")


_YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/yaml": {"schema": {"type": "string", "description": "A rubric file"}}},
    }
}


@router.put(
    "/rubrics/{question_id}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Validated, written and in force"}, **problem_responses(413)},
    openapi_extra=_YAML_BODY,
)
async def write_rubric(question_id: str, request: Request, _: InstructorDep) -> Response:
    """Replace a question's rubric (YAML body): validated as `grader rubrics check`, embedded,
    written atomically, live at once; when invalid, 422 names each line and field and the old
    rubric stays. A PUT replaces: an unknown question is 404, never a new question."""
    course = course_of(request)
    course.question(question_id)
    limit = course.settings.max_rubric_bytes
    data = await request.body()
    if len(data) > limit:
        raise ApiProblem(413, f"rubric is over {limit} bytes")
    # Parsing and embedding take seconds for a big rubric: a worker thread, never the loop.
    await run_in_threadpool(replace_rubric, course, question_id, data)
    return Response(status_code=204)


@router.post("/rubrics/{question_id}/regrade")
def regrade(question_id: str, request: Request, session: SessionDep, _: InstructorDep) -> Regraded:
    """Re-score every attempt on this question with its current rubric; overrides are kept.
    Runs on a worker thread, one rubric job at a time (503 when one is running)."""
    count = reviewing.regrade_question(course_of(request), session, question_id=question_id)
    return Regraded(regraded=count)


@router.get("/questions/{question_id}/stats")
def question_stats(
    question_id: str, request: Request, session: SessionDep, _: InstructorDep
) -> stats.Stats:
    """Score distribution and the most-missed criteria on one question."""
    course_of(request).question(question_id)
    return stats.question_stats(session, question_id)
