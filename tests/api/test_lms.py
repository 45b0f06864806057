"""Inbound LMS submissions: signed, fresh, de-duplicated, graded and stored (both databases)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.main import create_app
from grader.store.models import Attempt, Student, WebhookEvent
from grader.store.session import make_engine, make_sessions
from grader.webhooks.signing import new_secret
from tests.api.helpers import count_rows, signed_headers
from tests.conftest import REPO_ROOT

SECRET = new_secret()
QUESTION = "what-are-the-challenges-of-long-term-dependencies"


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics",
        cache_dir=None,
        database_url=database_url,
        lms_secret=SECRET,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _signed(
    body: Mapping[str, object] | str,
    message_id: str,
    secret: str = SECRET,
    at: datetime | None = None,
) -> tuple[str, dict[str, str]]:
    text = body if isinstance(body, str) else json.dumps(body)
    return text, signed_headers(secret, text, message_id, at)


def test_a_signed_submission_is_graded_once_even_when_replayed(
    client: TestClient, database_url: str
) -> None:
    message_id = f"msg_lms_{datetime.now(UTC).timestamp()}"
    body, headers = _signed(
        {
            "lms_user_id": "canvas-42",
            "question_id": QUESTION,
            "answer": "Vanishing and exploding gradients.",
        },
        message_id,
    )
    attempts, events = count_rows(database_url, Attempt), count_rows(database_url, WebhookEvent)
    first = client.post("/lms/submissions", content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["grade"]["verdict"] == "correct"
    again = client.post("/lms/submissions", content=body, headers=headers)
    assert again.json() == first.json()
    assert count_rows(database_url, Attempt) == attempts + 1
    assert count_rows(database_url, WebhookEvent) == events + 1  # its attempt.graded flows out
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        student = session.scalar(select(Student).where(Student.lms_user_id == "canvas-42"))
        assert student is not None
    engine.dispose()


def test_the_lms_names_the_student_and_gets_points_in_the_grading_step(
    client: TestClient, database_url: str
) -> None:
    stamp = datetime.now(UTC).timestamp()
    for n, name in enumerate(("Ada Lovelace", None)):
        body = {"lms_user_id": "moodle-7", "question_id": QUESTION,
                "answer": "Gradients vanish over many steps."}  # fmt: skip
        if name is not None:
            body["name"] = name
        text, headers = _signed(body, f"m_{stamp}_{n}")
        response = client.post("/lms/submissions", content=text, headers=headers)
        assert response.status_code == 200, response.text
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        student = session.scalar(select(Student).where(Student.lms_user_id == "moodle-7"))
        assert student is not None and student.display_name == "Ada Lovelace"  # kept when omitted
        event = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id.desc())).first()
        assert event is not None
        data = event.payload["data"]
    engine.dispose()
    assert data["student"]["display_name"] == "Ada Lovelace"
    exact = data["attempt"]["points_exact"]
    # The gradebook gets the nearest half point (the course's default step); the event keeps
    # the exact score too.
    assert data["points"] == data["score"]["scoreGiven"]
    assert data["points"] % 0.5 == 0 and abs(data["points"] - exact) <= 0.25


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("forged", 401),
        ("stale", 401),
        ("malformed", 422),
        ("unknown question", 404),
        ("extra field", 422),
    ],
)
def test_bad_submissions_store_nothing(
    client: TestClient, database_url: str, case: str, status: int
) -> None:
    message_id = f"msg_bad_{case}_{datetime.now(UTC).timestamp()}"
    good = {"lms_user_id": "moodle-7", "question_id": QUESTION, "answer": "Vanishing gradients."}
    if case == "forged":
        body, headers = _signed(good, message_id, secret=new_secret())
    elif case == "stale":
        body, headers = _signed(good, message_id, at=datetime.now(UTC) - timedelta(minutes=10))
    elif case == "malformed":
        body, headers = _signed("{not json", message_id)
    elif case == "unknown question":
        body, headers = _signed({**good, "question_id": "nope"}, message_id)
    else:
        body, headers = _signed({**good, "grade": 5}, message_id)
    attempts = count_rows(database_url, Attempt)
    response = client.post("/lms/submissions", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert count_rows(database_url, Attempt) == attempts


def test_submissions_are_refused_when_no_secret_is_configured(database_url: str) -> None:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url
    )
    with TestClient(create_app(settings)) as plain:
        body, headers = _signed(
            {"lms_user_id": "x", "question_id": QUESTION, "answer": "y"}, "msg_x"
        )
        assert plain.post("/lms/submissions", content=body, headers=headers).status_code == 503


@pytest.mark.parametrize(
    ("lms_user_id", "message"),
    [
        ("\u200b", "must not be empty"),  # nothing left once normalised
        ("c" * 201, "at most 200 characters, not 201"),
    ],
)
def test_a_bad_lms_user_id_is_named_in_words(
    client: TestClient, database_url: str, lms_user_id: str, message: str
) -> None:
    body = {"lms_user_id": lms_user_id, "question_id": QUESTION, "answer": "Vanishing gradients."}
    payload, headers = _signed(body, f"msg_id_{datetime.now(UTC).timestamp()}")
    response = client.post("/lms/submissions", content=payload, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "lms_user_id", "message": message}]
