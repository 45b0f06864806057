"""The mini-demos over HTTP: list, describe, run (JSON) and draw (PNG)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel

from grader.api.deps import current_caller
from grader.api.problems import ApiProblem, FieldProblem, problem_responses
from grader.demos.base import Demo, DemoResult
from grader.demos.registry import (
    DEMOS,
    DemoBusy,
    DemoRunner,
    InvalidDemoParams,
    UnknownDemo,
    get_demo,
    parse_params,
    parse_value,
)

router = APIRouter(
    prefix="/demos",
    tags=["demos"],
    dependencies=[Depends(current_caller)],
    responses=problem_responses(400, 401, 404, 413, 422, 503),
)


class DemoSummary(BaseModel):
    id: str
    title: str
    summary: str
    questions: list[str]


class DemoRead(DemoSummary):
    params: dict[str, Any]  # JSON schema: names, defaults, bounds


def _summary(demo: Demo) -> DemoSummary:
    return DemoSummary(
        id=demo.id, title=demo.title, summary=demo.summary, questions=list(demo.questions)
    )


def _demo(demo_id: str) -> Demo:
    try:
        return get_demo(demo_id)
    except UnknownDemo as error:
        raise ApiProblem(404, str(error)) from error


def _invalid(error: InvalidDemoParams) -> ApiProblem:
    return ApiProblem(
        422,
        str(error),
        errors=[FieldProblem(field=name, message=message) for name, message in error.problems],
    )


def _busy(error: DemoBusy) -> ApiProblem:
    return ApiProblem(503, str(error), headers={"Retry-After": "2"})


def _run(request: Request, demo: Demo, raw: dict[str, Any]) -> DemoResult:
    runner: DemoRunner = request.app.state.demos
    try:
        return runner.run(demo, parse_params(demo, raw))
    except InvalidDemoParams as error:
        raise _invalid(error) from error
    except DemoBusy as error:
        raise _busy(error) from error


@router.get("")
def list_demos() -> list[DemoSummary]:
    """Every demo, with the questions it explains."""
    return [_summary(demo) for demo in DEMOS.values()]


@router.get("/{demo_id}")
def read_demo(demo_id: str) -> DemoRead:
    """One demo and its parameters (defaults and bounds, as JSON schema)."""
    demo = _demo(demo_id)
    return DemoRead(**_summary(demo).model_dump(), params=demo.params.model_json_schema())


@router.post("/{demo_id}/run", responses={422: {"description": "a parameter is out of bounds"}})
def run_demo(
    demo_id: str, request: Request, params: Annotated[dict[str, Any] | None, Body()] = None
) -> DemoResult:
    """Run the demo with these parameters (JSON object; omitted ones take their defaults)."""
    return _run(request, _demo(demo_id), params or {})


@router.get(
    "/{demo_id}/plot.png", response_class=Response, responses={200: {"content": {"image/png": {}}}}
)
def plot_demo(demo_id: str, request: Request) -> Response:
    """The demo's result drawn as a PNG; parameters as query parameters (lists as JSON)."""
    demo = _demo(demo_id)
    runner: DemoRunner = request.app.state.demos
    try:
        picture = runner.png(demo, parse_params(demo, _query_params(request)))
    except InvalidDemoParams as error:
        raise _invalid(error) from error
    except DemoBusy as error:
        raise _busy(error) from error
    return Response(content=picture, media_type="image/png")


def _query_params(request: Request) -> dict[str, Any]:
    return {name: parse_value(text) for name, text in request.query_params.items()}
