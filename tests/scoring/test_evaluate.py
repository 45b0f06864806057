"""Evaluation plumbing: metrics, folds, thresholds, and the curve fit."""

from __future__ import annotations

import numpy as np
import pytest

from grader.scoring.evaluate import group_folds, regression_metrics
from grader.scoring.fit import best_threshold


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
