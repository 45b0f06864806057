"""Instructor routes over both databases: students, reviews, overrides, rubric edits, regrades."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from grader.config import Settings
from grader.main import create_app
from tests.api.helpers import copy_rubrics, token_headers

QUESTION = "what-are-the-challenges-of-long-term-dependencies"


@pytest.fixture(scope="module")
def rubrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_rubrics(tmp_path_factory.mktemp("rubrics"))


@pytest.fixture(scope="module")
def client(database_url: str, rubrics_dir: Path) -> Iterator[TestClient]:
    settings = Settings(rubrics_dir=rubrics_dir, cache_dir=None, database_url=database_url)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_students_and_their_progress(client: TestClient, database_url: str) -> None:
    instructor = token_headers(database_url, "instructor")
    student = token_headers(database_url, "student", "fay")
    client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "The gradients vanish."}, headers=student
    )
    (fay,) = [s for s in client.get("/students", headers=instructor).json() if s["name"] == "fay"]
    assert fay["attempts"] == 1
    progress = client.get(f"/students/{fay['id']}/progress", headers=instructor).json()
    assert progress["questions"][0]["question_id"] == QUESTION
    assert client.get("/students/999999/progress", headers=instructor).status_code == 404
    assert client.get("/students", headers=student).status_code == 403


def test_an_override_wins_and_survives_a_regrade(client: TestClient, database_url: str) -> None:
    instructor = token_headers(database_url, "instructor")
    student = token_headers(database_url, "student", "gus")
    graded = client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "The gradients vanish."}, headers=student
    ).json()
    attempt_id = graded["attempt_id"]
    too_many = client.post(
        f"/attempts/{attempt_id}/override", json={"points": 9, "reason": "x"}, headers=instructor
    )
    assert too_many.status_code == 422 and "at most 2" in too_many.text
    # Not a number, whatever JSON allows or Python coerces: NaN, infinities, false, "1".
    for not_points in ("NaN", "Infinity", "-Infinity", "false", '"1"'):
        body = '{"points": ' + not_points + ', "reason": "x"}'
        refused = client.post(f"/attempts/{attempt_id}/override", content=body,
                              headers={**instructor, "content-type": "application/json"})  # fmt: skip
        assert refused.status_code == 422, (not_points, refused.text)
    assert (
        client.post(
            f"/attempts/{attempt_id}/override",
            json={"points": 2, "reason": " "},
            headers=instructor,
        ).status_code
        == 422
    )
    done = client.post(
        f"/attempts/{attempt_id}/override",
        json={"points": 2, "reason": "close enough"},
        headers=instructor,
    )
    assert done.status_code == 200, done.text
    assert done.json()["points"] == 2 and done.json()["overridden"]
    assert client.post(f"/rubrics/{QUESTION}/regrade", headers=instructor).json()["regraded"] >= 1
    (mine,) = client.get("/me/attempts", headers=student).json()
    assert (mine["points"], mine["overridden"]) == (2, True)
    reviewed = client.get("/attempts", params={"question_id": QUESTION}, headers=instructor).json()
    assert any(a["id"] == attempt_id and a["override_reason"] == "close enough" for a in reviewed)


def test_the_review_list_comes_a_page_at_a_time_never_cut(
    client: TestClient, database_url: str
) -> None:
    """`GET /attempts` returned the newest 200 and said nothing of the rest: a class of 300
    flagged answers showed 200 to review."""
    instructor = token_headers(database_url, "instructor")
    question = "what-is-echo-state-network"  # this test's own answers only
    made = [
        client.post(
            f"/questions/{question}/attempts",
            json={"answer": f"A reservoir of random fixed weights, take {n}."},
            headers=token_headers(database_url, "student", f"paged-{n}"),
        ).json()["attempt_id"]
        for n in range(5)
    ]
    seen, url = [], f"/attempts?question_id={question}&limit=2"
    while url:
        page = client.get(url, headers=instructor)
        assert page.status_code == 200, page.text
        assert len(page.json()) <= 2
        seen += [a["id"] for a in page.json()]
        link = page.headers.get("Link")
        url = link.split(">", 1)[0].lstrip("<") if link else ""
        assert not link or f"question_id={question}" in link  # the filter goes with the cursor
    assert len(seen) == len(set(seen)) and seen == sorted(seen, reverse=True)  # each once
    assert [i for i in seen if i in made] == sorted(made, reverse=True)  # none cut
    assert client.get("/attempts?limit=501", headers=instructor).status_code == 422
    assert client.get("/attempts?before=999999", headers=instructor).json() == []


def test_a_rubric_edit_is_validated_written_and_live(
    client: TestClient, database_url: str, rubrics_dir: Path
) -> None:
    instructor = token_headers(database_url, "instructor")
    original = client.get(f"/rubrics/{QUESTION}", headers=instructor)
    assert original.headers["content-type"].startswith("text/yaml")
    text = original.text
    broken = text.replace("max_points: 2", "max_points: 3")
    refused = client.put(f"/rubrics/{QUESTION}", content=broken, headers=instructor)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    (problem,) = refused.json()["errors"]
    assert problem["field"] == "max_points" and problem["line"] > 1
    assert (rubrics_dir / f"{QUESTION}.yaml").read_text(encoding="utf-8") == text  # old one kept
    edited = text.replace(
        "topic: Challenges of long term dependencies", "topic: Training RNNs  # mine"
    )
    assert client.put(f"/rubrics/{QUESTION}", content=edited, headers=instructor).status_code == 204
    assert (rubrics_dir / f"{QUESTION}.yaml").read_text(encoding="utf-8") == edited
    bomb = "id: x\nprompt: " + "[" * 100_000  # 100 KB of brackets: refused at once, with its line
    refused = client.put(f"/rubrics/{QUESTION}", content=bomb, headers=instructor)
    assert refused.status_code == 422 and "nested over 12 levels deep" in refused.text
    assert refused.json()["errors"][0]["line"] == 2
    # A syntax error names its line, and no field where none is at fault.
    tab = client.put(f"/rubrics/{QUESTION}", content="id: x\n\tprompt: y\n", headers=instructor)
    assert tab.status_code == 422 and ": :" not in tab.json()["detail"]
    assert tab.json()["detail"].startswith("the rubric has 1 problem: line 2: ")
    assert (rubrics_dir / f"{QUESTION}.yaml").read_text(encoding="utf-8") == edited
    student = token_headers(database_url, "student", "hal")
    (listed,) = [q for q in client.get("/questions", headers=student).json() if q["id"] == QUESTION]
    assert listed["topic"] == "Training RNNs"


def test_stats_show_the_distribution_and_the_most_missed(
    client: TestClient, database_url: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    student = token_headers(database_url, "student", "ivy")
    for answer in (
        "The gradients vanish.",
        "Vanishing gradients only.",
        "Vanishing and exploding gradients.",
    ):
        client.post(f"/questions/{QUESTION}/attempts", json={"answer": answer}, headers=student)
    stats = client.get(f"/questions/{QUESTION}/stats", headers=instructor).json()
    assert stats["attempts"] >= 3
    assert sum(stats["score_distribution"].values()) == stats["attempts"]
    assert stats["most_missed"][0]["id"] == "exploding-gradients"


def test_an_unlisted_example_is_flagged_and_one_override_teaches_it(
    client: TestClient, database_url: str, rubrics_dir: Path
) -> None:
    """An open question: a valid example the rubric does not list is not silently zeroed."""
    question = "give-a-real-world-application-of-visual-attention"
    instructor = token_headers(database_url, "instructor")
    answer = "Medical imaging: the model attends to the tumour region of an X-ray."
    first = client.post(
        f"/questions/{question}/attempts",
        json={"answer": answer},
        headers=token_headers(database_url, "student", "open-question-1"),
    ).json()
    assert first["grade"]["points"] <= 0.1, first
    assert first["grade"]["needs_review"]
    assert any("not one of the listed examples" in r for r in first["grade"]["reasons"])
    flagged = client.get("/attempts", params={"needs_review": True}, headers=instructor).json()
    assert first["attempt_id"] in {a["id"] for a in flagged}

    unknown = client.post(
        f"/attempts/{first['attempt_id']}/override",
        json={"points": 1, "reason": "valid", "add_as_phrasing_of": "no-such-criterion"},
        headers=instructor,
    )
    assert unknown.status_code == 422 and "add_as_phrasing_of" in unknown.text
    path = rubrics_dir / f"{question}.yaml"
    before = path.read_text(encoding="utf-8")
    assert answer not in before
    try:
        _teach_and_regrade(client, database_url, first["attempt_id"], path, before, answer)
    finally:
        path.write_text(before, encoding="utf-8")  # the other database's run starts afresh


def _teach_and_regrade(
    client: TestClient, database_url: str, attempt_id: int, path: Path, before: str, answer: str
) -> None:
    question = path.stem
    instructor = token_headers(database_url, "instructor")
    done = client.post(
        f"/attempts/{attempt_id}/override",
        json={
            "points": 1,
            "reason": "a valid application",
            "add_as_phrasing_of": "google-street-view",
        },
        headers=instructor,
    )
    assert done.status_code == 200, done.text
    after = path.read_text(encoding="utf-8")
    assert answer in after
    assert after.splitlines()[1:3] == before.splitlines()[1:3]  # the file's comments are kept
    again = client.post(
        f"/questions/{question}/attempts",
        json={"answer": "In medical imaging, attention focuses on the tumour region of X-rays."},
        headers=token_headers(database_url, "student", "open-question-2"),
    ).json()
    assert again["grade"]["points"] >= 0.75
    assert not any("listed examples" in r for r in again["grade"]["reasons"])


def test_a_rubric_edit_embeds_off_the_event_loop_one_at_a_time(
    client: TestClient, database_url: str
) -> None:
    """While a rubric embeds (seconds for a big one) the service still answers, and a second
    edit meanwhile is told to retry (503) instead of queueing more CPU work."""
    instructor = token_headers(database_url, "instructor")
    text = client.get(f"/rubrics/{QUESTION}", headers=instructor).text
    scorer = client.app.state.scorer  # type: ignore[attr-defined]
    entered, release = threading.Event(), threading.Event()
    real_prepare = scorer.prepare

    def slow_prepare(rubric: Any) -> Any:
        entered.set()
        release.wait(20)
        return real_prepare(rubric)

    scorer.prepare = slow_prepare
    try:
        with ThreadPoolExecutor(2) as pool:
            put = pool.submit(client.put, f"/rubrics/{QUESTION}", content=text, headers=instructor)
            assert entered.wait(20)
            live = pool.submit(client.get, "/health/live")
            assert live.result(timeout=10).status_code == 200  # answered during the embedding
            second = client.put(f"/rubrics/{QUESTION}", content=text, headers=instructor)
            assert second.status_code == 503 and second.headers["retry-after"]
            release.set()
            assert put.result(timeout=60).status_code == 204
    finally:
        release.set()
        scorer.prepare = real_prepare
