"""Instructors steer: students and their progress, reviews and overrides, rubrics and regrades."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from grader.api.deps import InstructorDep, SessionDep
from grader.api.fields import Id, RequestBody, Text, storable
from grader.api.outbox import publish_attempt
from grader.api.practice import (
    AttemptRead,
    Progress,
    attempt_read,
    feedback_shown,
    progress_for,
    question,
)
from grader.api.problems import (
    ApiProblem,
    invalid_field,
    problem_responses,
    rubric_field_problems,
)
from grader.demos.registry import demo_ids
from grader.rubrics.edit import UnknownCriterion, add_phrasing
from grader.rubrics.loader import LoadedRubric, rubric_from_bytes
from grader.rubrics.regenerate import write_atomic
from grader.scoring.scorer import Scorer
from grader.services.learning import example_key, grade_answers, refit_in_background
from grader.store import review
from grader.store.learning import latest_model, record_graded
from grader.store.models import Attempt
from grader.store.session import Session

router = APIRouter(
    tags=["instructors"], responses=problem_responses(400, 401, 403, 404, 413, 422, 503)
)


class StudentRead(BaseModel):
    id: int
    name: str
    lms_user_id: str | None
    attempts: int


class OverrideCreate(RequestBody):
    points: float = Field(ge=0, examples=[1.5])
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        AfterValidator(storable),
    ] = Field(examples=["Names both problems; the second is only implied."])
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


class AdaptedStats(BaseModel):
    """The question's course-adapted model in force (see docs/learning.md)."""

    version: int
    active: bool = Field(description="Grades better than the rubric alone on held-out grades")
    examples: int
    rubric_agreement: float = Field(description="Held-out grades the rubric alone matched")
    adapted_agreement: float
    coverage_at_90: float = Field(description="Share of answers auto-accepted at 90% agreement")


class MissedCriterion(BaseModel):
    id: str
    text: str
    missed: int


class Stats(BaseModel):
    attempts: int
    mean_score: float | None
    score_distribution: dict[str, int] = Field(
        description='"0.0-0.2", ... → how many attempts scored so (final points / max points)'
    )
    most_missed: list[MissedCriterion]
    adapted: AdaptedStats | None = None


class Regraded(BaseModel):
    regraded: int = Field(description="Attempts graded again (overrides are kept)")


def _reviewed(attempt: Attempt) -> ReviewedAttempt:
    return ReviewedAttempt(
        **attempt_read(attempt).model_dump(), student_id=attempt.student_id, answer=attempt.answer,
        override_reason=attempt.override_reason,
    )  # fmt: skip


@router.get("/students")
def list_students(session: SessionDep, _: InstructorDep) -> list[StudentRead]:
    """Every student with their number of attempts."""
    return [
        StudentRead(id=s.id, name=s.name, lms_user_id=s.lms_user_id, attempts=count)
        for s, count in review.students_with_counts(session)
    ]


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
    session: SessionDep,
    _: InstructorDep,
    needs_review: Annotated[bool | None, Query()] = None,
    question_id: Annotated[Text | None, Query(max_length=100)] = None,
) -> list[ReviewedAttempt]:
    """Attempts, newest first; `needs_review=true` for the ones the scorer was unsure about."""
    return [
        _reviewed(a)
        for a in review.attempts(session, needs_review=needs_review, question_id=question_id)
    ]


def _grade_by_hand(
    request: Request,
    session: Session,
    attempt: Attempt,
    *,
    points: float,
    reason: str,
    by: str,
    source: str,
    tasks: BackgroundTasks,
) -> None:
    """An instructor's grade: it wins, it is a graded example, and the question is refit.

    Committed here, before the response, so the background refit (after it) reads it.
    """
    now = datetime.now(UTC)
    review.override(session, attempt=attempt, points=points, reason=reason, by=by, now=now)
    record_graded(
        session, question_id=attempt.question_id, answer=attempt.answer, points=points,
        max_points=attempt.max_points, source=source, now=now, attempt_id=attempt.id,
    )  # fmt: skip
    loaded = request.app.state.rubrics.rubrics.get(attempt.question_id)
    if loaded is not None:
        publish_attempt(
            session, event_type="attempt.overridden", attempt=attempt, rubric=loaded.rubric,
            now=now, shown=feedback_shown(request.app.state.settings, loaded.rubric),
        )  # fmt: skip
    session.commit()
    if loaded is not None:
        tasks.add_task(
            refit_in_background, request.app.state.sessions, request.app.state.scorer,
            loaded.rubric,
        )  # fmt: skip


