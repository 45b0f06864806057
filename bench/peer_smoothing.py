"""Does a grade move nearer the graders' when it leans on the class's alike answers? (issue 32,
item 3: a learned signal that reads no grade; measured, not shipped.)

    .venv/bin/python bench/peer_smoothing.py [--json-out FILE]

The judge benchmark's sample and folds (``grader eval judge``: the same cache). Each answer's
held-out share (the *features* candidate, leave one data set out, and the *shipped* calibration
on the four sets it never saw) is pulled towards the shares of the same question's other answers
whose embedding is at least ``tau`` cosine-alike, weighted by their likeness:

    share' = (1 - s) * share + s * peers,  s = lam * mass / (mass + 1)

where ``mass`` is the summed likeness of those answers (one alike answer moves a share less than
five). No grade is read to compute it: a course could do it with its class's answers alone.
``tau`` and ``lam`` are chosen per held-out data set on the other sets (mean r within a set),
so every figure is held out. The answers of a question are all taken as peers (the class at
the end of term: the most the signal could ever see).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.judge_folds import judge_folds
from grader.evaluation.fit import Floats
from grader.evaluation.judge_bench import CALIBRATION_SETS, predictions
from grader.evaluation.report import emit
from grader.learning.share_figures import metrics

TAUS = (0.5, 0.6, 0.7, 0.8, 0.9)
LAMS = (0.0, 0.25, 0.5, 0.75, 1.0)


def smoothed(
    share: Floats, groups: Sequence[np.ndarray], vectors: Floats, tau: float, lam: float
) -> Floats:
    out = share.copy()
    for index in groups:
        alike = vectors[index] @ vectors[index].T
        np.fill_diagonal(alike, -1.0)  # never its own peer
        weight = np.where(alike >= tau, np.clip(alike, 0.0, 1.0), 0.0)
        mass = weight.sum(axis=1)
        peers = np.divide(weight @ share[index], mass, out=share[index].copy(), where=mass > 0)
        pull = lam * mass / (mass + 1.0)
        out[index] = (1 - pull) * share[index] + pull * peers
    return out


def within_r(share: Floats, gold: Floats, keep: np.ndarray) -> float:
    return float(np.corrcoef(share[keep], gold[keep])[0, 1])


def measure(
    share: Floats, gold: Floats, dataset: np.ndarray, real: np.ndarray, sets: list[str],
    groups: Sequence[np.ndarray], vectors: Floats,
) -> dict[str, Any]:  # fmt: skip
    grid = list(itertools.product(TAUS, LAMS))
    candidates = {g: smoothed(share, groups, vectors, *g) for g in grid}
    out = share.copy()
    chosen = {}
    for held in sets:
        others = [real & (dataset == s) for s in sets if s != held]
        best = max(grid, key=lambda g: np.mean([within_r(candidates[g], gold, k) for k in others]))
        chosen[held] = {"tau": best[0], "lam": best[1]}
        keep = real & (dataset == held)
        out[keep] = candidates[best][keep]
    every = real & np.isin(dataset, sets)
    return {
        "chosen_on_the_other_sets": chosen,
        "by_dataset": {
            s: {
                "before": metrics(share[real & (dataset == s)], gold[real & (dataset == s)]),
                "after": metrics(out[real & (dataset == s)], gold[real & (dataset == s)]),
            }
            for s in sets
        },
        "all": {
            "before": metrics(share[every], gold[every]),
            "after": metrics(out[every], gold[every]),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    bench = judge_folds()
    scorer, analysed, folds = bench.scorer, bench.answers, bench.folds
    rows = folds.held_out()
    predicted = predictions(folds, None)
    real = ~np.array(rows.anchor)
    gold = np.array(rows.gold)
    dataset = np.array(rows.dataset)
    question = np.array([f"{rows.dataset[i]}/{item.rubric.id}" for i, item in enumerate(analysed)])
    groups = [np.where(real & (question == q))[0] for q in sorted(set(question[real]))]
    vectors = np.asarray(scorer.embedder.encode([item.answer for item in analysed]), dtype=float)
    every = sorted(set(dataset[real]))
    report = {
        "peers": "every other answer to the same question, at least tau cosine-alike",
        "features": measure(predicted["features"], gold, dataset, real, every, groups, vectors),
        "shipped": measure(
            predicted["shipped"],
            gold,
            dataset,
            real,
            [s for s in every if s not in CALIBRATION_SETS],
            groups,
            vectors,
        ),
    }
    emit(report, args.json_out)


if __name__ == "__main__":
    main()
