"""Fit the calibration on graded answers: match curve, credit model, verdict thresholds.

1. The match curve (similarity → "is this unit clear support?") is a logistic regression of
   "correct" on the similarity of answers to one-point rubrics; the analysis uses its center
   to tell clear support from a weaker match.
2. The credit model is a logistic regression (non-negative weights) of the graded share of
   the marks on one criterion's evidence (:data:`grader.scoring.credit.CREDIT_FEATURES`),
   fitted on one-point rubrics, where the whole grade is that criterion's credit. Grades in
   0..1 are soft labels. Answers to *other* questions of the same course, graded against this
   question's rubric, are added as answers that make no point (grade 0): graded sets hold few
   on-topic answers that miss the point entirely, and lenient graders would otherwise teach
   the model that saying something earns something.
3. Verdict thresholds maximise macro-F1 on labelled answers (correct vs not; at least half
   marks vs less).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from grader.scoring.analysis import Analysis
from grader.scoring.calibration import CreditModel, CriterionCurve
from grader.scoring.credit import criterion_features
from grader.scoring.features import CREDIT_FEATURES, JUDGE_FEATURE

Floats = npt.NDArray[np.float64]


def fit_curve(analyses: Sequence[Analysis], is_correct: npt.NDArray[np.bool_]) -> CriterionCurve:
    """The similarity → clear-support curve, from answers judged correct or not.

    With a single criterion (the reference answer), "the answer is correct" is "the point is
    made", so a logistic regression of correctness on the criterion's similarity is the
    probability that a point is made at a given similarity.
    """
    similarity = np.array([a.matches[0].similarity if a.matches else 0.0 for a in analyses])
    return curve_of(similarity, is_correct)


def curve_of(similarity: Floats, is_correct: npt.NDArray[np.bool_]) -> CriterionCurve:
    """The clear-support curve fitted on each answer's similarity to its one criterion."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0).fit(np.asarray(similarity)[:, None], is_correct)
    slope, intercept = float(model.coef_[0][0]), float(model.intercept_[0])
    if slope <= 0:
        raise ValueError("similarity does not predict correctness on these answers")
    return CriterionCurve(center=-intercept / slope, width=1.0 / slope)


def evidence_rows(analyses: Sequence[Analysis]) -> Floats:
    """The single criterion's evidence row of each one-criterion analysis."""
    return np.array(
        [
            criterion_features(a)[0] if a.matches else np.zeros(len(CREDIT_FEATURES))
            for a in analyses
        ],
        dtype=np.float64,
    )


def fit_credit_model(
    rows: Floats,
    gold: Floats,
    weights: Floats | None = None,
    l2: float = 1e-3,
    names: Sequence[str] | None = None,
) -> CreditModel:
    """Logistic regression of the graded share (a soft label in 0..1) on the evidence rows.

    The weights are kept non-negative, so more evidence never lowers the credit. Rows without
    evidence (refused answers) are left out: they earn 0 whatever is fitted. ``weights`` weigh
    the rows (the off-question answers, for instance).
    """
    from scipy.optimize import minimize

    keep = rows.any(axis=1)
    x, y = rows[keep], gold[keep]
    w = np.ones(len(y)) if weights is None else weights[keep]

    def loss(params: Floats) -> tuple[float, Floats]:
        z = x @ params[:-1] + params[-1]
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
        eps = 1e-9
        value = -np.sum(w * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) / w.sum()
        residual = w * (p - y) / w.sum()
        gradient = np.r_[x.T @ residual + 2 * l2 * params[:-1], residual.sum()]
        return float(value + l2 * np.sum(params[:-1] ** 2)), gradient

    start = np.r_[np.ones(x.shape[1]), -2.0]
    bounds = [(0.0, None)] * x.shape[1] + [(None, None)]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return CreditModel(
        features=list(names or _names(rows.shape[1])),
        weights=[float(v) for v in result.x[:-1]],
        intercept=float(result.x[-1]),
    )


def _names(width: int) -> list[str]:
    """Today's signals, and the judge's log-odds when the rows carry it (always last)."""
    return [*CREDIT_FEATURES, JUDGE_FEATURE][:width]


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
