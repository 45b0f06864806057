"""Course adaptation: grade like the instructor's own graded answers to the same question.

Per question, an answer is described by five numbers: the rubric's share of the marks, its
cosine to the reference, and three views of the instructor-graded answers nearest to it (their
similarity-weighted mean grade, the nearest one's similarity, the mean grade of the three
nearest). The prediction is a fixed prior (the rubric share, moved halfway to the neighbours'
mean when a graded answer is close, not at all when none is) corrected by a small ridge
regression fitted on that question's graded answers only, so with
few grades it stays close to the prior. Nothing is shared between questions.

Every figure about a model is measured on answers it was not fitted on: each graded answer's
features leave that answer out of its own neighbours, and the report's predictions come from
leave-one-out fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

Floats = npt.NDArray[np.float64]
FEATURES = ("rubric", "reference", "neighbours", "nearest", "top3")
PRIOR_WEIGHT = 0.5  # the prior: this much of the rubric share, the rest the neighbours' mean
TRUST_FROM, TRUST_FULL = 0.4, 0.8  # nearest graded answer's similarity: no trust .. full
# Below GATE_FROM similarity to every graded answer the model says nothing (rubric grade);
# from GATE_FULL on it speaks fully: grades only speak for answers that resemble them.
GATE_FROM, GATE_FULL = 0.3, 0.5
RIDGE_ALPHA = 1.0
SHARPNESS = 10.0  # neighbours weigh exp(SHARPNESS * similarity)
MIN_EXAMPLES = 8  # fewer graded answers than this: no adapted model (docs/learning.md)
AGREEMENT = 0.1  # a grade agrees with the instructor's within a tenth of the marks
TARGET_AGREEMENT = 0.9  # auto-accept only where held-out answers agreed this often


@dataclass(frozen=True)
class Example:
    """One instructor-graded answer to the question."""

    key: str  # where it came from: "attempt:17", "import:3"
    share: float  # the instructor's points / max points
    vector: npt.NDArray[np.float32]  # the answer's embedding (d,)
    rubric_share: float  # what the rubric alone gave it
    reference: float  # its cosine to the rubric's reference


class Report(BaseModel):
    """Held-out agreement before (rubric only) and after (adapted), and the coverage."""

    examples: int
    rubric_mae: float
    adapted_mae: float
    rubric_agreement: float = Field(description="share of held-out grades within the tolerance")
    adapted_agreement: float
    coverage: float = Field(description="share auto-accepted at the target agreement")
    coverage_agreement: float = Field(description="agreement among those auto-accepted")


class AdaptedModel(BaseModel):
    """A fitted per-question model; ``vectors`` travel separately (see :func:`pack`)."""

    question_id: str
    keys: list[str]
    shares: list[float]
    weights: list[float]
    intercept: float
    confidence_threshold: float | None  # None: nothing is auto-accepted
    active: bool  # the held-out figures say it grades better than the rubric alone
    report: Report


@dataclass(frozen=True)
class Prediction:
    share: float
    neighbours: list[
        tuple[str, float, float]
    ]  # (key, similarity, instructor's share), nearest first
    confidence: float
    auto_accept: bool


def neighbour_features(
    vectors: npt.NDArray[np.float32],
    example_vectors: npt.NDArray[np.float32],
    shares: Floats,
    leave_self_out: bool = False,
) -> Floats:
    """Per answer: weighted mean grade of the graded answers, nearest similarity, top-3 mean."""
    similarity = np.asarray(vectors @ example_vectors.T, dtype=np.float64)
    weights = np.exp(SHARPNESS * similarity)
    if leave_self_out:
        np.fill_diagonal(similarity, -np.inf)
        np.fill_diagonal(weights, 0.0)
    mean = (weights * shares).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12)
    order = np.argsort(-similarity, axis=1)
    top = shares[order[:, : min(3, shares.size - int(leave_self_out))]].mean(axis=1)
    nearest = similarity[np.arange(len(similarity)), order[:, 0]]
    return np.column_stack([mean, nearest, top])


def features(rubric: Floats, reference: Floats, neighbours: Floats) -> Floats:
    return np.column_stack([rubric, reference, neighbours])


def _prior(x: Floats) -> Floats:
    """The rubric share, moved toward the neighbours' grades as far as they are close.

    Graded answers only speak for an answer that resembles them: with no graded answer within
    TRUST_FROM similarity the prior is the rubric's grade, from TRUST_FULL on it is the even
    blend of rubric and neighbours.
    """
    trust = np.clip((x[:, 3] - TRUST_FROM) / (TRUST_FULL - TRUST_FROM), 0.0, 1.0)
    blend = (1 - PRIOR_WEIGHT) * trust
    return np.asarray((1 - blend) * x[:, 0] + blend * x[:, 2], dtype=np.float64)


def _fit_ridge(x: Floats, y: Floats) -> tuple[Floats, float]:
    """Ridge regression of the residual from the prior (closed form, centred)."""
    target = y - _prior(x)
    mean_x, mean_y = x.mean(axis=0), target.mean()
    centred = x - mean_x
    gram = centred.T @ centred + RIDGE_ALPHA * np.eye(x.shape[1])
    weights = np.linalg.solve(gram, centred.T @ (target - mean_y))
    return weights, float(mean_y - mean_x @ weights)


def _predict(x: Floats, weights: Floats, intercept: float) -> Floats:
    """The model's share, gated: far from every graded answer, the rubric's grade stands."""
    model = np.clip(_prior(x) + x @ weights + intercept, 0.0, 1.0)
    gate = np.clip((x[:, 3] - GATE_FROM) / (GATE_FULL - GATE_FROM), 0.0, 1.0)
    return np.asarray(x[:, 0] + gate * (model - x[:, 0]), dtype=np.float64)


def _confidence(x: Floats) -> Floats:
    """Higher when a close graded answer exists and the rubric and the neighbours agree."""
    return np.asarray(x[:, 3] - np.abs(x[:, 0] - x[:, 2]), dtype=np.float64)


def coverage_threshold(confidence: Floats, agrees: npt.NDArray[np.bool_]) -> float | None:
    """The lowest confidence above which held-out grades agreed at least TARGET_AGREEMENT.

    Judged by the Wilson lower bound (one standard error) of the agreement, not the raw rate:
    with a handful of graded answers, 5 out of 5 is not yet evidence of 90%.
    """
    order = np.argsort(-confidence)
    n = np.arange(1, len(order) + 1)
    rate = np.cumsum(agrees[order]) / n
    z = 1.0
    lower = (rate + z * z / (2 * n) - z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))) / (
        1 + z * z / n
    )
    ok = np.flatnonzero(lower >= TARGET_AGREEMENT)
    return float(confidence[order][ok[-1]]) if ok.size else None


def fit(
    question_id: str, examples: list[Example], min_examples: int = MIN_EXAMPLES
) -> AdaptedModel:
    """The question's model and its leave-one-out report.

    Raises:
        ValueError: fewer than ``min_examples`` graded answers (never fewer than 4).
    """
    if len(examples) < max(4, min_examples):
        raise ValueError(f"{question_id}: {len(examples)} graded answers, {min_examples} needed")
    vectors = np.vstack([e.vector for e in examples]).astype(np.float32)
    shares = np.array([e.share for e in examples])
    x = features(
        np.array([e.rubric_share for e in examples]),
        np.array([e.reference for e in examples]),
        neighbour_features(vectors, vectors, shares, leave_self_out=True),
    )
    weights, intercept = _fit_ridge(x, shares)
    held_out = np.zeros(len(examples))
    for i in range(len(examples)):  # leave-one-out fits: no grade predicts itself
        keep = np.arange(len(examples)) != i
        w, b = _fit_ridge(x[keep], shares[keep])
        held_out[i] = _predict(x[i : i + 1], w, b)[0]
    rubric = x[:, 0]
    agrees = np.abs(held_out - shares) <= AGREEMENT + 1e-9
    confidence = _confidence(x)
    threshold = coverage_threshold(confidence, agrees)
    covered = confidence >= threshold if threshold is not None else np.zeros(len(shares), bool)
    report = Report(
        examples=len(examples),
        rubric_mae=round(float(np.abs(rubric - shares).mean()), 4),
        adapted_mae=round(float(np.abs(held_out - shares).mean()), 4),
        rubric_agreement=round(float((np.abs(rubric - shares) <= AGREEMENT + 1e-9).mean()), 4),
        adapted_agreement=round(float(agrees.mean()), 4),
        coverage=round(float(covered.mean()), 4),
        coverage_agreement=round(float(agrees[covered].mean()) if covered.any() else 0.0, 4),
    )
    return AdaptedModel(
        question_id=question_id,
        keys=[e.key for e in examples],
        shares=[float(s) for s in shares],
        weights=[float(w) for w in weights],
        intercept=intercept,
        confidence_threshold=threshold,
        active=report.adapted_mae < report.rubric_mae,
        report=report,
    )


def predict(
    model: AdaptedModel,
    vectors: npt.NDArray[np.float32],
    rubric_share: float,
    reference: float,
    answer_vector: npt.NDArray[np.float32],
    exclude: str | None = None,
) -> Prediction:
    """The adapted share for one answer, with the graded answers it leaned on.

    ``exclude`` leaves one graded answer out of the neighbours: the answer's own grade when a
    graded attempt is graded again, so that no answer is scored by its own grade.
    """
    shares = np.asarray(model.shares)
    keys = model.keys
    if exclude is not None and exclude in keys:
        keep = np.array([k != exclude for k in keys])
        vectors, shares, keys = vectors[keep], shares[keep], [k for k in keys if k != exclude]
    row = answer_vector.reshape(1, -1)
    x = features(
        np.array([rubric_share]), np.array([reference]), neighbour_features(row, vectors, shares)
    )
    share = float(_predict(x, np.asarray(model.weights), model.intercept)[0])
    similarity = (row @ vectors.T)[0]
    nearest = np.argsort(-similarity)[:3]
    confidence = float(_confidence(x)[0])
    return Prediction(
        share=share,
        neighbours=[(keys[i], float(similarity[i]), float(shares[i])) for i in nearest],
        confidence=confidence,
        auto_accept=model.confidence_threshold is not None
        and confidence >= model.confidence_threshold,
    )


def pack(vectors: npt.NDArray[np.float32]) -> bytes:
    """The example vectors as bytes for storage (float16: 768 bytes per answer)."""
    import io

    buffer = io.BytesIO()
    np.save(buffer, vectors.astype(np.float16), allow_pickle=False)
    return buffer.getvalue()


def unpack(data: bytes) -> npt.NDArray[np.float32]:
    import io

    vectors: npt.NDArray[np.float32] = np.load(io.BytesIO(data), allow_pickle=False).astype(
        np.float32
    )
    return vectors
