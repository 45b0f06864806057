"""The gradebook export over both databases: one row per student and question (or every
attempt), points in the grading step, who graded and when, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import app_on_copied_rubrics, token_headers

QUESTION = "what-are-the-challenges-of-long-term-dependencies"


@pytest.fixture(scope="module")
def client(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with app_on_copied_rubrics(database_url, tmp_path_factory) as test_client:
        yield test_client


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # spreadsheets read the file as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_gradebook_has_each_students_latest_grade_and_who_gave_it(
    client: TestClient, database_url: str
) -> None:
    instructor = token_headers(database_url, "instructor")
    mallory = token_headers(database_url, "student", "=HYPERLINK(evil)")
    zoe = token_headers(database_url, "student", "Zoë Ünal")
    first = client.post(f"/questions/{QUESTION}/attempts", json={"answer": "Gradients vanish."},
                        headers=mallory).json()  # fmt: skip
    latest = client.post(f"/questions/{QUESTION}/attempts",
                         json={"answer": "Vanishing and exploding gradients."},
                         headers=mallory).json()  # fmt: skip
    graded = client.post(f"/questions/{QUESTION}/attempts", json={"answer": "No idea."},
                         headers=zoe).json()  # fmt: skip
    overridden = client.post(f"/attempts/{graded['attempt_id']}/override",
                             json={"points": 1.5, "reason": "partly"}, headers=instructor)  # fmt: skip
    assert overridden.status_code == 200

    response = client.get("/gradebook.csv", headers=instructor)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = {(r["student"], r["question_id"]): r for r in _rows(response.text)}
    # A name a spreadsheet would run as a formula is text; one row per student and question.
    mine = rows[("'=HYPERLINK(evil)", QUESTION)]
    assert int(mine["attempt_id"]) == latest["attempt_id"] != first["attempt_id"]
    assert mine["graded_by"] == "machine" and mine["max_points"] == "2"
    assert float(mine["points"]) % 0.5 == 0  # as shown and sent to the LMS
    assert abs(float(mine["points"]) - float(mine["points_exact"])) <= 0.25
    theirs = rows[("Zoë Ünal", QUESTION)]
    assert theirs["points"] == theirs["points_exact"] == "1.5"
    assert theirs["graded_by"].startswith("instructor") and theirs["graded_at_utc"]

    every = _rows(client.get("/gradebook.csv?every_attempt=true", headers=instructor).text)
    assert {int(r["attempt_id"]) for r in every} >= {first["attempt_id"], latest["attempt_id"]}
    assert client.get("/gradebook.csv", headers=zoe).status_code == 403
