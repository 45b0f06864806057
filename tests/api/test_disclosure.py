"""What students see of a grade follows the rubric's or the course's setting, in the API and
in the webhook events; instructors still see everything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from grader.config import Settings
from grader.main import create_app
from grader.rubrics.loader import load_rubric_file
from grader.store.models import WebhookEvent
from grader.store.session import make_engine, make_sessions
from tests.api.helpers import copy_rubrics, token_headers

HINTS_ONLY = "what-are-the-challenges-of-long-term-dependencies"  # the course's default
POINTS_ONLY = "what-is-echo-state-network"  # this rubric says: an exam question
ANSWERS = {
    HINTS_ONLY: "The gradient shrinks towards zero over many time steps, so early inputs are lost.",
    POINTS_ONLY: "A recurrent network with a fixed random reservoir; only the readout is trained.",
}


@pytest.fixture(scope="module")
def rubrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = copy_rubrics(tmp_path_factory.mktemp("rubrics"))
    exam = folder / f"{POINTS_ONLY}.yaml"
    exam.write_text(exam.read_text(encoding="utf-8") + "feedback_shown: points\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(database_url: str, rubrics_dir: Path) -> Iterator[TestClient]:
    settings = Settings(
        rubrics_dir=rubrics_dir, cache_dir=None, database_url=database_url, feedback_shown="hints"
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _key_texts(rubrics_dir: Path, question_id: str) -> list[str]:
    loaded = load_rubric_file(rubrics_dir / f"{question_id}.yaml")
    assert not isinstance(loaded, list)
    rubric = loaded.rubric
    return [c.text for c in rubric.criteria] + [m.text for m in rubric.misconceptions]


@pytest.mark.parametrize("question_id", [HINTS_ONLY, POINTS_ONLY])
def test_students_and_webhooks_never_see_the_answer_key(
    client: TestClient, database_url: str, rubrics_dir: Path, question_id: str
) -> None:
    student = token_headers(database_url, "student", f"exam-{question_id[:20]}")
    response = client.post(
        f"/questions/{question_id}/attempts", json={"answer": ANSWERS[question_id]},
        headers=student,
    )  # fmt: skip
    assert response.status_code == 201
    grade = response.json()["grade"]
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        event = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id.desc())).first()
        assert event is not None
        comment = event.payload["data"]["score"]["comment"]
    engine.dispose()
    for key in _key_texts(rubrics_dir, question_id):
        assert key not in response.text and key not in comment
    noun = "point" if grade["max_points"] == 1 else "points"
    assert f"of {grade['max_points']:g} {noun} ({grade['verdict']})" in grade["feedback"]
    if question_id == POINTS_ONLY:
        assert grade["criteria"] == [] and grade["hint"] is None
    else:
        assert [c["text"] for c in grade["criteria"]] == ["key point 1", "key point 2"]
        assert any(c["met"] for c in grade["criteria"])  # what was met is still shown
        second = grade["criteria"][1]
        # Not met: named as missing, or as partly met with its points when it earned some.
        said = "Partly met: key point 2 (" if second["earned"] > 0 else "Missing: key point 2"
        assert not second["met"] and said in grade["feedback"], grade["feedback"]
    instructor = token_headers(database_url, "instructor")
    detail = client.get(f"/questions/{question_id}", headers=instructor).json()
    assert [c["text"] for c in detail["criteria"]] == _key_texts(rubrics_dir, question_id)[
        : len(detail["criteria"])
    ]
