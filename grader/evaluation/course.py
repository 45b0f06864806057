"""`grader eval course`: an instructor who grades K answers per question, then lets it grade.

For each question and each draw, K graded answers are picked at random; the question's adapted
model is fitted on them alone and grades the rest, next to the rubric-only grade of the same
answers and a plain nearest-neighbour baseline (the graded answers' similarity-weighted grade).
Coverage is the share of the rest that the model would auto-accept, and agreement is measured
on those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from grader.evaluation.evaluate import regression_metrics
from grader.learning import adapt

Floats = npt.NDArray[np.float64]


def simulate(
    questions: Sequence[str],
    gold: Floats,
    rubric: Floats,
    reference: Floats,
    vectors: npt.NDArray[np.float32],
    budget: int,
    draws: int = 3,
    scale: float = 5.0,
) -> dict[str, Any]:
    """Metrics for the answers left ungraded, over ``draws`` random orders (seeded)."""
    labels = np.asarray(questions)
    served, everywhere, plain, truth = [], [], [], []
    neighbours: list[float] = []
    accepted, agreed, active, fitted = 0, 0, 0, 0
    for draw in range(draws):
        rng = np.random.default_rng(draw)
        for question in sorted(set(questions)):
            index = rng.permutation(np.flatnonzero(labels == question))
            graded, rest = index[:budget], index[budget:]
            if len(graded) < min(budget, adapt.MIN_EXAMPLES) or len(rest) == 0:
                continue
            examples = [
                adapt.Example(
                    str(i), float(gold[i]), vectors[i], float(rubric[i]), float(reference[i])
                )
                for i in graded
            ]
            model = adapt.fit(question, examples, min_examples=min(budget, adapt.MIN_EXAMPLES))
            fitted += 1
            active += model.active
            model_vectors = vectors[graded]
            # The plain nearest-neighbour baseline: the graded answers' similarity-weighted grade.
            baseline = adapt.neighbour_features(vectors[rest], model_vectors, gold[graded])[:, 0]
            neighbours.extend(float(b) for b in baseline)
            for i in rest:
                prediction = adapt.predict(
                    model, model_vectors, float(rubric[i]), float(reference[i]), vectors[i]
                )
                everywhere.append(prediction.share)
                served.append(prediction.share if model.active else float(rubric[i]))
                plain.append(float(rubric[i]))
                truth.append(float(gold[i]))
                if prediction.auto_accept:
                    accepted += 1
                    agreed += abs(prediction.share - gold[i]) <= adapt.AGREEMENT + 1e-9
    truth_array = np.array(truth)
    if len(truth) < 2:
        return {"budget": budget, "draws": draws, "answers_predicted": len(truth)}
    return {
        "budget": budget,
        "draws": draws,
        "answers_predicted": len(truth),
        "questions_fitted": fitted,
        "models_activated": active,
        "rubric_only": regression_metrics(np.array(plain), truth_array, scale),
        "adapted_where_better": regression_metrics(np.array(served), truth_array, scale),
        "adapted_everywhere": regression_metrics(np.array(everywhere), truth_array, scale),
        "neighbours_only": regression_metrics(np.array(neighbours), truth_array, scale),
        "coverage_at_90": round(accepted / max(1, len(truth)), 4),
        "agreement_of_covered": round(agreed / max(1, accepted), 4),
        "agreement_tolerance": adapt.AGREEMENT,
    }
