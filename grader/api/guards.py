"""What is checked before a route runs: the body's size (413 before it is read, or as soon as
it passes the limit), the caller's token before the body is read, and no NUL in the path or
query (PostgreSQL cannot store it, and no id or filter contains one)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.api.deps import Caller, caller_for
from grader.api.problems import (
    ApiProblem,
    FieldProblem,
    internal_problem,
    log_internal_error,
    problem_response,
)
from grader.store.session import UNAVAILABLE, SessionFactory

# Routes that read a body without a bearer token: the LMS signs its submissions instead, and
# the pages' forms carry a session cookie and a CSRF token, checked by the pages themselves
# (their bodies are bounded by the same size limit).
PUBLIC_PREFIXES = ("/lms/", "/app/")
_READS_ONLY = ("GET", "HEAD", "OPTIONS")


def _lookup(sessions: SessionFactory, token: str) -> Caller | None:
    with sessions() as session:
        return caller_for(session, token)


class RequestGuard:
    """Refuse, before any of the body is read: a body over ``max_body_bytes`` by its
    Content-Length (413), a body without a known token (401), a NUL in the path or a query
    parameter (422); and a streamed body as soon as it passes the limit (413). A caller found
    here is passed on to the route."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        nul = self._nul(scope)
        if nul is not None:
            message = "must not contain a NUL character"
            response = problem_response(
                path, 422, f"{nul}: {message}", errors=[FieldProblem(field=nul, message=message)]
            )
            await response(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "0")
        if length.isdigit() and int(length) > self.max_body_bytes:
            response = problem_response(path, 413, self._too_large)
            await response(scope, receive, send)
            return
        receive = self._limited(receive)
        has_body = length != "0" or "transfer-encoding" in headers
        if scope["method"] in _READS_ONLY or not has_body or path.startswith(PUBLIC_PREFIXES):
            await self._answered(scope, receive, send)
            return
        scheme, _, token = headers.get("authorization", "").partition(" ")
        caller = None
        if scheme.lower() == "bearer" and token:
            try:
                caller = await run_in_threadpool(_lookup, scope["app"].state.sessions, token)
            except UNAVAILABLE:
                response = problem_response(
                    path, 503, "the database is unavailable; nothing was saved, try again",
                    headers={"Retry-After": "2"},
                )  # fmt: skip
                await response(scope, receive, send)
                return
        if caller is None:
            detail = "unknown token" if token else "missing bearer token"
            response = problem_response(path, 401, detail, headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self._answered(scope, receive, send)

    async def _answered(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the route; an unexpected error is a 500 problem, logged without its message
        (the server would otherwise log the exception whole, message and all)."""
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            log_internal_error(scope["method"], scope["path"], error)
            if not started:
                await internal_problem(scope["path"])(scope, receive, send)

    @property
    def _too_large(self) -> str:
        return f"the request body is over {self.max_body_bytes} bytes"

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that raises a 413 problem once the body passes the limit."""
        total = 0

        async def receive_limited() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.max_body_bytes:
                    raise ApiProblem(413, self._too_large)
            return message

        return receive_limited

    @staticmethod
    def _nul(scope: Scope) -> str | None:
        """The name of the first path or query part holding a NUL, if any."""
        if "\x00" in scope["path"]:
            return "path"
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "query"
        return None
