"""Bad, huge, concurrent or crafted input gets a clear 4xx problem, never a 500, and loses
nothing already stored (both databases)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.main import create_app
from grader.store.models import Attempt, Student
from grader.store.session import make_engine, make_sessions
from grader.webhooks.signing import new_secret
from tests.api.helpers import count_rows, signed_headers, token_headers
from tests.conftest import REPO_ROOT

SECRET = new_secret()
QUESTION = "what-are-the-challenges-of-long-term-dependencies"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        rubrics_dir=REPO_ROOT / "rubrics",
        cache_dir=None,
        database_url=database_url,
        lms_secret=SECRET,
        max_body_bytes=64 * 1024,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code") == status, getattr(response, "text")  # noqa: B009
    assert getattr(response, "headers")["content-type"] == PROBLEM  # noqa: B009
    body: dict[str, object] = getattr(response, "json")()  # noqa: B009
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/students/{id}/progress"),
        ("POST", "/attempts/{id}/accept"),
        ("POST", "/webhooks/endpoints/{id}/rotate-secret"),
        ("DELETE", "/webhooks/endpoints/{id}"),
        ("POST", "/webhooks/deliveries/{id}/replay"),
    ],
)
def test_ids_past_the_database_integer_are_422(
    client: TestClient, database_url: str, method: str, path: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    for huge in (2**31, 2**63, 10**30):
        response = client.request(
            method, path.format(id=huge), headers=instructor, json={} if "rotate" in path else None
        )
        assert _problem(response, 422)["errors"]


def test_nul_characters_are_refused_wherever_they_come_in(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "nul-ann")
    instructor = token_headers(database_url, "instructor")
    before = count_rows(database_url, Attempt)
    answer = client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "grad\x00ients"}, headers=student
    )
    assert _problem(answer, 422)["errors"] == [
        {"field": "answer", "message": "must not contain a NUL character"}
    ]
    url = client.post(
        "/webhooks/endpoints", json={"url": "https://example.com/\x00"}, headers=instructor
    )
    _problem(url, 422)
    query = client.get("/attempts", params={"question_id": "a\x00b"}, headers=instructor)
    assert "question_id" in str(_problem(query, 422)["detail"])
    assert count_rows(database_url, Attempt) == before


def test_a_lone_surrogate_in_a_json_body_is_a_422_problem(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "sur-bea")
    for body in ('{"answer": "\\ud800"}', '{"\\udc00": 1, "answer": "x"}'):
        response = client.post(
            f"/questions/{QUESTION}/attempts",
            content=body,
            headers={**student, "content-type": "application/json"},
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        json.loads(response.content.decode("ascii"))  # the problem itself is valid JSON


def test_blank_answers_are_refused_like_empty_ones(client: TestClient, database_url: str) -> None:
    student = token_headers(database_url, "student", "blank-cid")
    before = count_rows(database_url, Attempt)
    for blank in ("", "   ", "\n\t "):
        response = client.post(
            f"/questions/{QUESTION}/attempts", json={"answer": blank}, headers=student
        )
        errors = _problem(response, 422)["errors"]
        assert isinstance(errors, list) and len(errors) == 1
        assert errors[0]["field"] == "answer"
        assert not errors[0]["message"].startswith("Value error")
    assert count_rows(database_url, Attempt) == before


def test_bodies_over_the_limit_are_413_and_bodies_without_a_token_are_not_read(
    client: TestClient, database_url: str
) -> None:
    student = token_headers(database_url, "student", "big-dan")
    big = json.dumps({"answer": "x", "padding": "y" * 100_000})
    _problem(client.post(f"/questions/{QUESTION}/attempts", content=big, headers=student), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield big.encode()

    _problem(client.post(f"/questions/{QUESTION}/attempts", content=chunks(), headers=student), 413)
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(10_000):  # 100 MB if anyone read it all
            sent += 10_000
            yield b" " * 10_000

    response = client.post(f"/questions/{QUESTION}/attempts", content=endless())
    assert _problem(response, 401)["detail"] == "missing bearer token"
    assert sent < 1_000_000  # refused before the body was read


def test_four_copies_of_one_signed_submission_at_once_store_one_attempt(
    client: TestClient, database_url: str
) -> None:
    message_id = f"msg_race_{datetime.now(UTC).timestamp()}"
    body = json.dumps(
        {"lms_user_id": f"race-{message_id}", "question_id": QUESTION, "answer": "Vanishing."}
    )
    headers = _signed_headers(body, message_id)
    before = count_rows(database_url, Attempt)
    start = threading.Barrier(4)

    def send(_: int) -> tuple[int, str]:
        start.wait()
        response = client.post("/lms/submissions", content=body, headers=headers)
        return response.status_code, response.text

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, range(4)))
    assert [status for status, _ in results] == [200] * 4, results
    assert len({json.loads(text)["attempt_id"] for _, text in results}) == 1
    assert count_rows(database_url, Attempt) == before + 1


def _signed_headers(body: str, message_id: str) -> dict[str, str]:
    return signed_headers(SECRET, body, message_id)


def _lms_post(client: TestClient, payload: dict[str, str], message_id: str) -> int:
    body = json.dumps(payload)
    response = client.post(
        "/lms/submissions", content=body, headers=_signed_headers(body, message_id)
    )
    return response.status_code


def test_look_alike_lms_identities_are_one_student(client: TestClient, database_url: str) -> None:
    stamp = datetime.now(UTC).timestamp()
    fullwidth = "\uff5a\uff4f\uff45"  # "zoe" in fullwidth letters
    spellings = (f"zoe-{stamp}", f"zoe-\u200b{stamp}", f"{fullwidth}-{stamp}\u2060")
    for n, spelling in enumerate(spellings):
        payload = {"lms_user_id": spelling, "question_id": QUESTION, "answer": "Vanishing."}
        assert _lms_post(client, payload, f"msg_zw_{stamp}_{n}") == 200
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        rows = session.scalars(select(Student).where(Student.lms_user_id.like("%zoe%"))).all()
        assert [s.lms_user_id for s in rows if str(stamp) in (s.lms_user_id or "")] == [
            f"zoe-{stamp}"
        ]
    engine.dispose()
    nul = {"lms_user_id": "a\x00b", "question_id": QUESTION, "answer": "Vanishing."}
    assert _lms_post(client, nul, f"msg_nul_{stamp}") == 422


def test_put_never_creates_a_question(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    instructor = token_headers(database_url, "instructor")
    text = client.get(f"/rubrics/{QUESTION}", headers=instructor).text
    response = client.put(
        "/rubrics/a-new-question", content=text.replace(QUESTION, "a-new-question"),
        headers=instructor,
    )  # fmt: skip
    _problem(response, 404)
    assert not (REPO_ROOT / "rubrics" / "a-new-question.yaml").exists()
    assert client.get("/questions/a-new-question", headers=instructor).status_code == 404


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("max_points: 2\n", "max_points: 2\npoints_step: 1.0e-309\n", "points_step"),
        ("text: Vanishing gradients\n", 'text: "Vanishing\\0 gradients"\n', "control character"),
        ("max_points: 2\n", "max_points: " + "9" * 5_000 + "\n", "over 40 digits"),
    ],
)
def test_a_rubric_that_would_break_every_answer_is_refused_and_nothing_changes(
    client: TestClient, database_url: str, old: str, new: str, where: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    path = REPO_ROOT / "rubrics" / f"{QUESTION}.yaml"
    before = path.read_text(encoding="utf-8")
    assert old in before
    response = client.put(f"/rubrics/{QUESTION}", content=before.replace(old, new, 1),
                          headers=instructor)  # fmt: skip
    assert where in json.dumps(_problem(response, 422)), response.text
    assert path.read_text(encoding="utf-8") == before
    student = token_headers(database_url, "student", f"after-{where[:8]}")
    answered = client.post(f"/questions/{QUESTION}/attempts",
                           json={"answer": "Vanishing gradients."}, headers=student)  # fmt: skip
    assert answered.status_code == 201, answered.text
    assert client.get(f"/questions/{QUESTION}/groups", headers=instructor).status_code == 200
    assert client.get("/gradebook.csv", headers=instructor).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of the cloud metadata address
        "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "http://[::ffff:169.254.169.254]/hook",  # IPv4-mapped metadata address
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo, client 192.0.2.45
        "http://[::ffff:0:7f00:1]/hook",  # IPv4-translated (SIIT) 127.0.0.1
        "http://224.0.0.1/hook",  # multicast: no receiver, yet "global" to ipaddress
    ],
)
def test_webhook_urls_that_embed_a_private_ipv4_address_are_refused(
    client: TestClient, database_url: str, url: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    response = client.post("/webhooks/endpoints", json={"url": url}, headers=instructor)
    detail = str(_problem(response, 422)["detail"])
    assert detail.startswith("url: ") and "private or local" in detail
    assert response.json()["errors"] == [{"field": "url", "message": detail.removeprefix("url: ")}]
