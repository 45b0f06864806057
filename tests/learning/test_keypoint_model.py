"""The key-point model's file and its inputs (pure numpy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.learning.keypoint_model import (
    FEATURES,
    Decisions,
    KeyPointModel,
    features,
    load_model,
    shipped_model,
)

NOTHING = Decisions(None, None, None, None, None, None)


def test_inputs_say_what_the_decisions_say() -> None:
    decided = Decisions(0.9, 0.3, True, 0.4, 0.1, True)
    row = dict(zip(FEATURES, features(0.6, decided), strict=True))
    assert row == pytest.approx({
        "credit": 0.6, "judge_met": 1.0, "line": 1.0, "nearest": 1.0, "like_credited": 0.9,
        "like_refused": 0.3, "any_credited": 1.0, "any_refused": 1.0, "above_credited": 0.2,
        "above_refused": 0.5,
    })  # fmt: skip
    bare = dict(zip(FEATURES, features(0.2, NOTHING), strict=True))
    assert bare["any_credited"] == bare["any_refused"] == 0.0 and bare["line"] == 0.0
    assert bare["above_credited"] == pytest.approx(-0.3)


def test_a_saved_model_loads_as_it_was(tmp_path: Path) -> None:
    model = KeyPointModel([0.5] * len(FEATURES), -1.0, 0.2, 0.35, {"sets": ["a"]})
    model.save(tmp_path / "m.json")
    assert load_model(tmp_path / "m.json") == model


def test_a_model_fitted_on_other_features_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text('{"features": ["credit"], "weights": [1.0], "bias": 0, "margin": 0.1}')
    with pytest.raises(ValueError, match="other features than credit, judge_met"):
        load_model(path)


def test_the_shipped_model_is_sure_only_away_from_one_half() -> None:
    model = shipped_model()
    assert model is not None and model.fitted_on["sets"]
    low = model.probability(0.05, NOTHING)
    high = model.probability(0.95, NOTHING)
    assert low < 0.5 < high  # the judge's credit alone, read the judge's way
    undecided = KeyPointModel([0.0] * len(FEATURES), 0.0)
    assert undecided.verdict(0.5, NOTHING) is None
    credited = Decisions(0.95, None, True, 0.6, None, True)
    found = model.verdict(0.95, credited)
    assert found is not None and found[0] is True
    assert found[1] == pytest.approx(model.probability(0.95, credited))
