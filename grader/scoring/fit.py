"""Fit the calibration on graded answers: criterion curve, score model, verdict thresholds.

1. The criterion curve (similarity → credit) is a logistic regression of "correct" on the
   similarity of answers to one-point rubrics (a point is made or not).
2. A ridge regression over all features, then isotonic regression, maps an answer to 0..1.
3. Verdict thresholds maximise macro-F1 on labelled answers (correct vs not; at least partly
   right vs wrong).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from grader.scoring.analysis import Analysis
from grader.scoring.calibration import FEATURES, CriterionCurve, ScoreMap
from grader.scoring.features import feature_vector

Floats = npt.NDArray[np.float64]


def fit_curve(analyses: Sequence[Analysis], is_correct: npt.NDArray[np.bool_]) -> CriterionCurve:
    """The similarity → credit curve, from answers judged correct or not on one-point rubrics.

    With a single criterion (the reference answer), "the answer is correct" is "the point is
    made", so a logistic regression of correctness on the criterion's similarity is the
    probability that a point is made at a given similarity.
    """
    from sklearn.linear_model import LogisticRegression

    similarity = np.array([[a.matches[0].similarity if a.matches else 0.0] for a in analyses])
    model = LogisticRegression(C=100.0).fit(similarity, is_correct)
    slope, intercept = float(model.coef_[0][0]), float(model.intercept_[0])
    if slope <= 0:
        raise ValueError("similarity does not predict correctness on these answers")
    return CriterionCurve(center=-intercept / slope, width=1.0 / slope)


def feature_matrix(analyses: Sequence[Analysis], curve: CriterionCurve) -> Floats:
    return np.array([feature_vector(a, curve) for a in analyses], dtype=np.float64)


def fit_score_map(features: Floats, gold: Floats, alpha: float = 1.0) -> ScoreMap:
    """Ridge regression, then an isotonic map of its output onto the gold scale (0..1)."""
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import Ridge

    ridge = Ridge(alpha=alpha).fit(features, gold)
    raw = ridge.predict(features)
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, gold)
    return ScoreMap(
        features=list(FEATURES),
        weights=[float(w) for w in ridge.coef_],
        intercept=float(ridge.intercept_),
        iso_x=[float(x) for x in isotonic.X_thresholds_],
        iso_y=[float(y) for y in isotonic.y_thresholds_],
    )


def best_threshold(scores: Floats, positive: npt.NDArray[np.bool_]) -> float:
    """The cut on ``scores`` that maximises macro-F1 of ``score >= cut`` vs ``positive``."""
    from sklearn.metrics import f1_score

    candidates = np.unique(np.round(scores, 3))
    best, best_f1 = 0.5, -1.0
    for cut in candidates[(candidates > 0.02) & (candidates < 0.98)]:
        f1 = f1_score(positive, scores >= cut, average="macro")
        if f1 > best_f1:
            best, best_f1 = float(cut), float(f1)
    return best
