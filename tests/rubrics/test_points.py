"""Points in the rubric's grading step, as teachers write them."""

from __future__ import annotations

import math

import pytest

from grader.rubrics.points import format_points, in_steps


@pytest.mark.parametrize(
    ("points", "step", "shown"),
    [
        (0.0139, 0.5, 0.0),
        (1.37, 0.5, 1.5),
        (1.24, 0.5, 1.0),
        (0.75, 0.5, 1.0),  # halves round up, 0.75/0.5 = 1.4999… included
        (0.05, 0.25, 0.0),
        (0.13, 0.25, 0.25),
        (1.37, 0.0, 1.37),  # no step: as computed
    ],
)
def test_points_are_shown_in_steps(points: float, step: float, shown: float) -> None:
    assert in_steps(points, step) == pytest.approx(shown)


def test_steps_never_pass_the_maximum_or_go_below_zero() -> None:
    assert in_steps(1.9, 0.5, max_points=1.75) == 1.75  # the nearest step, 2, is past it
    assert in_steps(2.4, 1.0, max_points=2.0) == 2.0
    assert in_steps(-0.3, 0.5) == 0.0


@pytest.mark.parametrize(
    ("points", "step", "max_points", "shown"),
    [
        (1.2, 0.5, 1.2, 1.2),  # full marks stay full marks, not the step below (1.0)
        (2 / 3, 0.5, 2 / 3, 0.6667),  # three criteria of 2/9 each: not 0.5
        (2.0, 7.0, 2.0, 2.0),  # a step past the maximum: full marks, never 0
        (0.9, 7.0, 2.0, 0.0),  # ... and under half of it, the nearest is 0
        (1.1, 0.5, 1.2, 1.2),  # halfway between the step (1.0) and the maximum: up
        (1.04, 0.5, 1.2, 1.0),  # nearer the step
    ],
)
def test_the_maximum_is_a_step_of_its_own(
    points: float, step: float, max_points: float, shown: float
) -> None:
    assert in_steps(points, step, max_points=max_points) == pytest.approx(shown)


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        in_steps(math.nan, 0.5)


def test_points_read_as_a_teacher_writes_them() -> None:
    assert [format_points(p) for p in (2.0, 1.5, 0.25, 1.3333333)] == ["2", "1.5", "0.25", "1.3333"]
