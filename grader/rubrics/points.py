"""Points as teachers write them: in the rubric's grading step (1.5 of 2, not 1.37 of 2.0).

The stored score keeps full precision; the step applies where a grade is shown or sent."""

from __future__ import annotations

import math


def in_steps(points: float, step: float, max_points: float | None = None) -> float:
    """``points`` to the nearest multiple of ``step`` (halves round up: 0.25 → 0.5 with step
    0.5), within 0 and ``max_points``; a step of 0 leaves the points as computed.

    ``max_points`` is a step of its own: full marks stay full marks when the maximum is no
    multiple of the step (1.2 of 1.2 with step 0.5, not 1; 2 of 2 with a step of 7, not 0),
    and points nearer the maximum than any step below it are shown as the maximum."""
    if not math.isfinite(points):
        raise ValueError(f"points must be a finite number, not {points}")
    if step > 0:
        exact = points
        # The epsilon keeps 0.75 / 0.5 = 1.4999999 from rounding down.
        points = math.floor(points / step + 0.5 + 1e-9) * step
        if max_points is not None:
            points = min(points, max_points)
            if max_points - exact <= abs(exact - points) + 1e-9:
                points = max_points
    if max_points is not None:
        points = min(points, max_points)
    return round(max(points, 0.0), 4)


def format_points(points: float) -> str:
    """1.0 → "1", 1.5 → "1.5", 0.25 → "0.25": no trailing zeros, at most four decimals."""
    return f"{round(points, 4):g}"


def counted(count: float, noun: str, plural: str | None = None) -> str:
    """``count`` and its noun in the right number: "1 point", "0 points", "1.5 points",
    "2 problems" (``plural``: when the noun does not take an s)."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{format_points(count)} {word}"
