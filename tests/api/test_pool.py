"""A stalled database holds every pooled connection: the next request waits no longer than the
connect timeout, then gets 503 with Retry-After, never 500 (both databases)."""

from __future__ import annotations

import time
from contextlib import ExitStack

from fastapi.testclient import TestClient

from grader.config import Settings
from grader.main import create_app
from tests.api.helpers import token_headers
from tests.conftest import REPO_ROOT

CONNECT_S = 1.0


def test_an_exhausted_pool_is_a_503_within_the_declared_bound(database_url: str) -> None:
    student = token_headers(database_url, "student", "pat")
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url,
        database_connect_timeout_s=CONNECT_S,
    )  # fmt: skip
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/me/progress", headers=student).status_code == 200
        engine = client.app.state.sessions.kw["bind"]  # type: ignore[attr-defined]
        with ExitStack() as held:
            # Every connection the pool may open, held (as by requests stuck on the database).
            for _ in range(engine.pool.size() + engine.pool._max_overflow):
                held.enter_context(engine.connect())
            started = time.perf_counter()
            response = client.get("/me/progress", headers=student)
            waited = time.perf_counter() - started
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == "2"
        assert response.headers["content-type"] == "application/problem+json"
        assert waited < CONNECT_S + 2.0
        assert client.get("/me/progress", headers=student).status_code == 200  # released
