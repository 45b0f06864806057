"""After an instructor's grade the question's course model refits, and the answers awaiting
review that it now covers are accepted, saying which graded answer they were graded like
(real model, both databases)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import app_on_copied_rubrics, token_headers

QUESTION = "what-are-the-challenges-of-long-term-dependencies"
GRADED = [
    "The gradients vanish.",
    "Gradients vanish.",
    "The gradients vanish over time.",
    "The gradients vanish over many steps.",
    "Gradients vanish over long sequences.",
    "The gradient vanishes.",
    "The gradient vanishes over time.",
    "Vanishing gradients.",
    "The gradients vanish quickly.",
    "Gradients vanish with depth in time.",
    "The gradients vanish over many time steps.",
    "Gradients vanish over time.",
]


@pytest.fixture(scope="module")
def client(own_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with app_on_copied_rubrics(own_database_url, tmp_path_factory) as test_client:
        yield test_client


def test_answers_the_refitted_model_covers_are_accepted_with_their_reason(
    client: TestClient, own_database_url: str
) -> None:
    instructor = token_headers(own_database_url, "instructor")
    student = token_headers(own_database_url, "student", "auto-accept")

    def answer(text: str) -> int:
        made = client.post(f"/questions/{QUESTION}/attempts", json={"answer": text},
                           headers=student)  # fmt: skip
        assert made.status_code == 201, made.text
        return int(made.json()["attempt_id"])

    waiting = answer("The gradients vanish over a long time.")
    far = answer("I like pizza.")
    for text in GRADED:  # a lenient instructor: one problem named is worth 2 of 2
        graded = client.post(f"/attempts/{answer(text)}/override",
                             json={"points": 2, "reason": "enough"}, headers=instructor)  # fmt: skip
        assert graded.status_code == 200, graded.text
    listed = client.get("/attempts", params={"question_id": QUESTION}, headers=instructor)
    by_id = {a["id"]: a for a in listed.json()}
    stats = client.get(f"/questions/{QUESTION}/stats", headers=instructor).json()["adapted"]
    assert stats is not None and stats["active"] and stats["coverage_at_90"] > 0, stats
    accepted = by_id[waiting]
    assert not accepted["overridden"] and not accepted["needs_review"], accepted["reasons"]
    assert accepted["points"] == 2
    (reason,) = [r for r in accepted["reasons"] if r.startswith("auto-accepted")]
    like = int(reason.split("graded like attempt ")[1].split(",")[0])
    assert by_id[like]["overridden"] and float(reason.split("similarity ")[1]) > 0.5
    queued = {
        m for g in client.get(f"/questions/{QUESTION}/groups", headers=instructor).json()
        for m in g["members"]
    }  # fmt: skip
    assert waiting not in queued and far in queued  # unlike every graded answer: still waiting
