"""Several serving processes: an edit made through one reaches the others from the disk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from grader.config import Settings
from grader.demos.registry import demo_ids
from grader.main import create_app
from grader.rubrics.loader import load_rubric_set
from grader.scoring.calibration import Calibration
from grader.scoring.embedder import HashingEmbedder
from grader.scoring.judge import OverlapJudge
from grader.scoring.scorer import Scorer
from grader.services.rubric_watch import RubricWatcher
from tests.api.helpers import copy_rubrics, token_headers

QUESTION = "what-are-the-challenges-of-long-term-dependencies"


@pytest.fixture
def rubrics_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rubrics"
    folder.mkdir()
    return copy_rubrics(folder)


def test_a_changed_file_is_embedded_then_put_in_force_and_a_broken_one_is_not(
    rubrics_dir: Path,
) -> None:
    rubric_set = load_rubric_set([rubrics_dir])
    scorer = Scorer(HashingEmbedder(), Calibration.load(), judge=OverlapJudge())
    watcher = RubricWatcher(rubrics_dir, rubric_set, scorer, set(demo_ids()), 256 * 1024)
    assert watcher.check_once() == []
    path = rubrics_dir / f"{QUESTION}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("topic: Challenges", "topic: Edited challenges"), "utf-8")
    assert watcher.check_once() == [QUESTION]
    in_force = rubric_set.rubrics[QUESTION].rubric
    assert in_force.topic.startswith("Edited") and scorer.is_prepared(in_force)
    path.write_text(text.replace("max_points: 2", "max_points: 7"), "utf-8")  # invalid
    assert watcher.check_once() == []
    assert rubric_set.rubrics[QUESTION].rubric.topic.startswith("Edited")


def test_an_edit_through_one_process_reaches_another(rubrics_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    settings = Settings(
        rubrics_dir=rubrics_dir, database_url=url, cache_dir=tmp_path / "cache", rubric_poll_s=0.2
    )
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        instructor = token_headers(url, "instructor")
        text = first.get(f"/rubrics/{QUESTION}", headers=instructor).text
        edited = text.replace("topic: Challenges of long term dependencies", "topic: Memory")
        assert (
            first.put(f"/rubrics/{QUESTION}", content=edited, headers=instructor).status_code == 204
        )
        deadline = time.monotonic() + 10
        while second.get(f"/questions/{QUESTION}", headers=instructor).json()["topic"] != "Memory":
            assert time.monotonic() < deadline, "the other process never saw the edit"
            time.sleep(0.1)
