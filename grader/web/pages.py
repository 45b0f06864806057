"""Rendering pages: the Jinja2 templates, what every page is given, and the pages' own
answers to "sign in first" (a redirect) and "not for you" (a 403 page)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.exceptions import HTTPException
from starlette.templating import Jinja2Templates

from grader.api.deps import course_of
from grader.api.problems import http_problem
from grader.rubrics.points import format_points, in_steps
from grader.rubrics.schema import Rubric
from grader.scoring.feedback import sentence
from grader.scoring.grade import CriterionResult
from grader.scoring.language import provisional, unread_in
from grader.scoring.text import readable
from grader.web.auth import PageRefused, PageUser, SignInRequired, sign_in_url
from grader.web.typeset import typeset, typeset_inline

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
# Rubric texts are markdown with math: `{{ text | typeset }}` (blocks), `| typeset_inline`.
templates.env.filters["typeset"] = typeset
templates.env.filters["typeset_inline"] = typeset_inline
templates.env.filters["plain"] = readable  # a page title: LaTeX as plain text


@pass_context
def _step(context: Context, rubric: Rubric | None = None) -> float:
    """`{{ step_of(rubric) }}`: the question's grading step (``Course.points_step``), or the
    course's when no question is named."""
    course = course_of(context["request"])
    return course.points_step(rubric) if rubric is not None else course.settings.points_step


@pass_context
def _points(
    context: Context, points: float, rubric: Rubric | None = None, of: float | None = None
) -> str:
    """`{{ grade.points | pts(rubric, grade.max_points) }}`: points in the question's grading
    step, as a teacher writes them, out of ``of`` (the maximum is a step of its own: 1.2 of
    1.2 with step 0.5, never 1; a maximum shown is ``pts(rubric, itself)``)."""
    return format_points(in_steps(points, _step(context, rubric), of))


@pass_context
def _input_step(context: Context, rubric: Rubric) -> str:
    """`{{ input_step(rubric) }}`: the points field's ``step``: the grading step, or "any" where
    the maximum is no multiple of it (a browser refuses a value off the field's steps, and
    full marks, 1.2 with step 0.5, would be one)."""
    step = _step(context, rubric)
    if step <= 0:
        return "any"
    steps = rubric.max_points / step
    return format_points(step) if abs(steps - round(steps)) < 1e-6 else "any"


def key_point_points(points: float) -> str:
    """`{{ c.earned | kp_pts }}`: a key point's share of the points as earned (two decimals,
    not the question's step): the step is for totals, and key points rounded one by one would
    not add up to the total shown beside them."""
    return format_points(round(points, 2))


def standing(criterion: CriterionResult) -> str:
    """How a key point fared, in words that agree with its points: met, partly met (earning
    points under half its worth) or missed (earning nothing)."""
    if criterion.met:
        return "met"
    return "partly met" if criterion.earned > 0 else "missed"


def confidence_words(confidence: float, needs_review: bool = False) -> str:
    """What the grade's confidence means for the instructor: how often grades like it agree
    with an instructor's (within a quarter of the marks), and whether to check it."""
    in_ten = max(0, min(10, round(confidence * 10)))
    agree = f"about {in_ten} in 10 grades like this match an instructor's"
    if needs_review:
        return f"unsure, please check: {agree}"
    return f"{'likely right' if in_ten >= 8 else 'worth a look'}: {agree}"


templates.env.filters["pts"] = _points
templates.env.filters["kp_pts"] = key_point_points
templates.env.filters["standing"] = standing
templates.env.globals["step_of"] = _step
templates.env.globals["input_step"] = _input_step
templates.env.filters["confidence_words"] = confidence_words
# Why the model could not read an answer, and what a student is told of it: the scorer's words.
templates.env.globals["unread_in"] = unread_in
templates.env.filters["provisional_note"] = lambda why: sentence(provisional(why))
templates.env.tests["containing"] = lambda text, part: isinstance(text, str) and part in text


def is_htmx(request: Request) -> bool:
    """A partial asked for by htmx (a full page otherwise: the pages work without scripts)."""
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: PageUser | None = None,
    status: int = 200,
    timing: dict[str, float] | None = None,
) -> HTMLResponse:
    """The page (or partial); ``timing``: other steps' milliseconds for ``Server-Timing``."""
    context = {"user": user, "csrf": user.csrf if user else "", **context}
    started = time.perf_counter()
    response = templates.TemplateResponse(request, name, context, status_code=status)
    steps = {**(timing or {}), "render": (time.perf_counter() - started) * 1000}
    # Where the server's time went (bench/bench_pages.py reads it).
    response.headers["Server-Timing"] = ", ".join(f"{k};dur={v:.2f}" for k, v in steps.items())
    # Pages show personal data: never kept by a shared cache, and never framed by another site.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    return response


def see_other(request: Request, url: str) -> Response:
    """Go to ``url`` after a post: a 303 for a plain form, ``HX-Redirect`` for htmx."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _sign_in_first(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return see_other(request, sign_in_url(error.back_to))


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageRefused)
    return render(request, "refused.html", {"message": error.message}, status=error.status)


async def _no_such_page(request: Request, error: Exception) -> Response:
    """A page address that names nothing is a page saying so (it was a JSON problem); the
    API's answers stay problems."""
    assert isinstance(error, HTTPException)
    if error.status_code in (404, 405) and request.url.path.startswith("/app"):
        message = "There is no such page." if error.status_code == 404 else "Not here."
        return render(request, "refused.html", {"message": message}, status=error.status_code)
    return await http_problem(request, error)


def install_page_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(PageRefused, _refused)
    app.add_exception_handler(HTTPException, _no_such_page)
