"""Fitting and measuring the key-point model, each set held out (pure numpy and sklearn)."""

from __future__ import annotations

import numpy as np

from grader.evaluation.course_data import CourseInputs
from grader.evaluation.key_point_model import fit_on_all, held_out, set_rows


def _set(seed: int, questions: int, inverted: bool = False) -> CourseInputs:
    """A graded set whose graders agree with the judge's share (or, ``inverted``, the
    opposite: a course where the judge reads every answer backwards)."""
    rng = np.random.default_rng(seed)
    size = questions * 12
    share = rng.uniform(0, 1, size)
    gold = 1 - share if inverted else share
    vectors = rng.normal(size=(size, 64)).astype(np.float32)
    names = [f"q{seed}-{i // 12}" for i in range(size)]
    return CourseInputs(names, gold, share, np.zeros(size), vectors, 1.0, "test")


def test_rows_are_the_later_answers_with_the_verdict_without_a_model() -> None:
    data = _set(1, 2)
    rows = set_rows(data, 3, orders=2)
    assert rows.inputs.shape == (2 * 2 * 9, 10)
    # Random vectors are never alike enough for the nearest example, so the line (or the
    # judge) decides without the model; the judge's own verdict is the share's.
    assert not rows.inputs[:, 3].any()  # no nearest example
    judge = rows.inputs[:, 0] >= 0.5
    assert np.array_equal(rows.judge_met, judge)
    undecided = rows.inputs[:, 2] == 0
    assert np.array_equal(rows.without_model[undecided], judge[undecided])
    assert np.array_equal(rows.without_model[~undecided], rows.inputs[~undecided, 2] > 0)


def test_a_set_is_measured_by_a_model_that_never_saw_it() -> None:
    """The backwards set is larger than the two others together: a model fitted on it would
    learn to read the judge backwards and be right on it. Held out, the model is fitted on the
    other two, reads the judge the usual way and is wrong on most of it. (Shown failing with
    the held-out set left in the fit.)"""
    sets = {"a": _set(1, 5), "b": _set(2, 5), "backwards": _set(3, 30, inverted=True)}
    report = held_out(sets, decided=(3,), margins=(0.0,))
    assert report["backwards"]["3"]["with_model_right, margin 0.0"] < 0.4
    # And "a" held out is measured by a model mostly fitted on the backwards set.
    assert report["a"]["3"]["with_model_right, margin 0.0"] < 0.4
    # Fitted on all three, the backwards set dominates: the shipped model would read it so.
    pooled = fit_on_all(sets, decided=(3,))
    assert pooled.weights[0] < 0 and pooled.fitted_on["sets"] == ["a", "b", "backwards"]


def test_a_lone_set_is_not_measured_and_a_set_too_small_is_not_fitted_on() -> None:
    import pytest

    assert held_out({"a": _set(1, 2)}, decided=(3,)) == {"a": "no other set to fit on"}
    tiny = CourseInputs(["q", "q"], np.array([1.0, 0.0]), np.array([0.9, 0.1]), np.zeros(2),
                        np.eye(2, 8, dtype=np.float32), 1.0, "test")  # fmt: skip
    with pytest.raises(ValueError, match="more answers per question than decided"):
        fit_on_all({"tiny": tiny}, decided=(3,))
