"""Rendering pages: the Jinja2 templates, what every page is given, and the pages' own
answers to "sign in first" (a redirect) and "not for you" (a 403 page)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from grader.web.auth import PageRefused, PageUser, SignInRequired, sign_in_url

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")


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


def install_page_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(PageRefused, _refused)
