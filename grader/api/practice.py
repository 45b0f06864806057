"""Students practise: questions, attempts graded and stored, progress and what to do next."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from grader.api.deps import CallerDep, SessionDep, StudentDep
from grader.api.fields import AnswerText, RequestBody
from grader.api.outbox import publish_attempt
from grader.api.problems import ApiProblem, invalid_field, problem_responses
from grader.config import Settings
from grader.rubrics.loader import LoadedRubric, RubricSet
from grader.rubrics.schema import Rubric
from grader.scoring.disclosure import FeedbackShown, disclose
from grader.scoring.grade import Grade
from grader.scoring.scorer import AnswerTooLong, Scorer
from grader.services.learning import grade_answers
from grader.store.models import Attempt
from grader.store.practice import question_records, record_attempt, student_attempts
from grader.store.session import Session
from grader.tutor.progress import mastery_by_topic, next_question

router = APIRouter(
    tags=["practice"], responses=problem_responses(400, 401, 403, 404, 413, 422, 503)
)


class QuestionRead(BaseModel):
    id: str
    prompt: str
    topic: str
    max_points: float
    demo: str


class CriterionRead(BaseModel):
    """A key point as the rubric states it (instructors only)."""

    id: str
    text: str
    points: float
    phrasings: list[str] = Field(default_factory=list)


class QuestionDetail(QuestionRead):
    """What an instructor also sees."""

    reference_answer: str | None = None
    criteria: list[CriterionRead] | None = None


class AttemptCreate(RequestBody):
    answer: AnswerText = Field(
        description="The answer text", examples=["Vanishing and exploding gradients."]
    )


class AttemptRead(BaseModel):
    id: int
    question_id: str
    points: float
    max_points: float
    verdict: str
    needs_review: bool
    overridden: bool
    created_at: datetime


class AttemptGraded(BaseModel):
    attempt_id: int
    grade: Grade


class QuestionProgress(BaseModel):
    question_id: str
    topic: str
    attempts: int
    best_score: float
    last_score: float
    due: datetime


class Progress(BaseModel):
    mastery: dict[str, float] = Field(
        description="Per topic, 0..1, what you know now: per question your latest score times "
        "FSRS's chance you still recall it, averaged over the topic (unseen questions count 0)"
    )
    questions: list[QuestionProgress]


class NextQuestion(BaseModel):
    question: QuestionRead | None
    reason: str


def _rubrics(request: Request) -> RubricSet:
    rubric_set: RubricSet = request.app.state.rubrics
    return rubric_set


def _topics(rubric_set: RubricSet) -> dict[str, str]:
    return {q: loaded.rubric.topic for q, loaded in rubric_set.rubrics.items()}


def question(request: Request, question_id: str) -> LoadedRubric:
    loaded = _rubrics(request).rubrics.get(question_id)
    if loaded is None:
        raise ApiProblem(404, f"no question '{question_id}'")
    return loaded


def _read(loaded: LoadedRubric) -> QuestionRead:
    rubric = loaded.rubric
    return QuestionRead(
        id=rubric.id,
        prompt=rubric.prompt,
        topic=rubric.topic,
        max_points=rubric.max_points,
        demo=rubric.demo,
    )


@router.get("/questions")
def list_questions(request: Request, caller: CallerDep) -> list[QuestionRead]:
    """The practice questions (prompt, topic, points, linked demo)."""
    return [_read(loaded) for loaded in _rubrics(request).ordered()]


@router.get("/questions/{question_id}")
def read_question(question_id: str, request: Request, caller: CallerDep) -> QuestionDetail:
    """One question; instructors also see its reference answer and criteria."""
    loaded = question(request, question_id)
    detail = QuestionDetail(**_read(loaded).model_dump())
    if caller.role == "instructor":
        detail.reference_answer = loaded.rubric.reference_answer
        detail.criteria = [
            CriterionRead(id=c.id, text=c.text, points=c.points, phrasings=list(c.phrasings))
            for c in loaded.rubric.criteria
        ]
    return detail


@router.post("/questions/{question_id}/attempts", status_code=201)
def create_attempt(
    question_id: str,
    body: AttemptCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    student: StudentDep,
) -> AttemptGraded:
    """Grade an answer, store it and update the practice schedule, all in one transaction."""
    loaded = question(request, question_id)
    scorer: Scorer = request.app.state.scorer
    started = time.perf_counter()
    try:
        (grade,) = grade_answers(
            scorer, request.app.state.adapted, session, loaded.rubric, [body.answer]
        )
    except AnswerTooLong as error:
        raise answer_too_long(error) from error
    graded = time.perf_counter()
    now = datetime.now(UTC)
    attempt = record_attempt(
        session,
        student_id=student,
        question_id=question_id,
        topic=loaded.rubric.topic,
        answer=body.answer,
        grade=grade.model_dump(mode="json"),
        rubric_version=loaded.version,
        now=now,
    )
    shown = feedback_shown(request.app.state.settings, loaded.rubric)
    publish_attempt(
        session, event_type="attempt.graded", attempt=attempt, rubric=loaded.rubric, now=now,
        shown=shown, grade=grade,
    )  # fmt: skip
    # Where the time went (the commit follows, before the response): for clients and benchmarks.
    stored = time.perf_counter()
    response.headers["Server-Timing"] = (
        f"grade;dur={(graded - started) * 1000:.1f}, store;dur={(stored - graded) * 1000:.1f}"
    )
    return AttemptGraded(attempt_id=attempt.id, grade=disclose(grade, shown))


def feedback_shown(settings: Settings, rubric: Rubric) -> FeedbackShown:
    """What students see of this question's grades: the rubric's choice, else the course's."""
    return rubric.feedback_shown or settings.feedback_shown


