"""Students practise: questions, attempts graded and stored, progress and what to do next."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from grader.api.deps import CallerDep, SessionDep, StudentDep, course_of
from grader.api.fields import AnswerText, RequestBody
from grader.api.paging import Before, Limit, page_of
from grader.api.problems import ApiProblem, invalid_field, problem_responses
from grader.rubrics.loader import LoadedRubric
from grader.scoring.disclosure import FeedbackShown, disclose
from grader.scoring.grade import Grade
from grader.scoring.scorer import AnswerTooLong
from grader.services.answering import answer_question
from grader.services.course import Course
from grader.store.models import Attempt
from grader.store.practice import question_records, student_attempts
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
    points: float = Field(description="The grade in force: an instructor's, else the machine's")
    max_points: float
    verdict: str
    needs_review: bool
    overridden: bool = Field(description="Graded by an instructor (by key points)")
    created_at: datetime
    grade: Grade = Field(
        description="The grade in force, key points included, as its reader may see it: the "
        "key points shown met are the ones that earned the points (an instructor's decisions "
        "where they made any), and an explicit adjustment is shown as one"
    )


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


def question(request: Request, question_id: str) -> LoadedRubric:
    return course_of(request).question(question_id)


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
    return [_read(loaded) for loaded in course_of(request).rubrics.ordered()]


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
    try:
        answered = answer_question(
            course_of(request), session, question_id=question_id, student_id=student,
            answer=body.answer,
        )  # fmt: skip
    except AnswerTooLong as error:
        raise answer_too_long(error) from error
    # Where the time went (the commit follows, before the response): for clients and benchmarks.
    response.headers["Server-Timing"] = (
        f"grade;dur={answered.grade_ms:.1f}, store;dur={answered.store_ms:.1f}"
    )
    return AttemptGraded(attempt_id=answered.attempt.id, grade=answered.disclosed)


def answer_too_long(error: AnswerTooLong) -> ApiProblem:
    return invalid_field("answer", str(error))


def attempt_read(attempt: Attempt, shown: FeedbackShown = "full") -> AttemptRead:
    """An attempt with its grade in force, ``shown`` as its reader may see it."""
    grade = Grade.model_validate(attempt.shown_result)
    return AttemptRead(
        id=attempt.id,
        question_id=attempt.question_id,
        points=attempt.final_points,
        max_points=attempt.max_points,
        verdict=grade.verdict,
        needs_review=attempt.needs_review,
        overridden=attempt.override_points is not None,
        created_at=attempt.created_at,
        grade=disclose(grade, shown),
    )


def shown_to_students(course: Course, question_id: str) -> FeedbackShown:
    """What students see of a question's grades; only the points for a question now gone."""
    loaded = course.rubrics.rubrics.get(question_id)
    return course.feedback_shown(loaded.rubric) if loaded is not None else "points"


@router.get("/me/attempts")
def my_attempts(
    request: Request,
    response: Response,
    session: SessionDep,
    student: StudentDep,
    limit: Limit = 100,
    before: Before = None,
) -> list[AttemptRead]:
    """Your attempts, newest first (an instructor's override wins), a page at a time: when
    there are more, the `Link` header's `rel="next"` holds the next page's address."""
    fetched = student_attempts(session, student_id=student, limit=limit + 1, before=before)
    page = page_of(request, response, fetched, limit)
    course = course_of(request)
    return [attempt_read(a, shown_to_students(course, a.question_id)) for a in page]


@router.get("/me/progress")
def my_progress(request: Request, session: SessionDep, student: StudentDep) -> Progress:
    """Mastery per topic and your record on each question you have tried."""
    return progress_for(request, session, student)


def progress_for(request: Request, session: Session, student_id: int) -> Progress:
    topics = course_of(request).topics()
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
    rubric_set = course_of(request).rubrics
    topics = course_of(request).topics()
    records = [r for r in question_records(session, student_id=student) if r.question_id in topics]
    choice = next_question(topics, records, datetime.now(UTC))
    if choice is None:
        return NextQuestion(question=None, reason="there are no questions")
    question_id, reason = choice
    return NextQuestion(question=_read(rubric_set.rubrics[question_id]), reason=reason)
