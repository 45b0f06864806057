"""How grades given as a share of the marks compare with graders' shares: the figures the judge
benchmark reports per data set and the judge's training measures on its held-out unit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
RIGHT, WRONG = 0.8, 0.2  # gold shares that make an answer right / wrong for the error rates


def metrics(predicted: Floats, gold: Floats) -> dict[str, float]:
    """r, RMSE, macro-F1 at half marks, and the two error rates."""
    from scipy.stats import pearsonr
    from sklearn.metrics import f1_score

    right, wrong = gold >= RIGHT, gold <= WRONG
    r = float(pearsonr(predicted, gold)[0]) if np.std(predicted) > 0 else 0.0
    return {
        "pearson_r": round(r, 3),
        "rmse": round(float(np.sqrt(np.mean((predicted - gold) ** 2))), 3),
        "f1_half": round(float(f1_score(gold >= 0.5, predicted >= 0.5, average="macro")), 3),
        "right_under_half": round(float((predicted[right] < 0.5).mean()), 3) if right.any() else 0,
        "wrong_over_half": round(float((predicted[wrong] > 0.5).mean()), 3) if wrong.any() else 0,
        "answers": len(gold),
    }
