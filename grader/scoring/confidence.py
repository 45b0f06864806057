"""How far to trust a grade: the probability, fitted on held-out data sets, that an instructor's
grade would be within a quarter of the marks of this one.

The signals are what the scorer knows of its own doubt, not of the answer's quality:

- ``middle``: how close the score is to half marks (``4 s (1 - s)``: 1 at half, 0 at 0 or 1);
- ``undecided``: how close the counted criteria's credits are to half (the same, averaged);
- ``disagreement``: how far the key-point judge and the similarity curve disagree on a
  criterion (the largest gap between the two probabilities that the point is made);
- ``far``: an answer on the question's topic whose best match to every criterion and phrasing
  is weak (its cosine to the question times ``1 - best similarity``), the case nobody wrote a
  phrasing for; an off-topic answer is not far in this sense, it is simply wrong;
- ``short``: ``1 / (1 + words)``, a very short answer says little to judge.

A logistic regression turns them into the probability; grades under ``review_below`` go to an
instructor (``needs_review``) with the signal that weighed most as the reason. Fitted by
``grader eval judge`` (:mod:`grader.evaluation.judge_bench`) with whole data sets held out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

CONFIDENCE_FEATURES = ("middle", "undecided", "disagreement", "far", "short")

REASONS = {
    "middle": "the grade sits between a right and a wrong answer",
    "undecided": "a key point is neither clearly made nor clearly missing",
    "disagreement": "the key-point judge and the similarity disagree on a key point",
    "far": "the answer is on the question's topic but far from every key point and phrasing",
    "short": "the answer is too short to judge with confidence",
}


NEAR_THRESHOLD = "close to a verdict threshold"  # a review flag about the score, not the answer


def confidence_features(
    score: float,
    credits: Sequence[float],
    judge_probability: Sequence[float] | None,
    curve_probability: Sequence[float],
    best_similarity: float,
    topical: float,
    words: int,
) -> npt.NDArray[np.float64]:
    """One row of :data:`CONFIDENCE_FEATURES` for a graded answer: its counted criteria's
    credits and probabilities that the point is made, its best similarity to any criterion or
    phrasing (counted or not), its cosine to the question, its length in words."""
    credit = np.asarray(credits, dtype=np.float64)
    undecided = float(np.mean(4 * credit * (1 - credit))) if len(credit) else 0.0
    disagreement = 0.0
    if judge_probability is not None and len(judge_probability):
        gap = np.abs(np.asarray(judge_probability) - np.asarray(curve_probability))
        disagreement = float(gap.max())
    return np.array(
        [
            4 * score * (1 - score),
            undecided,
            disagreement,
            max(0.0, topical) * (1.0 - max(0.0, min(1.0, best_similarity))),
            1.0 / (1 + words),
        ]
    )


def verdict_distance(
    score: npt.ArrayLike, correct: float, incorrect: float
) -> npt.NDArray[np.float64]:
    """How far a score is from the nearest verdict line."""
    s = np.asarray(score, dtype=np.float64)
    return np.asarray(np.minimum(np.abs(s - correct), np.abs(s - incorrect)), dtype=np.float64)


def distance_confidence(distance: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The confidence without a confidence model: a quarter of the marks from a verdict line, 1."""
    return np.asarray(np.minimum(1.0, np.asarray(distance, dtype=np.float64) / 0.25))


class ConfidenceModel(BaseModel):
    """confidence = sigmoid(weights · features + intercept); review below ``review_below``."""

    model_config = ConfigDict(extra="forbid")

    features: list[str]
    weights: list[float]
    intercept: float
    review_below: float = Field(ge=0, le=1)
    fitted_on: str = ""

    def confidence(self, row: npt.NDArray[np.float64]) -> float:
        z = float(row @ np.asarray(self.weights) + self.intercept)
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))

    def reason(self, row: npt.NDArray[np.float64]) -> str:
        """The signal that lowered this confidence most."""
        pull = row * np.asarray(self.weights)  # the weights of doubts are negative
        return REASONS[self.features[int(np.argmin(pull))]]


def fit_confidence(
    rows: npt.NDArray[np.float64],
    agrees: npt.NDArray[np.bool_],
    max_flagged: float = 0.3,
    target: float = 0.9,
    fitted_on: str = "",
) -> ConfidenceModel:
    """Logistic regression of "agrees with the human grade" on the rows, and the review cut:
    the lowest that leaves ``target`` agreement on what is not flagged, flagging at most
    ``max_flagged`` of the answers (at most that share is flagged when the target is out of
    reach)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0).fit(rows, agrees)
    weights = [float(w) for w in model.coef_[0]]
    intercept = float(model.intercept_[0])
    fitted = ConfidenceModel(
        features=list(CONFIDENCE_FEATURES),
        weights=weights,
        intercept=intercept,
        review_below=0.0,
        fitted_on=fitted_on,
    )
    confidence = np.array([fitted.confidence(r) for r in rows])
    cut = float(np.quantile(confidence, max_flagged))
    for candidate in np.sort(np.unique(np.round(confidence, 3))):
        kept = confidence >= candidate
        if candidate > cut:
            break
        if kept.any() and agrees[kept].mean() >= target:
            cut = float(candidate)
            break
    return fitted.model_copy(update={"review_below": round(cut, 4)})


def expected_calibration_error(
    confidence: npt.NDArray[np.float64], agrees: npt.NDArray[np.bool_], bins: int = 10
) -> tuple[float, list[dict[str, float]]]:
    """ECE over equal-width bins, and the reliability diagram's points (bin, mean confidence,
    observed agreement, answers)."""
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total, diagram = 0.0, []
    for b in range(bins):
        members = index == b
        if not members.any():
            continue
        said, seen = float(confidence[members].mean()), float(agrees[members].mean())
        total += members.sum() / len(confidence) * abs(said - seen)
        diagram.append(
            {
                "bin": round(float(edges[b]), 1),
                "confidence": round(said, 3),
                "agreement": round(seen, 3),
                "answers": int(members.sum()),
            }
        )
    return round(total, 4), diagram
