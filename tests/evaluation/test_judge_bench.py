"""The judge benchmark's mechanics: sampling, held-out fits, the figures it reports."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader.evaluation.fit import fit_credit_model
from grader.evaluation.judge_bench import (
    Folds,
    Rows,
    collect,
    collect_folds,
    compare_signals,
    confidence_rows,
    predictions,
    sample,
    table,
)
from grader.learning.graded import GradedAnswer, reference_rubric
from grader.scoring.features import CREDIT_FEATURES
from grader.scoring.scorer import Scorer


def _items(corpus: str, questions: int, answers: int) -> list[GradedAnswer]:
    out = []
    for q in range(questions):
        rubric = reference_rubric(f"{corpus} {q}", f"Question {q}?", f"reference {q}")
        out += [
            GradedAnswer(rubric, f"answer {a}", a % 2, f"{corpus} {q}", corpus=corpus)
            for a in range(answers)
        ]
    return out


def test_sample_caps_each_question_and_each_data_set_taking_questions_in_turn() -> None:
    items = _items("asap", 3, 50) + _items("stita", 2, 5)
    chosen = sample(items, per_question=20, per_dataset=30, seed=0)
    asap = [i for i in chosen if i.corpus == "asap"]
    assert len(asap) == 30
    assert {sum(i.group == g for i in asap) for g in {i.group for i in asap}} == {10}
    assert sum(i.corpus == "stita" for i in chosen) == 10
    assert sample(items, 20, 30, seed=0) == chosen  # seeded


def _one_unit_graded_wrong(
    seed: int, per_unit: int, wrong_grade: Callable[[np.random.Generator], float]
) -> Rows:
    """Rows of three units: on Mohler and ASAP-SAS every signal is the answer's grade; on
    Powergrading every answer is graded wrong (``wrong_grade``, drawn for every row), whatever
    its signal."""
    rng = np.random.default_rng(seed)
    rows = Rows()
    for unit in ("mohler", "asap", "powergrading"):
        for _ in range(per_unit):
            signal = float(rng.uniform(0, 1))
            wrong = wrong_grade(rng)
            rows.dataset.append(unit)
            rows.unit.append(unit)
            rows.gold.append(wrong if unit == "powergrading" else signal)
            rows.anchor.append(False)
            rows.shipped.append(0.5)
            rows.cosine.append(signal)
            rows.features.append(np.full(5, signal))
            rows.point.append("p")
            rows.part.append("a")
            rows.words.append(5)
    return rows


def test_no_data_set_is_predicted_by_a_fit_that_saw_it() -> None:
    """On one unit every answer is wrong, however high its signal; on the others the signal is
    the grade. A fit that never saw that unit predicts its answers from the others (about half
    the marks); one that saw it learns to credit less (about a quarter). The old version of
    this test passed either way (its figures: -0.96 held out, -1.00 with the unit in the fit):
    this one tells them apart, and shows that it does."""
    rows = _one_unit_graded_wrong(seed=1, per_unit=200, wrong_grade=lambda _: 0.0)
    held = np.array(rows.unit) == "powergrading"
    predicted = predictions(rows, logits=None)
    # What a leaky fit (every unit, the predicted one too) would give: well apart.
    x, gold = np.array(rows.features), np.array(rows.gold)
    leaky = fit_credit_model(x, gold, rows.dataset_weights(), names=CREDIT_FEATURES)
    assert leaky.credit(x[held]).mean() < 0.35
    assert predicted["features"][held].mean() > 0.45
    assert predicted["cosine"][held].mean() > 0.45


def test_a_candidate_signal_is_measured_only_on_units_its_fit_never_saw() -> None:
    """As above, for the benches that measure a new signal: one unit's answers are all wrong
    whatever their signal. Left out of the fit, half of them get over half the marks; a fit that
    saw them would give far fewer. The shipped recipe is fitted on the calibration's sets
    (here Mohler) and reported only on the others."""
    rows = _one_unit_graded_wrong(
        seed=2, per_unit=300, wrong_grade=lambda rng: float(rng.choice([0.0, 0.1]))
    )

    def inputs(fold: Rows) -> dict[str, tuple[np.ndarray, list[str]]]:
        return {"signal": (np.array(fold.cosine)[:, None], ["signal"])}

    folds = Folds(rows, dict.fromkeys(set(rows.unit), rows), {})
    report = compare_signals(folds, inputs, progress=lambda _: None)
    held = report["leave_one_set_out"]["powergrading"]["signal"]
    x, gold = np.array(rows.cosine)[:, None], np.array(rows.gold)
    leaky = fit_credit_model(x, gold, rows.dataset_weights(), names=["signal"])
    wrong = np.array(rows.unit) == "powergrading"
    assert (leaky.credit(x[wrong]) > 0.5).mean() < 0.3
    assert held["wrong_over_half"] > 0.4
    assert set(report["shipped_recipe"]) == {"asap", "powergrading", "all"}
    assert report["shipped_recipe"]["all"]["signal"]["answers"] == 600


def test_collect_keeps_one_row_per_answer_with_what_each_candidate_reads(
    fake_scorer: Scorer,
) -> None:
    rubric = reference_rubric("q 1", "What is a stack?", "A last in first out list.")
    items = [
        GradedAnswer(rubric, "A list where the last in is the first out.", 1.0, "g", corpus="x"),
        GradedAnswer(rubric, "", 0.0, "g", corpus="x"),
    ]
    rows = collect(fake_scorer, items, [], progress=lambda _: None)
    assert rows.gold == [1.0, 0.0] and rows.anchor == [False, False]
    assert rows.features[0].any() and not rows.features[1].any()
    assert rows.part[0] and rows.part[1] == ""  # nothing of an empty answer is judged
    assert rows.point[0] == "A last in first out list."


def _worded(corpus: str, questions: int, seed: int) -> list[GradedAnswer]:
    """Answers that use more or fewer of the reference's words, graded by how many they use."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"word{n}" for n in range(40)]
    out = []
    for q in range(questions):
        reference = [f"point{q}x{n}" for n in range(6)]
        rubric = reference_rubric(f"{corpus} {q}", f"Question {q}?", " ".join(reference))
        for _ in range(12):
            used = int(rng.integers(0, 7))
            answer = reference[:used] + list(rng.choice(vocabulary, 6 - used))
            out.append(
                GradedAnswer(
                    rubric, " ".join(answer), float(used >= 4), f"{corpus} {q}", corpus=corpus
                )
            )
    return out


