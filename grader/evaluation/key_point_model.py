"""Fitting and measuring the key-point model (:mod:`grader.learning.keypoint_model`) on graded
sets with one reference per question (`grader eval key-points`).

On such a set the key point is the reference and "met" is the graders' share at least half.
Per question, ``k`` answers are decided (their gold label, in seeded orders); each later answer
is one row: the model's inputs from the decided answers (their labels, the judge's share on
them, their cosine to it) and its own share, and its gold label. The share must come from
nothing fitted on the set (out-of-fold or the shipped calibration, as
:func:`grader.evaluation.course_data.course_inputs` gives it). Every figure is leave one set
out: the model that decides a set's answers was fitted on the other sets only.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from grader.evaluation.course_data import CourseInputs
from grader.learning.keypoint_examples import KeyPointExample, decisions_of, shows_wrong
from grader.learning.keypoint_model import FEATURES, KeyPointModel, features
from grader.scoring.grade import MET

DECIDED = (1, 3, 10)
ORDERS = 5


@dataclass(frozen=True)
class Rows:
    """One data set's rows for one number of decided answers per question."""

    inputs: npt.NDArray[np.float64]  # one row of :data:`FEATURES` per later answer
    met: npt.NDArray[np.bool_]  # the graders' label
    without_model: npt.NDArray[np.bool_]  # the nearest example, else the line, else the judge
    judge_met: npt.NDArray[np.bool_]
    settled: npt.NDArray[np.bool_]  # the nearest example or the line decided (without model)
    # A decided answer showed the judge wrong on the side of its verdict here (the doubt,
    # grader.learning.keypoint_examples.doubts).
    shown_wrong: npt.NDArray[np.bool_]


def set_rows(data: CourseInputs, decided: int, orders: int = ORDERS) -> Rows:
    """The rows of ``data`` with ``decided`` answers per question decided, in ``orders``
    seeded orders (a question with no more answers than that gives none)."""
    questions = np.asarray(data.questions)
    share = data.rubric
    met = data.gold >= 0.5
    norms = np.linalg.norm(data.vectors, axis=1, keepdims=True)
    vectors = data.vectors / np.maximum(norms, 1e-9)
    inputs, labels, without, judged, settled, shown = [], [], [], [], [], []
    for question in sorted(set(data.questions)):
        index = [int(i) for i in np.flatnonzero(questions == question)]
        if len(index) <= decided:
            continue
        for order in range(orders):
            sequence = list(index)
            random.Random(order).shuffle(sequence)
            chosen, later = sequence[:decided], sequence[decided:]
            examples = [
                KeyPointExample("point", bool(met[i]), i, "", float(share[i])) for i in chosen
            ]
            similarity = vectors[later] @ vectors[chosen].T
            for row, j in enumerate(later):
                credit = float(share[j])
                decisions = decisions_of(credit, examples, [float(s) for s in similarity[row]])
                inputs.append(features(credit, decisions))
                labels.append(bool(met[j]))
                verdict = decisions.nearest_met
                if verdict is None:
                    verdict = decisions.line
                judged.append(credit >= MET)
                without.append(credit >= MET if verdict is None else verdict)
                settled.append(verdict is not None)
                shown.append(
                    any(shows_wrong(e.met, float(share[e.attempt_id]), credit >= MET)
                        for e in examples)
                )  # fmt: skip
    return Rows(
        np.array(inputs, dtype=np.float64).reshape(len(inputs), len(FEATURES)),
        np.array(labels, dtype=bool),
        np.array(without, dtype=bool),
        np.array(judged, dtype=bool),
        np.array(settled, dtype=bool),
        np.array(shown, dtype=bool),
    )


