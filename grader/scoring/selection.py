"""From per-criterion credits to counted points: the rubric's select rule."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from grader.rubrics.schema import Rubric


@dataclass(frozen=True)
class Selection:
    """Credit per criterion and which criteria count (a select rule counts the best ``any``)."""

    credits: np.ndarray
    selected: list[bool]

    def earned(self, rubric: Rubric) -> float:
        """Points the counted criteria earned: the sum of credit x points."""
        return float(
            sum(
                float(self.credits[i]) * c.points
                for i, c in enumerate(rubric.criteria)
                if self.selected[i]
            )
        )


def select(rubric: Rubric, credits: np.ndarray) -> Selection:
    """Which criteria count under the rubric's select rule: the best ``any`` of its group."""
    selected = [True] * len(rubric.criteria)
    rule = rubric.counting_rule()
    if rule is not None:
        group = set(rule.of) or {c.id for c in rubric.criteria}
        members = [i for i, c in enumerate(rubric.criteria) if c.id in group]
        # Most points earned first; ties keep the rubric's order.
        members.sort(key=lambda i: (-credits[i] * rubric.criteria[i].points, i))
        for i in members[rule.any :]:
            selected[i] = False
    return Selection(np.asarray(credits, dtype=np.float64), selected)


def ticked_points(rubric: Rubric, met: Collection[str]) -> float:
    """The points key points earn when those in ``met`` are met in full and the others not,
    under the rubric's counting rule, at most the question's points (no misconception
    penalties: whoever ticked them decided what is right)."""
    credits = np.array([1.0 if c.id in met else 0.0 for c in rubric.criteria])
    return min(select(rubric, credits).earned(rubric), rubric.max_points)
