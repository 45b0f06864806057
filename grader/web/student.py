"""The student's pages: questions with mastery, answering with explained feedback (a partial
when htmx asks, the whole page otherwise), the linked demo, and the history of attempts."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from grader.api.deps import SessionDep, course_of
from grader.api.fields import Id
from grader.errors import NotFound
from grader.rubrics.loader import LoadedRubric
from grader.scoring.disclosure import disclose
from grader.scoring.grade import Grade
from grader.scoring.scorer import AnswerTooLong
from grader.services.answering import answer_question
from grader.services.course import Course
from grader.store.models import Attempt
from grader.store.practice import question_records, student_attempts
from grader.store.review import get_attempt
from grader.store.session import Session
from grader.tutor.progress import knows_now, mastery_by_topic, next_question
from grader.tutor.reveal import reference_visible
from grader.web.auth import PageRefused, PageUser, StudentPage, StudentPost
from grader.web.highlight import highlight
from grader.web.pages import is_htmx, render

router = APIRouter(prefix="/app", include_in_schema=False)

_API_DEMO_LINK = re.compile(r"\s*See it happen: /demos/\S+ \(plot: \S+\)\.")


def loaded_or_404(course: Course, question_id: str) -> LoadedRubric:
    try:
        return course.question(question_id)
    except NotFound as error:
        raise PageRefused(404, str(error)) from error


@router.get("/questions")
def questions_page(request: Request, session: SessionDep, user: StudentPage) -> HTMLResponse:
    """The questions by topic, with what you know of each topic now."""
    course = course_of(request)
    now = datetime.now(UTC)
    records = {r.question_id: r for r in question_records(session, student_id=_id(user))}
    mastery = mastery_by_topic(course.topics(), records.values(), now)
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for loaded in course.rubrics.ordered():
        record = records.get(loaded.rubric.id)
        by_topic[loaded.rubric.topic].append(
            {
                "rubric": loaded.rubric,
                "attempts": record.attempts if record else 0,
                "knows": knows_now(record, now) if record else None,
                "due": record is not None and record.due <= now,
            }
        )
    topics = [(topic, mastery.get(topic, 0.0), items) for topic, items in by_topic.items()]
    return render(request, "questions.html", {"topics": topics}, user=user)


@router.get("/next")
def next_page(request: Request, session: SessionDep, user: StudentPage) -> RedirectResponse:
    """The most useful question now (as `/me/next` chooses it)."""
    course = course_of(request)
    topics = course.topics()
    records = [
        r for r in question_records(session, student_id=_id(user)) if r.question_id in topics
    ]
    choice = next_question(topics, records, datetime.now(UTC))
    target = f"/app/questions/{choice[0]}" if choice else "/app/questions"
    return RedirectResponse(target, status_code=303)


@router.get("/questions/{question_id}")
def question_page(
    question_id: str, request: Request, session: SessionDep, user: StudentPage
) -> HTMLResponse:
    """A question and its answer box, with your earlier attempts on it."""
    course = course_of(request)
    loaded = loaded_or_404(course, question_id)
    attempts = _attempts_on(session, user, question_id)
    context = _question_context(course, loaded, attempts, answer="", result=None, error=None)
    return render(request, "question.html", context, user=user)


@router.post("/questions/{question_id}/answer")
def answer_page(
    question_id: str,
    request: Request,
    session: SessionDep,
    user: StudentPost,
    answer: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Grade and store your answer; the result (a partial for htmx, else the whole page)."""
    course = course_of(request)
    loaded = loaded_or_404(course, question_id)
    text, error = answer.strip(), None
    if not text:
        error = "Write an answer first."
    elif "\x00" in text:
        error = "The answer holds a character that cannot be stored (NUL)."
    answered, result, timing = None, None, {}
    if error is None:
        try:
            answered = answer_question(
                course, session, question_id=question_id, student_id=_id(user), answer=text
            )
            timing = {"grade": answered.grade_ms, "store": answered.store_ms}
        except AnswerTooLong as too_long:
            error = str(too_long)
    attempts = _attempts_on(session, user, question_id)  # the new one included
    if answered is not None:
        result = _result_context(course, loaded, attempts, answered.attempt, answered.grade)
    status = 422 if error else 200
    if is_htmx(request):
        # The attempts list is sent along, out of band, so it shows the new attempt too.
        context = {"result": result, "error": error, "rubric": loaded.rubric,
                   "attempts": attempts, "oob": True}  # fmt: skip
        return render(request, "_result.html", context, user=user, status=status, timing=timing)
    context = _question_context(course, loaded, attempts, answer=answer, result=result, error=error)
    return render(request, "question.html", context, user=user, status=status, timing=timing)


