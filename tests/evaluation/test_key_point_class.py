"""The key-point evaluation's arithmetic: the judge's line from a few decisions, on a set whose
judge is too strict (pure numpy, no model)."""

from __future__ import annotations

import numpy as np

from grader.evaluation.key_point_class import credit_line_agreement


def test_a_few_decisions_move_a_too_strict_judges_line() -> None:
    rng = np.random.default_rng(0)
    questions, share, gold = [], [], []
    for q in range(10):
        for _ in range(20):
            right = bool(rng.random() < 0.5)
            # The judge gives right answers 0.3-0.45 and wrong ones 0.0-0.2: always "not met".
            share.append(rng.uniform(0.3, 0.45) if right else rng.uniform(0.0, 0.2))
            gold.append(1.0 if right else 0.0)
            questions.append(f"q{q}")
    report = credit_line_agreement(np.array(share), np.array(gold), questions, decided=(1, 3))
    three = report["3"]
    assert three["machine_right"] < 0.6
    # Where a right and a wrong answer were among the three decided, the line falls between.
    assert three["with_line_right"] > three["machine_right"] + 0.2
    assert three["turned_rightly"] / three["turned"] > 0.95
    assert three["later_answers"] == 10 * 17 * 5


def test_a_verdict_the_decisions_showed_wrong_is_counted_as_doubted() -> None:
    """The judge gives every answer under half; a right answer decided (credited at its low
    share) shows it wrong on "not met": the later answers the line leaves to the judge are
    doubted, and the wrong verdicts among them are the ones a review then catches."""
    rng = np.random.default_rng(1)
    questions, share, gold = [], [], []
    for q in range(10):
        for _ in range(20):
            right = bool(rng.random() < 0.5)
            share.append(rng.uniform(0.0, 0.45) if right else rng.uniform(0.0, 0.3))
            gold.append(1.0 if right else 0.0)
            questions.append(f"q{q}")
    one = credit_line_agreement(np.array(share), np.array(gold), questions, decided=(1,))["1"]
    assert one["doubted"] > 0 and one["doubted_wrong"] > 0
    wrong = round((1 - one["with_line_right"]) * one["later_answers"])
    assert one["doubted_wrong"] + one["wrong_not_doubted"] == wrong
    # Doubts go where the wrong verdicts are: more often wrong than the verdicts not doubted.
    rest = one["later_answers"] - one["doubted"]
    assert one["doubted_wrong"] / one["doubted"] > one["wrong_not_doubted"] / rest
