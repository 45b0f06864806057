"""The fitted numbers the scorer uses: a small, versioned JSON artifact.

``grader calibrate`` fits them on human-graded answers (see :mod:`grader.evaluation.fit`); the
scorer only reads them. Nothing here is tuned by hand except the trap settings, which are
declared, not fitted, and documented in docs/quality.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from grader.scoring.confidence import ConfidenceModel
from grader.scoring.features import CREDIT_FEATURES, JUDGE_FEATURE
from grader.scoring.grade import Verdict

DEFAULT_CALIBRATION = Path(__file__).with_name("calibration.json")
# int8 embeddings drift from fp32 (pairwise cosines by ~0.01): that backend has its own fit.
INT8_CALIBRATION = Path(__file__).with_name("calibration-onnx-int8.json")


def default_calibration(embedder: str) -> Path:
    """The shipped calibration for an embedder backend: torch's for ONNX fp32 (identical
    embeddings) and q8 (pairwise cosines within 0.002 of fp32's on average: the same verdict
    for 99.8% of a Mohler sample, docs/performance.md), int8's own for int8."""
    return INT8_CALIBRATION if embedder == "onnx-int8" else DEFAULT_CALIBRATION


class CriterionCurve(BaseModel):
    """credit = sigmoid((similarity - center) / width)."""

    model_config = ConfigDict(extra="forbid")

    center: float
    width: float = Field(gt=0)

    def credit(self, similarity: npt.ArrayLike) -> npt.NDArray[np.float64]:
        z = (np.asarray(similarity, dtype=np.float64) - self.center) / self.width
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


class CreditModel(BaseModel):
    """The share of a criterion's points its evidence earns.

    ``z = weights · features + intercept`` is the fitted log-odds that the point is made (the
    features are :data:`grader.scoring.credit.CREDIT_FEATURES`, computed for one criterion on
    its own part of the answer; the weights are non-negative). The credit is a degree, linear
    in ``z`` and clipped: ``clip(0.5 + z / (2 * ramp), 0, 1)``. So a point whose odds of being
    made are even earns half its points (the "met" line), one clearly not made (``z <= -ramp``)
    earns nothing, whatever data set the model was fitted on, and one clearly made earns all.
    A criterion with no admissible evidence earns 0.
    """

    model_config = ConfigDict(extra="forbid")

    features: list[str]
    weights: list[float]
    intercept: float
    ramp: float = Field(
        default=1.0,
        gt=0,
        description="Half-width of the credit ramp in log-odds: declared, not fitted (1.0: no "
        "credit below 27% odds that the point is made, full credit above 73%)",
    )

    @property
    def uses_judge(self) -> bool:
        """Whether the key-point judge's log-odds is one of the features (always the last)."""
        return bool(self.features) and self.features[-1] == JUDGE_FEATURE

    def log_odds(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The rows may carry the judge's column after the others; a model fitted without the
        judge leaves it out, and one fitted with it cannot do without it."""
        if features.shape[1] < len(self.weights):
            raise ValueError(
                f"this credit model reads {self.features}: the scorer has no key-point judge"
            )
        rows = features[:, : len(self.weights)]
        return np.asarray(rows @ np.asarray(self.weights) + self.intercept, dtype=np.float64)

    def credit(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Credits for rows of features; rows of zeros (no evidence) get 0."""
        credits = np.clip(0.5 + self.log_odds(features) / (2.0 * self.ramp), 0.0, 1.0)
        return np.asarray(np.where(features.any(axis=1), credits, 0.0), dtype=np.float64)


class VerdictThresholds(BaseModel):
    """score >= correct → correct; score < incorrect → incorrect; otherwise partial.

    Declared, not fitted: "correct" is three quarters of the points or more, "incorrect" under
    a quarter, so the verdict can never disagree with the points it summarises.
    """

    model_config = ConfigDict(extra="forbid")

    correct: float = Field(default=0.75, gt=0, le=1)
    incorrect: float = Field(default=0.25, ge=0, le=1)

    def verdict(self, score: float) -> Verdict:
        """The verdict a score (points / max_points) earns."""
        if score >= self.correct:
            return "correct"
        if score < self.incorrect:
            return "incorrect"
        return "partial"


class TrapSettings(BaseModel):
    """Declared (not fitted) limits for the ways to fool similarity."""

    model_config = ConfigDict(extra="forbid")

    contrast_margin: float = Field(
        default=0.03, description="A claim must beat the other side's by this to count"
    )
    restate_margin: float = Field(
        default=0.05,
        description="A unit made only of the question's words counts for a criterion only if "
        "it is this much closer to the criterion than the question itself is",
    )
    off_topic_similarity: float = Field(
        default=0.1, description="Below this similarity to every rubric text: off-topic"
    )
    known_word_ratio: float = Field(
        default=0.5, description="Below this share of dictionary words: gibberish or not English"
    )
    denial_similarity: float = Field(
        default=0.8,
        description="A negated unit this close to a long criterion denies it (a short one is "
        "denied by its own words plus a negation)",
    )
    foreign_similarity: float = Field(
        default=0.3, description="...and below this similarity to every rubric text: refused"
    )
    salad_cap: float = Field(default=0.15, description="Most a keyword list can score (0..1)")
    swap_similarity: float = Field(
        default=0.4,
        description="What an answer says of one subject is a swap only if it comes this close "
        "to another subject's claim (and clearly closer than to its own subject's claims)",
    )
    misconception_similarity: float = Field(
        default=0.75, description="A unit this close to a misconception makes it"
    )
    review_band: float = Field(
        default=0.05, description="A score this close to a verdict threshold needs review"
    )


class Calibration(BaseModel):
    """Everything fitted, with what it was fitted on."""

    model_config = ConfigDict(extra="forbid")

    version: str
    model_id: str
    fitted_on: str
    criterion: CriterionCurve
    credit: CreditModel
    verdict: VerdictThresholds = Field(default_factory=VerdictThresholds)
    traps: TrapSettings = Field(default_factory=TrapSettings)
    confidence: ConfidenceModel | None = None  # None: confidence from the verdict lines alone

    @classmethod
    def load(cls, path: Path = DEFAULT_CALIBRATION) -> Calibration:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")


def uncalibrated(model_id: str) -> Calibration:
    """A neutral starting point used only while fitting (and by unit tests of the mechanics)."""
    return Calibration(
        version="uncalibrated",
        model_id=model_id,
        fitted_on="nothing",
        criterion=CriterionCurve(center=0.6, width=0.08),
        credit=CreditModel(
            features=list(CREDIT_FEATURES),
            weights=[10.0] + [0.0] * (len(CREDIT_FEATURES) - 1),
            intercept=-6.0,  # similarity 0.6 → credit 0.5, 0.5 → 0, 0.7 → 1
        ),
        verdict=VerdictThresholds(),
    )