@router.get("/history")
def history_page(request: Request, session: SessionDep, user: StudentPage) -> HTMLResponse:
    """Every attempt of yours, newest first, with the instructor's grade where they gave one."""
    course = course_of(request)
    attempts = student_attempts(session, student_id=_id(user), limit=500)
    rubrics = {q: loaded.rubric for q, loaded in course.rubrics.rubrics.items()}
    prompts = {q: rubric.prompt for q, rubric in rubrics.items()}
    context = {"attempts": attempts, "prompts": prompts, "rubrics": rubrics}
    return render(request, "history.html", context, user=user)


@router.get("/attempts/{attempt_id}")
def attempt_page(
    attempt_id: Id, request: Request, session: SessionDep, user: StudentPage
) -> HTMLResponse:
    """One of your attempts and its feedback (another student's is not found)."""
    course = course_of(request)
    attempt = get_attempt(session, attempt_id=attempt_id)
    if attempt is None or attempt.student_id != _id(user):
        raise PageRefused(404, f"You have no attempt {attempt_id}.")
    loaded = loaded_or_404(course, attempt.question_id)
    attempts = _attempts_on(session, user, attempt.question_id)
    result = _result_context(
        course, loaded, attempts, attempt, Grade.model_validate(attempt.shown_result)
    )
    return render(request, "attempt.html", {"result": result, "rubric": loaded.rubric}, user=user)


def _id(user: PageUser) -> int:
    assert user.caller.student_id is not None
    return user.caller.student_id


def _attempts_on(session: Session, user: PageUser, question_id: str) -> list[Attempt]:
    """The student's attempts on one question, newest first."""
    return student_attempts(session, student_id=_id(user), question_id=question_id)


def _question_context(
    course: Course,
    loaded: LoadedRubric,
    attempts: list[Attempt],
    *,
    answer: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> dict[str, Any]:
    return {
        "rubric": loaded.rubric,
        "attempts": attempts,
        "answer": answer,
        "result": result,
        "error": error,
        "reference": _reference(course, loaded, attempts),
        "max_chars": course.settings.max_answer_chars,
    }


def _reference(course: Course, loaded: LoadedRubric, attempts: list[Attempt]) -> str | None:
    """The worked reference answer, when this student may see it now."""
    rubric = loaded.rubric
    visible = reference_visible(
        rubric.reference_shown,
        key_hidden=course.feedback_shown(rubric) != "full",
        answered_correctly=any(_correct(a) for a in attempts),
        attempts=len(attempts),
        after_attempts=rubric.reference_after_attempts or course.settings.reference_after_attempts,
    )
    return rubric.reference_answer if visible else None


def _correct(attempt: Attempt) -> bool:
    """Right by the grade in force (an instructor's decided grade has its verdict too, by the
    same thresholds as the machine's: 1.9 of 2 is right whoever graded it)."""
    return attempt.shown_result.get("verdict") == "correct"


def _result_context(
    course: Course, loaded: LoadedRubric, attempts: list[Attempt], attempt: Attempt, grade: Grade
) -> dict[str, Any]:
    """What the result shows: the grade as the student may see it, the evidence marked in
    their own answer, the instructor's grade when there is one, the demo and what is next
    (``attempts``: the student's on this question, for the reference answer's rule)."""
    seen = disclose(grade, course.feedback_shown(loaded.rubric))
    # The feedback names the demo's API paths for API clients; the page has its own panel.
    seen = seen.model_copy(update={"feedback": _API_DEMO_LINK.sub("", seen.feedback)})
    # Marked in the answer: what met a key point (a missed point's best try is listed with it).
    evidence = [(n, c.evidence) for n, c in enumerate(seen.criteria, start=1) if c.met]
    return {
        "attempt": attempt,
        "grade": seen,
        "segments": highlight(attempt.answer, evidence),
        "reference": _reference(course, loaded, attempts),
        "demo": loaded.rubric.demo,
    }
