"""The key-point evaluation's arithmetic: the judge's line from a few decisions, on a set whose
judge is too strict (pure numpy, no model), and groups on a class (the real model)."""

from __future__ import annotations

import numpy as np

from grader.evaluation.key_point_class import ClassAnswer, credit_line_agreement, group_defaults
from grader.rubrics.schema import Rubric
from grader.scoring.scorer import Scorer


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


def test_groups_on_a_class_hold_back_the_members_the_machine_grades_otherwise(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """Two near-copies the instructor grades apart are one group whatever the defaults (the
    machine cannot tell them apart); an answer the machine finds one key point fewer in is
    spread the representative's grade only when every member is ticked."""
    question = "what-are-the-challenges-of-long-term-dependencies"
    both = frozenset({"vanishing-gradients", "exploding-gradients"})
    answers = [
        ClassAnswer(question, "Vanishing and exploding gradients.", both),
        ClassAnswer(question, "Vanishing and exploding gradients occur.", frozenset()),
        ClassAnswer(question, "Vanishing gradients.", frozenset({"vanishing-gradients"})),
    ]
    report = group_defaults(real_scorer, seed_rubrics, answers, orders=3)
    every, alike = report["every_member"], report["alike_members"]
    assert report["graded"] == 9
    # Holding back costs actions and removes wrong grades, never the other way round.
    assert alike["actions"] > every["actions"]
    assert alike["off_by_more_than_a_quarter"] < every["off_by_more_than_a_quarter"]
    spread_alike = {(p["representative"], p["member"]) for p in alike["spread_wrongly"]}
    near_copies = {answers[0].answer, answers[1].answer}
    assert spread_alike and all({rep, member} == near_copies for rep, member in spread_alike)
    spread_every = {p["member"] for p in every["spread_wrongly"]}
    assert "Vanishing gradients." in spread_every
    # The machine was right on the representative: nothing corrected, nothing more held back.
    assert (
        report["alike_uncorrected"]["off_by_more_than_a_quarter"]
        <= (alike["off_by_more_than_a_quarter"])
    )
    # Holding back the members the machine gave other points only ever adds actions.
    in_points, uncorrected = report["alike_in_points"], report["alike_uncorrected"]
    assert in_points["actions"] >= uncorrected["actions"]
    assert in_points["off_by_more_than_a_quarter"] <= uncorrected["off_by_more_than_a_quarter"]


def test_groups_on_a_class_do_not_spread_a_correction_of_the_machine(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """The machine finds both key points in two near-copies; the instructor finds one in the
    first and none in the second. Whichever represents the group, its key points correct the
    machine's: the alike member then takes the other's grade unless members are held back."""
    question = "what-are-the-challenges-of-long-term-dependencies"
    answers = [
        ClassAnswer(question, "Vanishing and exploding gradients.",
                    frozenset({"vanishing-gradients"})),
        ClassAnswer(question, "Vanishing and exploding gradients occur.", frozenset()),
    ]  # fmt: skip
    report = group_defaults(real_scorer, seed_rubrics, answers, orders=2)
    alike, uncorrected = report["alike_members"], report["alike_uncorrected"]
    assert alike["off_by_more_than_a_quarter"] == 2 and alike["actions"] == 2
    assert uncorrected["off_by_more_than_a_quarter"] == 0 and uncorrected["actions"] == 4
