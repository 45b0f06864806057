"""Learning from the instructor's grades, over HTTP on both databases, with the real model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import app_on_copied_rubrics, token_headers
from tests.learning.lenient import LENIENT_GRADES, QUESTION

OTHER = "what-are-the-learning-models-used-for-creating-adversarial"
GRADED = LENIENT_GRADES


@pytest.fixture(scope="module")
def client(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with app_on_copied_rubrics(database_url, tmp_path_factory) as test_client:
        yield test_client


def test_the_instructors_grades_teach_the_question_and_only_that_question(
    client: TestClient, database_url: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    student = token_headers(database_url, "student", "learner")
    ids = []
    for answer, points in GRADED:
        attempt = client.post(
            f"/questions/{QUESTION}/attempts", json={"answer": answer}, headers=student
        ).json()
        done = client.post(
            f"/attempts/{attempt['attempt_id']}/override",
            json={"points": points, "reason": "my course's standard"},
            headers=instructor,
        )
        assert done.status_code == 200, done.text
        ids.append(attempt["attempt_id"])
    # The refit ran in the background after the responses; the question now has a model.
    stats = client.get(f"/questions/{QUESTION}/stats", headers=instructor).json()
    adapted = stats["adapted"]
    # (other tests may have graded this question in the same database too)
    assert adapted is not None and adapted["examples"] >= len(GRADED)
    assert adapted["version"] >= 1 and adapted["active"]
    assert adapted["adapted_agreement"] > adapted["rubric_agreement"]

    new = client.post(
        f"/questions/{QUESTION}/attempts",
        json={"answer": "The gradients vanish over time."},
        headers=student,
    ).json()["grade"]
    assert new["adapted"] is not None
    assert new["adapted"]["points"] > new["adapted"]["rubric_points"]
    nearest = new["adapted"]["neighbours"][0]
    assert nearest["source"].startswith("attempt:") and nearest["similarity"] > 0.5
    assert new["feedback"].startswith("Graded with your course's grades: close to an answer")
    assert new["points"] == new["adapted"]["points"]

    # An answer unlike every graded one keeps the rubric's grade.
    far = client.post(
        f"/questions/{QUESTION}/attempts", json={"answer": "I like pizza."}, headers=student
    ).json()["grade"]
    assert far["points"] == 0

    # Another question learnt nothing from these grades.
    other = client.post(
        f"/questions/{OTHER}/attempts", json={"answer": "The gradients vanish."}, headers=student
    ).json()["grade"]
    assert other["adapted"] is None
    assert client.get(f"/questions/{OTHER}/stats", headers=instructor).json()["adapted"] is None

    # Graded again, a graded attempt is never its own neighbour.
    assert client.post(f"/rubrics/{QUESTION}/regrade", headers=instructor).status_code == 200
    reviewed = client.get("/attempts", params={"question_id": QUESTION}, headers=instructor).json()
    for attempt in reviewed:
        result = attempt.get("grade") or {}
        adapted_grade = result.get("adapted") if isinstance(result, dict) else None
        if adapted_grade:
            sources = {n["source"] for n in adapted_grade["neighbours"]}
            assert f"attempt:{attempt['id']}" not in sources


def test_accepting_a_machine_grade_makes_it_a_graded_example(
    client: TestClient, database_url: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    student = token_headers(database_url, "student", "acceptor")
    attempt = client.post(
        f"/questions/{OTHER}/attempts",
        json={"answer": "A generative model and a discriminative model."},
        headers=student,
    ).json()
    accepted = client.post(f"/attempts/{attempt['attempt_id']}/accept", headers=instructor)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["overridden"] and accepted.json()["points"] == attempt["grade"]["points"]
    assert client.post("/attempts/999999/accept", headers=instructor).status_code == 404
    assert (
        client.post(f"/attempts/{attempt['attempt_id']}/accept", headers=student).status_code == 403
    )
