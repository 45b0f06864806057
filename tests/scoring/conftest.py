"""Scorers for the scoring tests: a fast fake-embedder one, and the real model (loaded once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import Settings
from grader.rubrics.loader import load_rubric_set
from grader.rubrics.schema import Rubric
from grader.scorer_setup import build_scorer
from grader.scoring.calibration import Calibration
from grader.scoring.embedder import HashingEmbedder
from grader.scoring.judge import OverlapJudge
from grader.scoring.scorer import Scorer
from tests.conftest import REPO_ROOT


@pytest.fixture
def fake_scorer() -> Scorer:
    """Real calibration, bag-of-words embedder: for the mechanics, never for quality."""
    return Scorer(
        HashingEmbedder(), Calibration.load(), max_answer_chars=2000, judge=OverlapJudge()
    )


@pytest.fixture(scope="session")
def real_scorer() -> Scorer:
    return build_scorer(Settings(cache_dir=None))


@pytest.fixture(scope="session")
def seed_rubrics() -> dict[str, Rubric]:
    rubric_set = load_rubric_set([REPO_ROOT / "rubrics"])
    return {question_id: loaded.rubric for question_id, loaded in rubric_set.rubrics.items()}


def rubric_path(name: str) -> Path:
    return REPO_ROOT / "rubrics" / f"{name}.yaml"


@pytest.fixture(scope="session")
def fake_scorer_session() -> Scorer:
    """The fake-embedder scorer, once per session (hypothesis reuses it across examples)."""
    return Scorer(
        HashingEmbedder(), Calibration.load(), max_answer_chars=2000, judge=OverlapJudge()
    )
