"""A small model that weighs an instructor's key-point decisions with the judge's credit.

Given the decisions on one key point of a question (the answers credited and refused, each
with the judge's credit and its evidence), it gives the probability that a new answer meets
the key point, from: the judge's credit and verdict, where that credit falls on the
instructor's line (:func:`grader.learning.keypoint_examples.line_verdict`), the nearest
decided answer's label when it is at least :data:`~grader.learning.keypoint_examples.LIKE`
alike, and how alike the answer's evidence is to the most alike credited and refused ones.
A logistic regression: its weights are fitted on public graded sets by `grader eval
key-points --update-key-point-model` and shipped in ``key_point_model.json``; it decides a key
point only when it is sure by :attr:`KeyPointModel.margin` (otherwise the nearest example and
the line decide, as without it). Measured with every set held out in turn (docs/learning.md).

Numpy only: fitting lives in :mod:`grader.evaluation.key_point_model`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from grader.scoring.grade import MET

SHIPPED_MODEL = Path(__file__).with_name("key_point_model.json")

FEATURES = (
    "credit",  # the judge's credit for the key point
    "judge_met",  # 1 when that credit meets the key point
    "line",  # the instructor's line: +1 met, -1 not met, 0 undecided
    "nearest",  # the nearest decided answer's label (+1/-1) when at least LIKE alike, else 0
    "like_credited",  # cosine to the most alike answer credited with it (0: none)
    "like_refused",  # cosine to the most alike answer refused it (0: none)
    "any_credited",  # 1 when some decided answer was credited with it
    "any_refused",  # 1 when some decided answer was refused it
    "above_credited",  # credit less the least credit of a credited answer (less 0.5 if none)
    "above_refused",  # credit less the most credit of a refused answer (less 0.5 if none)
)


@dataclass(frozen=True)
class Decisions:
    """What the decided answers say of one key point, as seen from a new answer."""

    credited_similarity: float | None  # the most alike credited answer's cosine (None: none)
    refused_similarity: float | None
    nearest_met: bool | None  # the nearest decided answer's label, if at least LIKE alike
    least_credited: float | None  # the judge's least credit on a credited answer
    most_refused: float | None  # the judge's most credit on a refused answer
    line: bool | None  # line_verdict of the credit against those two


def features(credit: float, decisions: Decisions) -> list[float]:
    """The model's inputs, in :data:`FEATURES` order."""

    def signed(flag: bool | None) -> float:
        return 0.0 if flag is None else (1.0 if flag else -1.0)

    low, high = decisions.least_credited, decisions.most_refused
    return [
        credit,
        1.0 if credit >= MET else 0.0,
        signed(decisions.line),
        signed(decisions.nearest_met),
        decisions.credited_similarity or 0.0,
        decisions.refused_similarity or 0.0,
        0.0 if decisions.credited_similarity is None else 1.0,
        0.0 if decisions.refused_similarity is None else 1.0,
        credit - (0.5 if low is None else low),
        credit - (0.5 if high is None else high),
    ]


@dataclass(frozen=True)
class KeyPointModel:
    weights: list[float]
    bias: float
    # Decide only when the probability is at least this far from 1/2: measured on the held-out
    # sets, a sure model beats the nearest example and the line, an unsure one does not.
    margin: float = 0.1
    # A verdict of the model that keeps the judge's is doubted like the judge's own (sent to
    # review where a decision showed the judge wrong on that side) unless it is at least this
    # far from 1/2: on the held-out sets, about as much review as without the model, with fewer
    # wrong verdicts left unflagged (docs/learning.md).
    settles_from: float = 0.3
    fitted_on: dict[str, Any] = field(default_factory=dict)

    def probability(self, credit: float, decisions: Decisions) -> float:
        """The probability that the answer meets the key point."""
        return float(self.probabilities(np.array([features(credit, decisions)]))[0])

    def probabilities(self, inputs: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The probabilities for rows of :data:`FEATURES`."""
        z = self.bias + inputs @ np.asarray(self.weights, dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    def verdict(self, credit: float, decisions: Decisions) -> tuple[bool, float] | None:
        """Met or not and the probability, or None when the model is not sure enough."""
        p = self.probability(credit, decisions)
        if abs(p - 0.5) < self.margin:
            return None
        return p >= 0.5, p

    def save(self, path: Path) -> None:
        data = {"features": list(FEATURES), **asdict(self)}
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def load_model(path: Path) -> KeyPointModel:
    """Read a model ``save`` wrote.

    Raises:
        ValueError: its features are not this code's (a model fitted by another version).
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("features") != list(FEATURES) or len(data["weights"]) != len(FEATURES):
        raise ValueError(f"{path}: fitted on other features than {', '.join(FEATURES)}")
    return KeyPointModel(
        [float(w) for w in data["weights"]], float(data["bias"]), float(data["margin"]),
        float(data["settles_from"]), dict(data.get("fitted_on", {})),
    )  # fmt: skip


@lru_cache(maxsize=1)
def shipped_model() -> KeyPointModel | None:
    """The shipped model (None before one was fitted)."""
    return load_model(SHIPPED_MODEL) if SHIPPED_MODEL.exists() else None