def _locked_attempt(session: Session, attempt_id: int) -> Attempt:
    """The attempt, locked for the update that follows; 404 when there is none."""
    attempt = review.get_attempt(session, attempt_id=attempt_id, lock=True)
    if attempt is None:
        raise ApiProblem(404, f"no attempt {attempt_id}")
    return attempt


@router.post("/attempts/{attempt_id}/accept")
def accept_attempt(
    attempt_id: Id,
    request: Request,
    session: SessionDep,
    caller: InstructorDep,
    tasks: BackgroundTasks,
) -> ReviewedAttempt:
    """Accept the machine's grade as is: it becomes the instructor's, and a graded example."""
    attempt = _locked_attempt(session, attempt_id)
    _grade_by_hand(
        request, session, attempt, points=attempt.points, reason="accepted as graded",
        by=f"instructor token {caller.token_id}", source="accepted", tasks=tasks,
    )  # fmt: skip
    return _reviewed(attempt)


@router.post("/attempts/{attempt_id}/override")
def override_attempt(
    attempt_id: Id,
    body: OverrideCreate,
    request: Request,
    session: SessionDep,
    caller: InstructorDep,
    tasks: BackgroundTasks,
) -> ReviewedAttempt:
    """Set an attempt's points by hand, with a reason; an override always wins."""
    attempt = _locked_attempt(session, attempt_id)
    if body.points > attempt.max_points:
        raise invalid_field("points", f"at most {attempt.max_points:g} for this question")
    if body.add_as_phrasing_of is not None:
        with request.app.state.rubric_jobs.take():
            _add_phrasing(request, attempt.question_id, body.add_as_phrasing_of, attempt.answer)
    _grade_by_hand(
        request, session, attempt, points=body.points, reason=body.reason,
        by=f"instructor token {caller.token_id}", source="override", tasks=tasks,
    )  # fmt: skip
    return _reviewed(attempt)


def _add_phrasing(request: Request, question_id: str, criterion_id: str, answer: str) -> None:
    """Add ``answer`` as a phrasing of a criterion: validated, embedded, written, live."""
    loaded = question(request, question_id)
    try:
        text = add_phrasing(loaded.path.read_bytes(), criterion_id, " ".join(answer.split()))
    except UnknownCriterion as error:
        raise invalid_field(
            "add_as_phrasing_of", f"no criterion '{criterion_id}' in {question_id}"
        ) from error
    edited = rubric_from_bytes(text.encode("utf-8"), loaded.path, known_demos=demo_ids())
    if isinstance(edited, list):
        raise ApiProblem(
            422,
            "add_as_phrasing_of: " + "; ".join(f"{p.field}: {p.message}" for p in edited),
            errors=rubric_field_problems(edited),
        )
    _go_live(request, question_id, edited, text)


def _go_live(request: Request, question_id: str, loaded: LoadedRubric, text: str) -> None:
    """A validated rubric: embedded first (no student's request waits on it), written, in
    force. Callers hold a rubric-jobs slot."""
    scorer: Scorer = request.app.state.scorer
    scorer.prepare(loaded.rubric)
    write_atomic(loaded.path, text)
    request.app.state.rubrics.rubrics[question_id] = loaded


