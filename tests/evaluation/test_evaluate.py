"""Evaluation plumbing: metrics, folds, thresholds, and the curve fit."""

from __future__ import annotations

import numpy as np
import pytest

from grader.evaluation.evaluate import group_folds, regression_metrics
from grader.evaluation.fit import best_threshold, fit_curve
from grader.rubrics.schema import Criterion, Rubric
from grader.scorer_setup import shares_calibration
from grader.scoring.analysis import Analysis
from grader.scoring.calibration import Calibration
from grader.scoring.embedder import SentenceTransformerEmbedder
from grader.scoring.matching import CriterionMatch
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
    # `grader calibrate` fits with the served backend (ONNX fp32 unless GRADER_EMBEDDER says
    # otherwise), which is torch to 1e-4: either is the bundled model's calibration, q8 or int8
    # (their own drift) or another model is not.
    fitted_for = Calibration.load().model_id
    assert fitted_for.partition(":")[0] in ("st", "onnx-fp32")
    assert shares_calibration(fitted_for, SentenceTransformerEmbedder().model_id)


def test_the_credit_model_never_rewards_less_evidence() -> None:
    from grader.evaluation.fit import fit_credit_model
    from grader.scoring.features import CREDIT_FEATURES

    rng = np.random.default_rng(0)
    strength = rng.uniform(0.05, 1.0, 400)
    rows = np.column_stack([strength + rng.normal(0, 0.05, 400) for _ in CREDIT_FEATURES])
    # A lenient grader: half marks for nothing, full marks for a clear match.
    gold = np.clip(0.5 + 0.5 * strength + rng.normal(0, 0.1, 400), 0, 1)
    model = fit_credit_model(rows, gold)
    assert all(w >= 0 for w in model.weights)
    credits = model.credit(np.array([[s] * len(CREDIT_FEATURES) for s in (0.05, 0.5, 1.0)]))
    assert list(credits) == sorted(credits)
    assert model.credit(np.zeros((1, len(CREDIT_FEATURES))))[0] == 0.0  # no evidence, no credit


def test_off_question_answers_come_from_the_same_course_and_grade_zero() -> None:
    from grader.learning.graded import GradedAnswer, off_question, reference_rubric

    items = [
        GradedAnswer(
            reference_rubric(q, f"Question {q}?", f"Reference {q}"), f"answer {q}{i}", 1.0, group
        )
        for q, group in (("1.1", "1"), ("1.2", "1"), ("2.1", "2"), ("2.2", "2"))
        for i in range(3)
    ]
    negatives = off_question(items, per_question=5)
    assert len(negatives) == 4  # each question has one peer in its assignment
    for negative in negatives:
        assert negative.gold == 0.0
        assert negative.group == negative.source_group  # the same assignment
        assert negative.answer[7:10] != negative.rubric.id[-3:].replace("-", ".")