def test_a_units_own_grades_never_reach_what_its_fold_predicts_for_it(
    fake_scorer: Scorer,
) -> None:
    """Flip every grade of one unit: its fold's match curve, grades and confidence signals for
    it stay exactly the same; the other folds, which learn from it, move. Fitting the curve on
    every unit (the leak the shipped curve had for SemEval) fails this."""
    items = _worded("mohler", 4, 0) + _worded("asap", 4, 1) + _worded("powergrading", 2, 2)
    flipped = [
        GradedAnswer(i.rubric, i.answer, 1.0 - i.gold, i.group, corpus=i.corpus)
        if i.corpus == "powergrading" else i
        for i in items
    ]  # fmt: skip
    quiet = lambda _: None  # noqa: E731
    folds, other = (collect_folds(fake_scorer, x, [], quiet) for x in (items, flipped))
    held = np.array(folds.shipped.unit) == "powergrading"

    assert folds.curves["powergrading"] == other.curves["powergrading"]
    assert folds.curves["asap"] != other.curves["asap"]
    graded, graded_other = predictions(folds, None), predictions(other, None)
    for candidate in ("cosine", "features"):
        np.testing.assert_array_equal(graded[candidate][held], graded_other[candidate][held])
    assert not np.allclose(graded["features"][~held], graded_other["features"][~held])
    signals = confidence_rows(folds.held_out(), graded["features"], None, folds.curves)
    signals_other = confidence_rows(other.held_out(), graded_other["features"], None, other.curves)
    np.testing.assert_array_equal(signals[held], signals_other[held])


def test_the_shipped_candidate_is_marked_in_sample_and_left_out_of_all() -> None:
    rows = Rows()
    for dataset in ("mohler", "asap"):
        for share in (0.0, 1.0, 0.0, 1.0):
            rows.dataset.append(dataset)
            rows.unit.append(dataset)
            rows.gold.append(share)
            rows.anchor.append(False)
    # In-sample it is perfect; on the set it never saw, always wrong.
    shipped = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    figures = table(rows, {"shipped": shipped, "features": shipped})
    assert figures["mohler"]["shipped"]["in_sample"] is True
    assert "in_sample" not in figures["asap"]["shipped"]
    assert figures["all"]["shipped"]["answers"] == 4
    assert figures["all"]["shipped"]["right_under_half"] == 1.0
    assert figures["all"]["features"]["answers"] == 8
