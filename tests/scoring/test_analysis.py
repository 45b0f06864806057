"""Which key point a unit of the answer speaks for (grader.scoring.analysis)."""

from __future__ import annotations

import numpy as np

from grader.scoring.analysis import _competing


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
