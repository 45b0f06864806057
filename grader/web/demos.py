"""The "see it happen" panel: a question's demo run with its defaults, its numbers and plot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from grader.demos.registry import DemoBusy, DemoRunner, UnknownDemo, get_demo
from grader.web.auth import PageRefused, PageUserDep
from grader.web.pages import is_htmx, render

router = APIRouter(prefix="/app/demos", include_in_schema=False)


def _runner(request: Request) -> DemoRunner:
    runner: DemoRunner = request.app.state.demos
    return runner


@contextmanager
def _refused_as_pages() -> Iterator[None]:
    """An unknown demo is a 404 page, every demo slot taken a 503 page."""
    try:
        yield
    except UnknownDemo as error:
        raise PageRefused(404, str(error)) from error
    except DemoBusy as error:
        raise PageRefused(503, f"{error} Try again in a moment.") from error


@router.get("/{demo_id}")
def demo_panel(demo_id: str, request: Request, user: PageUserDep) -> HTMLResponse:
    """The demo's numbers and explanation, and its plot (a partial for htmx)."""
    with _refused_as_pages():
        demo = get_demo(demo_id)
        result = _runner(request).run(demo, demo.params())
    context = {"demo": demo, "result": result}
    template = "_demo.html" if is_htmx(request) else "demo.html"
    return render(request, template, context, user=user)


@router.get("/{demo_id}/plot.png")
def demo_plot(demo_id: str, request: Request, user: PageUserDep) -> Response:
    """The demo's plot with its default parameters (drawn once, then kept)."""
    with _refused_as_pages():
        demo = get_demo(demo_id)
        picture = _runner(request).png(demo, demo.params())
    return Response(
        picture, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}
    )
