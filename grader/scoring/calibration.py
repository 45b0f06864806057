"""The fitted numbers the scorer uses: a small, versioned JSON artifact.

``grader calibrate`` fits them on human-graded answers (see :mod:`grader.scoring.fit`); the
scorer only reads them. Nothing here is tuned by hand except the trap settings, which are
declared, not fitted, and documented in docs/quality.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CALIBRATION = Path(__file__).with_name("calibration.json")

FEATURES = (
    "keypoints",  # select-aware, points-weighted mean criterion credit
    "alignment",  # mean over the counted criteria of their closest unit's similarity
    "cos_reference",  # the counted part of the answer vs the graded reference
    "cos_demoted",  # the same without stopwords and the question's own words
    "char_overlap",  # cosine of character trigrams, question demoted (robust to typos)
    "recall",  # share of the reference's content words the answer uses (question demoted)
    "precision",  # share of the answer's content words found in the reference
    "log_length_ratio",  # log((answer words + 1) / (reference words + 1))
    "cos_prompt",  # the answer vs the question itself
)


class CriterionCurve(BaseModel):
    """credit = sigmoid((similarity - center) / width)."""

    model_config = ConfigDict(extra="forbid")

    center: float
    width: float = Field(gt=0)

    def credit(self, similarity: npt.ArrayLike) -> npt.NDArray[np.float64]:
        z = (np.asarray(similarity, dtype=np.float64) - self.center) / self.width
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


class ScoreMap(BaseModel):
    """A linear model over :data:`FEATURES` followed by a monotone (isotonic) map to 0..1."""

    model_config = ConfigDict(extra="forbid")

    features: list[str]
    weights: list[float]
    intercept: float
    iso_x: list[float]
    iso_y: list[float]

    def raw(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(features @ np.asarray(self.weights) + self.intercept, dtype=np.float64)

    def score(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        values = np.interp(self.raw(features), self.iso_x, self.iso_y)
        return np.asarray(np.clip(values, 0.0, 1.0), dtype=np.float64)


class VerdictThresholds(BaseModel):
    """score >= correct → correct; score < incorrect → incorrect; otherwise partial."""

    model_config = ConfigDict(extra="forbid")

    correct: float = Field(gt=0, le=1)
    incorrect: float = Field(ge=0, le=1)


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
    score: ScoreMap
    verdict: VerdictThresholds
    traps: TrapSettings = Field(default_factory=TrapSettings)

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
        score=ScoreMap(
            features=list(FEATURES),
            weights=[1.0] + [0.0] * (len(FEATURES) - 1),
            intercept=0.0,
            iso_x=[0.0, 1.0],
            iso_y=[0.0, 1.0],
        ),
        verdict=VerdictThresholds(correct=0.75, incorrect=0.4),
    )