def answer_too_long(error: AnswerTooLong) -> ApiProblem:
    return invalid_field("answer", str(error))


def attempt_read(attempt: Attempt) -> AttemptRead:
    return AttemptRead(
        id=attempt.id,
        question_id=attempt.question_id,
        points=attempt.final_points,
        max_points=attempt.max_points,
        verdict=attempt.verdict,
        needs_review=attempt.needs_review,
        overridden=attempt.override_points is not None,
        created_at=attempt.created_at,
    )


@router.get("/me/attempts")
def my_attempts(session: SessionDep, student: StudentDep) -> list[AttemptRead]:
    """Your latest attempts, newest first (an instructor's override wins)."""
    return [attempt_read(a) for a in student_attempts(session, student_id=student)]


@router.get("/me/progress")
def my_progress(request: Request, session: SessionDep, student: StudentDep) -> Progress:
    """Mastery per topic and your record on each question you have tried."""
    return progress_for(request, session, student)


def progress_for(request: Request, session: Session, student_id: int) -> Progress:
    topics = _topics(_rubrics(request))
    records = question_records(session, student_id=student_id)
    return Progress(
        mastery=mastery_by_topic(topics, records, datetime.now(UTC)),
        questions=[
            QuestionProgress(
                question_id=r.question_id,
                topic=r.topic,
                attempts=r.attempts,
                best_score=r.best_score,
                last_score=r.last_score,
                due=r.due,
            )
            for r in records
        ],
    )


@router.get("/me/next")
def my_next(request: Request, session: SessionDep, student: StudentDep) -> NextQuestion:
    """The most useful question now: due reviews, then your weakest topic, then unseen ones."""
    rubric_set = _rubrics(request)
    topics = _topics(rubric_set)
    records = [r for r in question_records(session, student_id=student) if r.question_id in topics]
    choice = next_question(topics, records, datetime.now(UTC))
    if choice is None:
        return NextQuestion(question=None, reason="there are no questions")
    question_id, reason = choice
    return NextQuestion(question=_read(rubric_set.rubrics[question_id]), reason=reason)
