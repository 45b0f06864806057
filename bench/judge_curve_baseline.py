"""What a trained judge's learning curve is to be read against: on the very answers the curve
is measured on (``grader train-judge``'s held-out sample of a unit), plain cosine between the
key point and the answer, and today's scorer (its shipped calibration was fitted on Mohler and
SemEval train only, so for the other units these figures are held out too).

    .venv/bin/python bench/judge_curve_baseline.py --unit digiklausur+stita [--json-out FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.cli.grading import DEFAULT_DATA_DIR, PUBLIC_DATA_DIR, judge_items
from grader.config import get_settings
from grader.evaluation.report import emit
from grader.learning.graded import in_turn
from grader.learning.judge_train import HELD_OUT_UNITS, JudgeTraining, point_text, unit_of
from grader.learning.share_figures import metrics
from grader.scorer_setup import build_scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit", choices=sorted(HELD_OUT_UNITS), required=True)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    plan = JudgeTraining()  # the sample's size and seed, as `grader train-judge` draws it
    items = judge_items(DEFAULT_DATA_DIR, PUBLIC_DATA_DIR)
    held = [i for i in items if unit_of(i.corpus) == args.unit and i.answer.strip()]
    sample = in_turn(held, plan.evaluate_answers, random.Random(plan.seed))
    scorer = build_scorer(get_settings().model_copy(update={"cache_dir": None}))
    scorer.judge = None
    gold = np.array([i.gold for i in sample])
    points = scorer.embedder.encode([point_text(i) for i in sample])
    answers = scorer.embedder.encode([i.answer for i in sample])
    cosine = np.einsum("ij,ij->i", points, answers)
    shipped = np.array([g.score for g in scorer.grade_many([(i.rubric, i.answer) for i in sample])])
    emit(
        {
            "unit": args.unit,
            "answers": len(sample),
            "shipped_calibration": scorer.calibration.version,
            "cosine": metrics(cosine, gold),
            "shipped": metrics(shipped, gold),
        },
        args.json_out,
    )


if __name__ == "__main__":
    main()
