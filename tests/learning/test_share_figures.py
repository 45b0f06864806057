"""The figures a grade's share is measured by against the graders' share."""

from __future__ import annotations

import numpy as np

from grader.learning.share_figures import metrics


def test_the_two_error_rates_count_right_answers_under_half_and_wrong_ones_over_half() -> None:
    gold = np.array([1.0, 0.9, 0.8, 0.5, 0.1, 0.0, 0.2])
    predicted = np.array([0.4, 0.9, 0.6, 0.5, 0.7, 0.0, 0.3])
    figures = metrics(predicted, gold)
    assert figures["right_under_half"] == round(1 / 3, 3)
    assert figures["wrong_over_half"] == round(1 / 3, 3)
    assert figures["answers"] == 7
    perfect = metrics(gold, gold)
    assert perfect["pearson_r"] == 1.0 and perfect["rmse"] == 0.0
