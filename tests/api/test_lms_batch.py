"""A whole exam in one signed request: graded, stored one by one, streamed back, replay-safe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from grader.api.lms_batch import ndjson
from grader.config import Settings
from grader.main import create_app
from grader.store.models import Attempt, WebhookEvent
from grader.webhooks.signing import new_secret
from tests.api.helpers import count_rows, signed_headers
from tests.conftest import REPO_ROOT

SECRET = new_secret()
LONG_TERM = "what-are-the-challenges-of-long-term-dependencies"
RNN_CNN = "write-any-two-differences-between-rnn-and-cnn"


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url,
        lms_secret=SECRET, max_answer_chars=300,
    )  # fmt: skip
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _post(client: TestClient, payload: object, message_id: str) -> Any:
    body = json.dumps(payload)
    headers = signed_headers(SECRET, body, message_id)
    return client.post("/lms/submissions/batch", content=body, headers=headers)


def test_an_exam_is_graded_stored_and_streamed_back_once(
    client: TestClient, database_url: str
) -> None:
    stamp = datetime.now(UTC).timestamp()
    answers = [
        (LONG_TERM, "Vanishing and exploding gradients."),
        (RNN_CNN, "A CNN processes images, an RNN processes sequences."),
        (LONG_TERM, "I do not know."),
        (RNN_CNN, "x" * 301),  # over the limit: its own error line, the others are stored
        (LONG_TERM, "The gradients vanish over many steps."),
    ]
    payload = {
        "submissions": [
            {"lms_user_id": f"exam-{stamp}-{n % 3}", "question_id": q, "answer": a}
            for n, (q, a) in enumerate(answers)
        ]
    }
    attempts, events = count_rows(database_url, Attempt), count_rows(database_url, WebhookEvent)
    response = _post(client, payload, f"msg_exam_{stamp}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = ndjson(response.text)
    assert [line["index"] for line in lines] == [0, 1, 2, 3, 4]
    assert "limit" in lines[3]["error"] and "attempt_id" not in lines[3]
    stored = [line for line in lines if "attempt_id" in line]
    assert len(stored) == 4 and stored[0]["grade"]["verdict"] == "correct"
    assert stored[2]["grade"]["verdict"] == "incorrect"
    assert count_rows(database_url, Attempt) == attempts + 4
    assert count_rows(database_url, WebhookEvent) == events + 4
    again = ndjson(_post(client, payload, f"msg_exam_{stamp}").text)
    assert [line.get("attempt_id") for line in again] == [line.get("attempt_id") for line in lines]
    assert count_rows(database_url, Attempt) == attempts + 4


def test_a_bad_exam_is_refused_whole(client: TestClient, database_url: str) -> None:
    stamp = datetime.now(UTC).timestamp()
    before = count_rows(database_url, Attempt)
    unknown = {"submissions": [
        {"lms_user_id": "u1", "question_id": LONG_TERM, "answer": "Vanishing."},
        {"lms_user_id": "u2", "question_id": "no-such-question", "answer": "x"},
    ]}  # fmt: skip
    refused = _post(client, unknown, f"msg_bad_{stamp}")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "submissions.1.question_id"
    blank = {"submissions": [{"lms_user_id": "u1", "question_id": LONG_TERM, "answer": " "}]}
    assert _post(client, blank, f"msg_blank_{stamp}").status_code == 422
    assert count_rows(database_url, Attempt) == before
    body = json.dumps({"submissions": []})
    forged = client.post(
        "/lms/submissions/batch", content=body,
        headers={"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
    )  # fmt: skip
    assert forged.status_code == 401
