"""The practice API over both databases: auth, grading, storage, progress, next question."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from grader.config import Settings
from grader.main import create_app
from grader.store import practice
from grader.store.models import Attempt
from grader.store.session import upgrade
from tests.api.helpers import count_rows, token_headers
from tests.conftest import REPO_ROOT
from tests.database import POSTGRES, empty_postgres_database

QUESTION = "what-are-the-challenges-of-long-term-dependencies"


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def test_everything_but_health_needs_a_known_token(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/questions").status_code == 401
    assert client.get("/questions", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_students_see_prompts_instructors_also_the_answers(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "ann")
    instructor = token_headers(database_url, "instructor")
    listed = client.get("/questions", headers=student).json()
    assert len(listed) == 6 and "reference_answer" not in listed[0]
    own = client.get(f"/questions/{QUESTION}", headers=student).json()
    assert own["reference_answer"] is None and own["criteria"] is None
    full = client.get(f"/questions/{QUESTION}", headers=instructor).json()
    assert full["reference_answer"] == "Vanishing and exploding gradients"
    assert client.get("/questions/nope", headers=student).status_code == 404
    assert client.get("/me/progress", headers=instructor).status_code == 403


def test_an_attempt_is_graded_stored_and_scheduled(client: TestClient, database_url: str) -> None:
    student = token_headers(database_url, "student", "bea")
    before = count_rows(database_url, Attempt)
    response = client.post(
        f"/questions/{QUESTION}/attempts",
        json={"answer": "Vanishing and exploding gradients."},
        headers=student,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["grade"]["verdict"] == "correct"
    assert count_rows(database_url, Attempt) == before + 1
    (attempt,) = client.get("/me/attempts", headers=student).json()
    assert attempt["id"] == body["attempt_id"] and attempt["verdict"] == "correct"
    progress = client.get("/me/progress", headers=student).json()
    topic = progress["questions"][0]["topic"]
    assert progress["mastery"][topic] == pytest.approx(body["grade"]["score"], abs=1e-4)
    nxt = client.get("/me/next", headers=student).json()
    assert nxt["question"]["id"] != QUESTION  # just answered well: an unseen question comes first
    assert nxt["reason"].startswith("unseen")


def test_bad_answers_are_refused_and_nothing_is_stored(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "cid")
    before = count_rows(database_url, Attempt)
    assert (
        client.post(
            f"/questions/{QUESTION}/attempts", json={"answer": ""}, headers=student
        ).status_code
        == 422
    )
    too_long = client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "x" * 6000}, headers=student
    )
    assert too_long.status_code == 422 and "limit is 5000" in too_long.text
    assert (
        client.post("/questions/nope/attempts", json={"answer": "x"}, headers=student).status_code
        == 404
    )
    assert count_rows(database_url, Attempt) == before


def test_a_failure_mid_way_stores_nothing(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = token_headers(database_url, "student", "dee")
    before = count_rows(database_url, Attempt)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scheduler failure after the attempt row was added")

    monkeypatch.setattr(practice, "review", broken)
    response = client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "Vanishing gradients"}, headers=student
    )
    assert response.status_code == 500
    assert count_rows(database_url, Attempt) == before


def test_a_database_that_is_down_answers_503(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None,
        database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
    )  # fmt: skip
    with TestClient(create_app(settings), raise_server_exceptions=False) as down:
        response = down.get("/questions", headers={"Authorization": "Bearer anything"})
        health = down.get("/health").json()
    assert response.status_code == 503
    assert "database is unavailable" in response.text
    assert (health["status"], health["database"]) == ("degraded", False)
    # The server's log says why, once, in one line an operator can act on.
    said = [r.getMessage() for r in caplog.records if "cannot use the database" in r.getMessage()]
    assert len(said) == 1 and "127.0.0.1:1/nowhere" in said[0] and "\n" not in said[0]


def test_the_attempt_response_says_where_the_time_went(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "tim")
    response = client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "Exploding gradients."}, headers=student
    )
    parts = dict(
        part.strip().split(";dur=") for part in response.headers["server-timing"].split(",")
    )
    assert set(parts) == {"grade", "store"}
    assert float(parts["grade"]) > 0


def test_the_service_recovers_when_postgresql_drops_its_connections() -> None:
    """A database restart kills every connection; the next request reconnects and succeeds."""
    with empty_postgres_database() as url:
        upgrade(url)
        settings = Settings(rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as live:
            headers = token_headers(url, "student", "ron")
            assert live.get("/me/progress", headers=headers).status_code == 200
            database = url.rsplit("/", 1)[1]
            with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (database,),
                ).fetchall()
            assert killed  # the app's pooled connection was there, and is gone now
            assert live.get("/me/progress", headers=headers).status_code == 200


def test_my_attempts_come_a_page_at_a_time_and_none_is_skipped(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "pagey")
    made = [
        client.post(
            f"/questions/{QUESTION}/attempts",
            json={"answer": f"Gradients vanish {n}."},
            headers=student,
        ).json()["attempt_id"]
        for n in range(5)
    ]
    seen, url = [], "/me/attempts?limit=2"
    while url:
        page = client.get(url, headers=student)
        assert page.status_code == 200
        seen += [a["id"] for a in page.json()]
        link = page.headers.get("Link")
        url = link.split(">", 1)[0].lstrip("<") if link else ""
    assert seen == sorted(made, reverse=True)  # newest first, each once
    other = token_headers(database_url, "student", "nosy")
    assert client.get(f"/me/attempts?before={made[-1]}", headers=other).json() == []
    assert client.get("/me/attempts?limit=501", headers=student).status_code == 422
