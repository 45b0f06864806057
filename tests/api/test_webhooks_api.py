"""Webhook endpoints over the API, and the outbox written with the attempt (both databases)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from grader.config import Settings
from grader.main import create_app
from grader.store.models import Attempt, WebhookDelivery, WebhookEvent
from grader.store.session import make_engine, make_sessions
from grader.webhooks.worker import WorkerSettings, deliver_due
from tests.api.helpers import count_rows, token_headers
from tests.conftest import REPO_ROOT
from tests.webhooks.receiver import Receiver

QUESTION = "what-are-the-challenges-of-long-term-dependencies"


def _app(database_url: str, allow_private: bool) -> TestClient:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=database_url,
        webhooks_allow_private=allow_private,
    )  # fmt: skip
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def database_url(own_database_url: str) -> str:
    """A database of this module's own: it counts every delivery of an event, and other modules
    leave live endpoints behind in the shared one."""
    return own_database_url


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    with _app(database_url, allow_private=True) as test_client:
        yield test_client


def test_private_urls_are_refused_unless_allowed(database_url: str) -> None:
    with _app(database_url, allow_private=False) as strict:
        response = strict.post(
            "/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"},
            headers=token_headers(database_url, "instructor"),
        )  # fmt: skip
    assert response.status_code == 422 and "private or local" in response.text


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "file:///etc/passwd"}, "url",
         "must be an http:// or https:// address with a host, such as "
         "https://lms.example.edu/grader-events"),
        ({"url": "http://127.0.0.1:9/x", "event_types": []}, "event_types",
         "name at least one of attempt.graded, attempt.overridden, attempt.regraded"),
    ],
)  # fmt: skip
def test_a_bad_endpoint_is_refused_in_words(
    client: TestClient, database_url: str, body: dict[str, object], field: str, message: str
) -> None:
    response = client.post(
        "/webhooks/endpoints", json=body, headers=token_headers(database_url, "instructor")
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]


def test_register_list_rotate_and_delete(client: TestClient, database_url: str) -> None:
    instructor = token_headers(database_url, "instructor")
    assert (
        client.post(
            "/webhooks/endpoints",
            json={"url": "http://127.0.0.1:9/x"},
            headers=token_headers(database_url, "student", "sam"),
        ).status_code
        == 403
    )
    bad = client.post(
        "/webhooks/endpoints",
        json={"url": "http://127.0.0.1:9/x", "event_types": ["attempt.eaten"]},
        headers=instructor,
    )
    assert bad.status_code == 422 and "attempt.eaten" in bad.text
    created = client.post(
        "/webhooks/endpoints", json={"url": "http://127.0.0.1:9/x"}, headers=instructor
    ).json()
    assert created["secret"].startswith("whsec_")
    listed = client.get("/webhooks/endpoints", headers=instructor).json()
    assert all("secret" not in e for e in listed)
    rotated = client.post(
        f"/webhooks/endpoints/{created['id']}/rotate-secret",
        json={"overlap_seconds": 60},
        headers=instructor,
    ).json()
    assert rotated["secret"] != created["secret"]
    assert (
        client.delete(f"/webhooks/endpoints/{created['id']}", headers=instructor).status_code == 204
    )
    (gone,) = [
        e
        for e in client.get("/webhooks/endpoints", headers=instructor).json()
        if e["id"] == created["id"]
    ]
    assert gone["disabled_at"] is not None


def test_an_attempt_is_delivered_signed_and_shaped_like_an_lti_score(
    client: TestClient, database_url: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    receiver = Receiver().start()
    try:
        endpoint = client.post(
            "/webhooks/endpoints", json={"url": receiver.url}, headers=instructor
        ).json()
        student = token_headers(database_url, "student", "una")
        graded = client.post(
            f"/questions/{QUESTION}/attempts",
            json={"answer": "The gradients vanish."},
            headers=student,
        ).json()
        engine = make_engine(database_url)
        with httpx.Client() as http:
            assert deliver_due(make_sessions(engine), http, WorkerSettings(allow_private=True)) >= 1
        engine.dispose()
    finally:
        receiver.stop()
        client.delete(f"/webhooks/endpoints/{endpoint['id']}", headers=instructor)
    (received,) = [
        r for r in receiver.received if r.json["data"]["attempt"]["id"] == graded["attempt_id"]
    ]
    event = Webhook(endpoint["secret"]).verify(received.body, received.headers)
    assert event["type"] == "attempt.graded"
    score = event["data"]["score"]
    # The gradebook gets the points in the course's step (0.5); the exact score rides along.
    exact = graded["grade"]["points"]
    assert score["scoreMaximum"] == 2 and event["data"]["attempt"]["points_exact"] == exact
    assert score["scoreGiven"] % 0.5 == 0 and abs(score["scoreGiven"] - exact) <= 0.25
    assert score["gradingProgress"] in ("FullyGraded", "PendingManual")
    assert score["activityProgress"] == "Completed"
    assert len(received.body) < 20_000
    deliveries = client.get(
        "/webhooks/deliveries", params={"status": "delivered"}, headers=instructor
    ).json()
    assert any(d["log"] and d["log"][-1]["status_code"] == 200 for d in deliveries)


def test_the_event_is_written_with_the_attempt_or_not_at_all(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    instructor = token_headers(database_url, "instructor")
    endpoint = client.post(
        "/webhooks/endpoints", json={"url": "http://127.0.0.1:9/never"}, headers=instructor
    ).json()
    student = token_headers(database_url, "student", "val")
    events, deliveries = (
        count_rows(database_url, WebhookEvent),
        count_rows(database_url, WebhookDelivery),
    )
    assert (
        client.post(
            f"/questions/{QUESTION}/attempts",
            json={"answer": "Exploding gradients."},
            headers=student,
        ).status_code
        == 201
    )
    assert count_rows(database_url, WebhookEvent) == events + 1
    assert count_rows(database_url, WebhookDelivery) == deliveries + 1

    from grader.services import answering

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the outbox write failed")

    attempts = count_rows(database_url, Attempt)
    monkeypatch.setattr(answering, "publish_attempt", broken)
    assert (
        client.post(
            f"/questions/{QUESTION}/attempts",
            json={"answer": "Exploding gradients."},
            headers=student,
        ).status_code
        == 500
    )
    assert count_rows(database_url, WebhookEvent) == events + 1  # neither the attempt nor its event
    assert count_rows(database_url, Attempt) == attempts
    monkeypatch.undo()
    client.delete(f"/webhooks/endpoints/{endpoint['id']}", headers=instructor)


def test_a_delivery_can_be_replayed(client: TestClient, database_url: str) -> None:
    instructor = token_headers(database_url, "instructor")
    (gone, *_) = client.get("/webhooks/deliveries", headers=instructor).json()
    # Its endpoint was deleted: nothing goes to it any more, a replay included.
    assert client.post(f"/webhooks/deliveries/{gone['id']}/replay",
                       headers=instructor).status_code == 404  # fmt: skip
    endpoint = client.post(
        "/webhooks/endpoints", json={"url": "http://127.0.0.1:9/live"}, headers=instructor
    ).json()
    client.post(f"/questions/{QUESTION}/attempts", json={"answer": "Vanishing gradients."},
                headers=token_headers(database_url, "student", "rey"))  # fmt: skip
    (first, *_) = client.get("/webhooks/deliveries", headers=instructor).json()
    assert first["endpoint_id"] == endpoint["id"]
    assert (
        client.post(f"/webhooks/deliveries/{first['id']}/replay", headers=instructor).status_code
        == 202
    )
    (again,) = [
        d
        for d in client.get("/webhooks/deliveries", headers=instructor).json()
        if d["id"] == first["id"]
    ]
    assert again["status"] == "pending"
    assert client.post("/webhooks/deliveries/999999/replay", headers=instructor).status_code == 404
    client.delete(f"/webhooks/endpoints/{endpoint['id']}", headers=instructor)
    for action in ("rotate-secret", ""):  # a deleted endpoint: every action is not found
        path = f"/webhooks/endpoints/{endpoint['id']}" + (f"/{action}" if action else "")
        answer = (client.post(path, json={}, headers=instructor) if action
                  else client.delete(path, headers=instructor))  # fmt: skip
        assert answer.status_code == 404, (action, answer.text)


def test_deliveries_come_a_page_at_a_time_never_cut(client: TestClient, database_url: str) -> None:
    """`GET /webhooks/deliveries` returned the newest 200 and said nothing of the rest: a failed
    delivery older than that could not be found to replay."""
    instructor = token_headers(database_url, "instructor")
    endpoint = client.post(
        "/webhooks/endpoints", json={"url": "http://127.0.0.1:9/paged"}, headers=instructor
    ).json()
    for n in range(3):
        client.post(f"/questions/{QUESTION}/attempts", json={"answer": f"Vanishing, {n}."},
                    headers=token_headers(database_url, "student", f"paged-{n}"))  # fmt: skip
    every = [
        d["id"] for d in client.get("/webhooks/deliveries?limit=500", headers=instructor).json()
    ]
    seen, url = [], "/webhooks/deliveries?status=pending&limit=2"
    while url:
        page = client.get(url, headers=instructor)
        assert page.status_code == 200 and len(page.json()) <= 2, page.text
        assert all(d["status"] == "pending" for d in page.json())
        seen += [d["id"] for d in page.json()]
        link = page.headers.get("Link")
        url = link.split(">", 1)[0].lstrip("<") if link else ""
    assert len(seen) >= 3 and len(seen) == len(set(seen)) and seen == sorted(seen, reverse=True)
    pending = [d["id"] for d in client.get("/webhooks/deliveries?status=pending&limit=500",
                                          headers=instructor).json()]  # fmt: skip
    assert seen == pending and set(seen) <= set(every)
    assert client.get("/webhooks/deliveries?limit=0", headers=instructor).status_code == 422
    client.delete(f"/webhooks/endpoints/{endpoint['id']}", headers=instructor)
