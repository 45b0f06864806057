"""Which key point a unit of the answer speaks for (grader.scoring.analysis)."""

from __future__ import annotations

import numpy as np

from grader.learning.graded import reference_rubric
from grader.scoring.analysis import _competing
from grader.scoring.scorer import Scorer


def test_a_unit_closer_to_another_point_is_discounted_by_how_much_closer() -> None:
    # One unit, 0.72 from "vanishing gradients" and 0.53 from "exploding gradients".
    adjusted = _competing(np.array([[0.72, 0.53]]), [0, 1])
    np.testing.assert_allclose(adjusted, [[0.72, 0.53 - 0.19]])


def test_a_unit_is_not_discounted_for_a_point_made_better_by_another_unit() -> None:
    # "shrinks until it disappears" (0.54 vanishing, 0.62 exploding) beside "grows until it
    # blows up" (0.69 exploding): the second makes the exploding point, the first is free to
    # make the vanishing one; the second is still discounted for vanishing.
    raw = np.array([[0.54, 0.62], [0.30, 0.69]])
    adjusted = _competing(raw, [0, 1])
    np.testing.assert_allclose(adjusted[0], [0.54, 0.62])
    np.testing.assert_allclose(adjusted[1], [0.30 - 0.39, 0.69])


def test_points_credited_by_parts_take_no_part_in_it() -> None:
    raw = np.array([[0.72, 0.9, 0.53]])
    adjusted = _competing(raw, [0, 2])
    np.testing.assert_allclose(adjusted, [[0.72, 0.9, 0.53 - 0.19]])


def test_a_negation_in_a_paraphrase_of_a_long_point_is_not_a_denial(
    real_scorer: Scorer,
) -> None:
    """Long key points are often made with a negation ("you do not make another copy" for
    "it avoids making copies"): only short points are denied by a negation over their words
    (measured on Mohler and the public sets, `grader eval rules`, docs/scoring.md)."""
    rubric = reference_rubric(
        "copies", "What is the main advantage of passing function arguments by reference?",
        "It avoids making copies of large data structures when calling functions.",
    )  # fmt: skip
    paraphrase = real_scorer.grade(rubric, "You do not make another copy of a large structure.")
    assert paraphrase.criteria[0].note != "negated" and paraphrase.points > 0.3
    short = reference_rubric("gans", "Which models does a GAN use?", "Generative models.")
    denial = real_scorer.grade(short, "A GAN does not use generative models at all, only rules.")
    assert denial.criteria[0].note == "negated" and denial.points == 0


def test_a_bound_is_not_a_denial(real_scorer: Scorer) -> None:
    """ "No more than two" says "at most two": a near-copy of the point with such a bound is
    credited, while the same near-copy denied ("does not have two children") is refused."""
    rubric = reference_rubric(
        "binary-tree", "What is a binary tree?",
        "A tree for which the maximum number of children per node is two.",
    )  # fmt: skip
    bound = real_scorer.grade(rubric, "A tree where every node has no more than two children.")
    assert bound.criteria[0].note != "negated" and bound.points > 0.5
    denied = real_scorer.grade(rubric, "A tree where a node does not have two children.")
    assert denied.criteria[0].note == "negated"
