"""The confidence model: its signals, its fit and review cut, and its calibration error."""

from __future__ import annotations

import numpy as np

from grader.scoring.confidence import (
    CONFIDENCE_FEATURES,
    REASONS,
    ConfidenceModel,
    confidence_features,
    expected_calibration_error,
    fit_confidence,
)


def test_the_signals_say_where_the_doubt_is() -> None:
    sure = confidence_features(1.0, [1.0, 1.0], [0.99, 0.98], [0.97, 0.99], 0.9, 0.6, 12)
    unsure = confidence_features(0.5, [0.5, 0.5], [0.95, 0.5], [0.1, 0.5], 0.3, 0.6, 2)
    assert sure.shape == (len(CONFIDENCE_FEATURES),)
    assert np.all(unsure >= sure)  # every signal is a doubt: more of it, more doubt
    assert unsure[CONFIDENCE_FEATURES.index("disagreement")] > 0.8
    # Without a judge there is nothing to disagree with.
    alone = confidence_features(0.5, [0.5], None, [0.1], 0.3, 0.6, 2)
    assert alone[CONFIDENCE_FEATURES.index("disagreement")] == 0.0
    # Far from every key point is a doubt only on the question's topic.
    far = CONFIDENCE_FEATURES.index("far")
    on_topic = confidence_features(0.0, [0.0], None, [0.1], 0.2, 0.7, 12)[far]
    off_topic = confidence_features(0.0, [0.0], None, [0.1], 0.2, -0.1, 12)[far]
    assert on_topic > 0.5 and off_topic == 0.0


def test_the_fit_learns_which_doubt_matters_and_flags_at_most_the_share_asked() -> None:
    rng = np.random.default_rng(0)
    rows = rng.uniform(0, 1, (2000, len(CONFIDENCE_FEATURES)))
    # Agreement falls with "far" only.
    far = rows[:, CONFIDENCE_FEATURES.index("far")]
    agrees = rng.uniform(0, 1, 2000) > far * 0.8
    model = fit_confidence(rows, agrees, max_flagged=0.3, target=0.9)
    assert model.weights[CONFIDENCE_FEATURES.index("far")] < -1.0
    confidence = np.array([model.confidence(r) for r in rows])
    flagged = confidence < model.review_below
    assert flagged.mean() <= 0.31
    assert agrees[~flagged].mean() > agrees.mean()  # what is left unflagged agrees more
    row = np.zeros(len(CONFIDENCE_FEATURES))
    row[CONFIDENCE_FEATURES.index("far")] = 1.0
    assert model.reason(row) == REASONS["far"]


def test_the_cut_stops_at_the_target_when_it_can() -> None:
    rows = np.array([[0.0] * 5] * 90 + [[1.0] * 5] * 10)
    agrees = np.array([True] * 90 + [False] * 10)
    model = fit_confidence(rows, agrees, max_flagged=0.3, target=0.9)
    confidence = np.array([model.confidence(r) for r in rows])
    flagged = confidence < model.review_below
    assert flagged[90:].all() and not flagged[:90].any()


def test_expected_calibration_error_is_zero_when_confidence_matches_agreement() -> None:
    confidence = np.array([0.25] * 4 + [0.75] * 4)
    agrees = np.array([True, False, False, False, True, True, True, False])
    ece, diagram = expected_calibration_error(confidence, agrees)
    assert ece == 0.0
    assert [d["answers"] for d in diagram] == [4, 4]
    overconfident, _ = expected_calibration_error(np.full(8, 0.95), agrees)
    assert overconfident > 0.4


def test_a_model_round_trips_through_json() -> None:
    model = ConfidenceModel(
        features=list(CONFIDENCE_FEATURES), weights=[-1.0] * 5, intercept=2.0, review_below=0.6
    )
    again = ConfidenceModel.model_validate_json(model.model_dump_json())
    assert again == model
    assert 0.0 < again.confidence(np.zeros(5)) < 1.0
