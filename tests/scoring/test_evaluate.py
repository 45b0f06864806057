"""Evaluation plumbing: metrics, folds, thresholds, and the curve fit."""

from __future__ import annotations

import numpy as np
import pytest

from grader.rubrics.schema import Criterion, Rubric
from grader.scoring.analysis import Analysis, CriterionMatch
from grader.scoring.calibration import Calibration
from grader.scoring.embedder import SentenceTransformerEmbedder
from grader.scoring.evaluate import group_folds, regression_metrics
from grader.scoring.fit import best_threshold, fit_curve
from grader.scoring.scorer import Scorer


def test_metrics_of_a_perfect_and_a_shifted_prediction() -> None:
    gold = np.array([0.0, 0.2, 0.5, 0.8, 1.0])
    perfect = regression_metrics(gold, gold)
    assert perfect["pearson_r"] == pytest.approx(1.0)
    assert perfect["rmse"] == 0.0
    assert perfect["qwk"] == pytest.approx(1.0)
    shifted = regression_metrics(np.clip(gold + 0.1, 0, 1), gold)
    assert shifted["rmse"] > 0.3


def test_folds_hold_whole_groups_and_cover_everything() -> None:
    groups = ["1", "1", "2", "3", "3", "10", "10", "11"]
    one_per_group = group_folds(groups)
    assert len(one_per_group) == 5
    assert sorted(np.concatenate(one_per_group).tolist()) == list(range(len(groups)))
    ten = group_folds(groups, count=3)
    for fold in ten:
        held = {groups[i] for i in fold}
        rest = {groups[i] for i in range(len(groups)) if i not in fold}
        assert not held & rest


def test_best_threshold_separates_classes() -> None:
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    positive = np.array([False, False, False, True, True, True])
    cut = best_threshold(scores, positive)
    assert 0.3 < cut <= 0.6


def test_fit_curve_puts_the_center_between_wrong_and_right_answers(fake_scorer: Scorer) -> None:
    rubric = Rubric(
        id="q",
        prompt="What is it?",
        topic="t",
        max_points=1,
        reference_answer="a thing",
        criteria=[Criterion(id="c", text="a thing")],
    )
    prepared = fake_scorer.prepare(rubric)
    rng = np.random.default_rng(0)
    wrong = rng.uniform(0.2, 0.55, 200)
    right = rng.uniform(0.45, 0.9, 200)
    analyses = [
        Analysis(prepared, "x", [CriterionMatch(similarity=float(s))])
        for s in np.concatenate([wrong, right])
    ]
    labels = np.array([False] * 200 + [True] * 200)
    curve = fit_curve(analyses, labels)
    assert 0.45 < curve.center < 0.6
    assert curve.credit(0.9) > 0.8 > 0.2 > curve.credit(0.2)


def test_the_shipped_calibration_was_fitted_for_the_bundled_model() -> None:
    assert Calibration.load().model_id == SentenceTransformerEmbedder().model_id