@router.get(
    "/rubrics/{question_id}",
    response_class=Response,
    responses={200: {"content": {"text/yaml": {}}}},
)
def read_rubric(question_id: str, request: Request, _: InstructorDep) -> Response:
    """The rubric file as it is on disk (YAML, comments included)."""
    loaded = question(request, question_id)
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
    current = question(request, question_id)
    limit = request.app.state.settings.max_rubric_bytes
    data = await request.body()
    if len(data) > limit:
        raise ApiProblem(413, f"rubric is over {limit} bytes")
    # Parsing and embedding take seconds for a big rubric: a worker thread, never the loop.
    await run_in_threadpool(_replace_rubric, request, current, data)
    return Response(status_code=204)


def _replace_rubric(request: Request, current: LoadedRubric, data: bytes) -> None:
    with request.app.state.rubric_jobs.take():
        loaded = rubric_from_bytes(data, current.path, known_demos=demo_ids())
        if isinstance(loaded, list):
            raise ApiProblem(
                422,
                f"the rubric has {len(loaded)} problem(s): "
                + "; ".join(f"line {p.line}: {p.field}: {p.message}" for p in loaded),
                errors=rubric_field_problems(loaded),
            )
        _go_live(request, current.rubric.id, loaded, data.decode("utf-8"))


@router.post("/rubrics/{question_id}/regrade")
def regrade(question_id: str, request: Request, session: SessionDep, _: InstructorDep) -> Regraded:
    """Re-score every attempt on this question with its current rubric; overrides are kept.
    Runs on a worker thread, one rubric job at a time (503 when one is running)."""
    loaded = question(request, question_id)
    scorer: Scorer = request.app.state.scorer

    def grade_all(attempts: list[tuple[int, str]]) -> list[dict[str, Any]]:
        grades = grade_answers(
            scorer, request.app.state.adapted, session, loaded.rubric,
            [answer for _, answer in attempts],
            own_keys=[example_key(attempt_id, 0) for attempt_id, _ in attempts],
        )  # fmt: skip
        return [g.model_dump(mode="json") for g in grades]

    with request.app.state.rubric_jobs.take():
        regraded = review.regrade(
            session, question_id=question_id, rubric_version=loaded.version, grade_all=grade_all
        )
    now = datetime.now(UTC)
    shown = feedback_shown(request.app.state.settings, loaded.rubric)
    for attempt in regraded:
        publish_attempt(
            session, event_type="attempt.regraded", attempt=attempt, rubric=loaded.rubric,
            now=now, shown=shown,
        )  # fmt: skip
    return Regraded(regraded=len(regraded))


@router.get("/questions/{question_id}/stats")
def question_stats(
    question_id: str, request: Request, session: SessionDep, _: InstructorDep
) -> Stats:
    """Score distribution and the most-missed criteria on one question."""
    question(request, question_id)
    rows = review.attempts(session, question_id=question_id, limit=100_000)
    shares = [a.final_points / a.max_points for a in rows if a.max_points]
    buckets = Counter(min(4, int(share * 5)) for share in shares)
    missed: Counter[str] = Counter()
    texts: dict[str, str] = {}
    for attempt in rows:
        for criterion in attempt.result.get("criteria", []):
            texts[criterion["id"]] = criterion["text"]
            if criterion.get("selected", True) and not criterion["met"]:
                missed[criterion["id"]] += 1
    return Stats(
        attempts=len(rows),
        mean_score=round(sum(shares) / len(shares), 4) if shares else None,
        score_distribution={f"{i / 5:.1f}-{(i + 1) / 5:.1f}": buckets.get(i, 0) for i in range(5)},
        most_missed=[
            MissedCriterion(id=c, text=texts[c], missed=n) for c, n in missed.most_common(5)
        ],
        adapted=_adapted_stats(session, question_id),
    )


def _adapted_stats(session: Session, question_id: str) -> AdaptedStats | None:
    row = latest_model(session, question_id=question_id)
    if row is None:
        return None
    report = row.params["report"]
    return AdaptedStats(
        version=row.version,
        active=row.active,
        examples=row.examples,
        rubric_agreement=report["rubric_agreement"],
        adapted_agreement=report["adapted_agreement"],
        coverage_at_90=report["coverage"],
    )
