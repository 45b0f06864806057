"""Acknowledged means stored (both databases): the commit precedes the response, a failed
commit is a 503 that stored nothing, and the service is ready before it answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.config import Settings
from grader.main import create_app
from grader.rubrics.loader import RubricSet
from grader.store.models import Attempt
from grader.store.session import DatabaseUnavailable, Session, make_engine, make_sessions
from tests.api.helpers import count_rows, token_headers
from tests.conftest import REPO_ROOT

QUESTION = "what-are-the-challenges-of-long-term-dependencies"


class RowsAtResponse:
    """Counts the stored attempts from a second connection at the instant the response starts
    (the client cannot have the status before this)."""

    def __init__(self, app: ASGIApp, database_url: str) -> None:
        self.app = app
        self.engine = make_engine(database_url)
        self.seen: list[int] = []
        self.state: Any = None  # the app's state, which tests reach into

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                with self.engine.connect() as connection:
                    count = connection.scalar(select(func.count()).select_from(Attempt))
                    self.seen.append(int(count or 0))
            await send(message)

        await self.app(scope, receive, watching)


@pytest.fixture(scope="module")
def app_and_watch(database_url: str) -> Iterator[tuple[TestClient, RowsAtResponse]]:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url
    )
    app = create_app(settings)
    watch = RowsAtResponse(app, database_url)
    watch.state = app.state
    with TestClient(watch, raise_server_exceptions=False) as client:
        yield client, watch
    watch.engine.dispose()


def test_an_attempt_is_committed_before_its_201_is_sent(
    app_and_watch: tuple[TestClient, RowsAtResponse], database_url: str
) -> None:
    client, watch = app_and_watch
    student = token_headers(database_url, "student", "dora")
    for n in range(5):
        before = count_rows(database_url, Attempt)
        response = client.post(
            f"/questions/{QUESTION}/attempts", json={"answer": f"gradients {n}"}, headers=student
        )
        assert response.status_code == 201
        assert watch.seen[-1] == before + 1  # already stored when the status went out


class _FailingCommit:
    """Sessions whose commit fails as a dropped database connection does."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions

    def __call__(self) -> Session:
        session: Session = self.sessions()

        def commit() -> None:
            raise DatabaseUnavailable("COMMIT", {}, ConnectionError("server closed the connection"))

        session.commit = commit  # type: ignore[method-assign]
        return session


def test_a_failed_commit_answers_503_and_nothing_is_stored(
    app_and_watch: tuple[TestClient, RowsAtResponse], database_url: str
) -> None:
    client, watch = app_and_watch
    student = token_headers(database_url, "student", "eli")
    state = watch.state
    before = count_rows(database_url, Attempt)
    working = state.sessions
    state.sessions = _FailingCommit(working)
    try:
        response = client.post(
            f"/questions/{QUESTION}/attempts", json={"answer": "gradients"}, headers=student
        )
    finally:
        state.sessions = working
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert "nothing was saved" in response.json()["detail"]
    assert count_rows(database_url, Attempt) == before


def test_the_model_and_every_rubric_are_ready_before_the_first_request(
    app_and_watch: tuple[TestClient, RowsAtResponse],
) -> None:
    client, watch = app_and_watch
    state = watch.state
    assert state.scorer.embedder.loaded  # the model loaded, not on the first answer
    for loaded in state.rubrics.rubrics.values():
        assert state.scorer.is_prepared(loaded.rubric)
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/health/live").json() == {"status": "alive"}


def test_health_reports_when_a_webhook_worker_last_polled(
    app_and_watch: tuple[TestClient, RowsAtResponse], database_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import delete

    from grader.store import webhooks as store
    from grader.store.models import WorkerHeartbeat
    from grader.store.session import make_engine, make_sessions

    client, _ = app_and_watch
    engine = make_engine(database_url)
    with make_sessions(engine).begin() as session:
        # The only worker: the database is shared with the worker's own tests, which beat too.
        session.execute(delete(WorkerHeartbeat))
        store.beat(session, worker="host:1", now=datetime.now(UTC) - timedelta(seconds=30))
    engine.dispose()
    age = client.get("/health").json()["worker_last_poll_s"]
    assert age is not None and 29 <= age < 120


def test_health_is_503_when_the_database_does_not_answer(database_url: str) -> None:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        state = client.app.state  # type: ignore[attr-defined]
        dead = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
        working, state.sessions = state.sessions, make_sessions(dead)
        try:
            response = client.get("/health")
        finally:
            state.sessions = working
        assert response.status_code == 503
        assert response.json()["database"] is False
        assert client.get("/health/live").status_code == 200
        dead.dispose()


LOGGED_NEVER = "whsec_do_not_log_me and a student's answer"


class _Exploding:
    """A rubric set whose every use fails with a message holding a secret."""

    @property
    def rubrics(self) -> Any:
        raise RuntimeError(LOGGED_NEVER)

    def ordered(self) -> Any:
        return self.rubrics


def test_an_unexpected_error_is_a_500_problem_logged_without_its_message(
    app_and_watch: tuple[TestClient, RowsAtResponse],
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, watch = app_and_watch
    student = token_headers(database_url, "student", "fox")
    state = watch.state
    working = state.course
    state.course = replace(working, rubrics=cast(RubricSet, _Exploding()))
    try:
        with caplog.at_level("ERROR"):
            response = client.get("/questions", headers=student)
    finally:
        state.course = working
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "whsec" not in response.text
    assert "unhandled RuntimeError on GET /questions" in caplog.text
    assert "whsec_do_not_log_me" not in caplog.text


def test_a_read_refused_for_the_database_does_not_say_nothing_was_saved() -> None:
    from grader.api.problems import database_unavailable

    assert database_unavailable("GET") == "the database is unavailable; try again"
    assert "nothing was saved" in database_unavailable("POST")
    assert "nothing was saved" in database_unavailable("put")
