"""Every error as RFC 9457 problem details (``application/problem+json``), declared in OpenAPI.

    HTTPException (Starlette's and FastAPI's)      → its status, its detail
    └── ApiProblem                                 → also ``errors``: [{field or line, message}]
    RequestValidationError                         → 422, one entry per invalid field
    NotFound, Conflict, InvalidInput, RubricInvalid (errors) → 404, 409, 422 naming the field,
    422 per line
    DatabaseUnavailable (store)                    → 503 + Retry-After: nothing was saved
    Busy (every slot for heavy work taken)         → 503 + Retry-After
    any other exception                            → 500 (by guards.RequestGuard), logged
                                                     without its message; none in the body

Bodies are written ASCII-only, so even text that cannot be UTF-8 (a lone surrogate a client
sent) is echoed back escaped instead of breaking the error response itself.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from grader.errors import Conflict, InvalidInput, NotFound, RubricInvalid, for_a_person
from grader.services.slots import Busy
from grader.store.session import UNAVAILABLE

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    """One thing wrong with the request: the field (dotted path) or the line, and why."""

    field: str | None = Field(default=None, examples=["answer"])
    line: int | None = Field(default=None, description="For documents such as a rubric's YAML")
    message: str = Field(examples=["String should have at least 1 character"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["answer: the answer is empty"])
    instance: str | None = Field(default=None, examples=["/questions/q1/attempts"])
    errors: list[FieldProblem] | None = None


class ApiProblem(HTTPException):
    """An error a route raises on purpose, optionally with one entry per field or line."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        errors: Sequence[FieldProblem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.errors = list(errors)


def invalid_field(field: str, message: str) -> ApiProblem:
    """A 422 naming one field: ``field: message`` as the detail, and the one error entry."""
    return ApiProblem(
        422, f"{field}: {message}", errors=[FieldProblem(field=field, message=message)]
    )


def rubric_field_problems(problems: Sequence[Any]) -> list[FieldProblem]:
    """A rubric file's problems (``grader.rubrics.loader.Problem``) as error entries."""
    return [FieldProblem(field=p.field or None, line=p.line, message=p.message) for p in problems]


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


_DESCRIPTIONS = {
    400: "The request is malformed",
    401: "No token, or an unknown one",
    403: "The token's role may not use this route",
    404: "No such resource",
    409: "The request conflicts with what is stored",
    413: "The request body is over the size limit",
    422: "A field or line is invalid (each listed in `errors`)",
    503: "The database or the service is unavailable or busy; nothing was saved, try again",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problems a route can answer with."""
    return {
        code: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def problem_response(
    request_path: str,
    status: int,
    detail: str,
    *,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request_path,
        errors=list(errors) or None,
    )
    return ProblemResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def field_name(location: Sequence[int | str]) -> str:
    """``("body", "answer")`` → ``answer``; a path or query parameter keeps its own name."""
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "path", "query", "header", "cookie") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    """One problem per pydantic error, its message as a person reads it: pydantic's "Value
    error, " and "Assertion failed, " prefixes are for programmers."""
    return [FieldProblem(field=field_name(e.get("loc", ())), message=_readable(e)) for e in errors]


def _readable(error: Any) -> str:
    """pydantic's message, said for a person: a list's length in items given ("give at least
    1", not "List should have at least 1 item after validation, not 0")."""
    kind, context = error.get("type"), error.get("ctx") or {}
    if kind == "too_short" and "min_length" in context:
        return f"give at least {context['min_length']}"
    if kind == "too_long" and "max_length" in context:
        given = context.get("actual_length")
        return f"at most {context['max_length']}" + (f", not {given}" if given else "")
    return for_a_person(str(error["msg"]))


async def http_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, HTTPException)
    errors = error.errors if isinstance(error, ApiProblem) else []
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    return problem_response(
        request.url.path, error.status_code, detail, errors=errors, headers=error.headers
    )


async def _validation_problem(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    problems = validation_problems(error.errors())
    first = problems[0] if problems else None
    detail = f"{first.field}: {first.message}" if first else "the request is invalid"
    return problem_response(request.url.path, 422, detail, errors=problems)


async def _grader_problem(request: Request, error: Exception) -> ProblemResponse:
    """The services' deliberate errors."""
    path = request.url.path
    if isinstance(error, InvalidInput):
        problem = invalid_field(error.field, error.message)
        return problem_response(path, 422, str(problem.detail), errors=problem.errors)
    if isinstance(error, RubricInvalid):
        return problem_response(path, 422, str(error), errors=rubric_field_problems(error.problems))
    if isinstance(error, Conflict):
        return problem_response(path, 409, str(error))
    return problem_response(path, 404, str(error))


async def _database_problem(request: Request, error: Exception) -> ProblemResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                type(error.__cause__ or error).__name__)  # fmt: skip
    return problem_response(
        request.url.path, 503, database_unavailable(request.method), headers={"Retry-After": "2"}
    )


def database_unavailable(method: str) -> str:
    """The 503's words: a read saved nothing because it was saving nothing."""
    if method.upper() in ("GET", "HEAD", "OPTIONS"):
        return "the database is unavailable; try again"
    return "the database is unavailable; nothing was saved, try again"


async def _busy_problem(request: Request, error: Exception) -> ProblemResponse:
    return problem_response(request.url.path, 503, str(error), headers={"Retry-After": "2"})


def log_internal_error(method: str, path: str, error: BaseException) -> None:
    """Log where an unexpected error happened and its type, never its message: a database
    error's message can quote the row (PostgreSQL's DETAIL), i.e. answers and secrets."""
    stack = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s on %s %s\n%s", type(error).__name__, method, path, stack)


def internal_problem(path: str) -> ProblemResponse:
    return problem_response(path, 500, "an internal error; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    for deliberate in (NotFound, Conflict, InvalidInput, RubricInvalid):
        app.add_exception_handler(deliberate, _grader_problem)
    for unavailable in UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_problem)
    app.add_exception_handler(Busy, _busy_problem)