def fit_model(rows: list[Rows], margin: float, fitted_on: dict[str, Any]) -> KeyPointModel:
    """A logistic regression over the pooled rows."""
    from sklearn.linear_model import LogisticRegression

    inputs = np.vstack([r.inputs for r in rows])
    labels = np.concatenate([r.met for r in rows])
    fitted = LogisticRegression(max_iter=3000).fit(inputs, labels)
    return KeyPointModel(
        [round(float(w), 6) for w in fitted.coef_[0]], round(float(fitted.intercept_[0]), 6),
        margin=margin, fitted_on={**fitted_on, "rows": len(labels)},
    )  # fmt: skip


def held_out(
    sets: Mapping[str, CourseInputs],
    *,
    decided: tuple[int, ...] = DECIDED,
    margins: tuple[float, ...] = (0.0, 0.1, 0.2),
    shipped_margin: float = 0.1,
) -> dict[str, Any]:
    """Each set held out in turn: the model fitted on the others' rows (every ``decided``
    pooled) decides its later answers. Per set and ``k``: how often the met/not-met verdict is
    the graders', without the model (nearest example, line, judge) and with it at each of
    ``margins`` (undecided within the margin: as without it), and the share it decides at
    ``shipped_margin``."""
    rows = {(name, k): set_rows(data, k) for name, data in sets.items() for k in decided}
    report: dict[str, Any] = {}
    for name in sets:
        others = [r for (other, _), r in rows.items() if other != name and len(r.met)]
        if not others:
            report[name] = "no other set to fit on"
            continue
        model = fit_model(others, shipped_margin, {})
        report[name] = {}
        for k in decided:
            found = rows[(name, k)]
            if not len(found.met):
                continue
            probability = model.probabilities(found.inputs)
            certainty = np.abs(probability - 0.5)
            entry: dict[str, Any] = {
                "later_answers": len(found.met),
                "without_model_right": _share(found.without_model == found.met),
            }
            for margin in margins:
                entry[f"with_model_right, margin {margin}"] = _share(
                    _with_model(probability, margin, found.without_model) == found.met
                )
            sure = certainty >= shipped_margin
            entry["decided_by_model"] = _share(sure)
            # Review as the service sends it: a turned verdict, or a doubt where the judge's
            # verdict stands (the model keeping it unsure counts as standing).
            verdict = _with_model(probability, shipped_margin, found.without_model)
            unsure = certainty < model.settles_from
            doubted = found.shown_wrong & np.where(
                sure, (verdict == found.judge_met) & unsure, ~found.settled
            )  # fmt: skip
            before = (found.without_model != found.judge_met) | (found.shown_wrong & ~found.settled)
            after = (verdict != found.judge_met) | doubted
            entry["without_model_review"] = _share(before)
            entry["with_model_review"] = _share(after)
            entry["without_model_wrong_unflagged"] = _share(
                (found.without_model != found.met) & ~before
            )
            entry["with_model_wrong_unflagged"] = _share((verdict != found.met) & ~after)
            report[name][str(k)] = entry
    return report


def fit_on_all(
    sets: Mapping[str, CourseInputs], *, decided: tuple[int, ...] = DECIDED, margin: float = 0.1
) -> KeyPointModel:
    """The model to ship: fitted on every set's rows, every ``decided`` pooled.

    Raises:
        ValueError: no set has a question with more answers than ``decided``.
    """
    rows = [set_rows(data, k) for data in sets.values() for k in decided]
    rows = [r for r in rows if len(r.met)]
    if not rows:
        raise ValueError("no graded set with more answers per question than decided")
    fitted_on = {
        "sets": sorted(sets), "decided_per_question": list(decided), "orders": ORDERS,
    }  # fmt: skip
    return fit_model(rows, margin, fitted_on)


def _with_model(
    probability: npt.NDArray[np.float64], margin: float, without: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """The verdicts with the model deciding where it is sure by ``margin``, as
    :meth:`KeyPointModel.verdict` does, and ``without`` it (the rules) elsewhere."""
    return np.where(np.abs(probability - 0.5) >= margin, probability >= 0.5, without)


def _share(flags: npt.NDArray[np.bool_]) -> float:
    return round(float(np.mean(flags)), 3)
