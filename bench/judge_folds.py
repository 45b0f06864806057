"""What every bench of a candidate signal starts from: the judge benchmark's answers, analysed in
every fold (``grader eval judge``'s sample and cache), with the scorer that analysed them."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.cli.grading import DEFAULT_DATA_DIR, PUBLIC_DATA_DIR, judge_items
from grader.config import Settings, get_settings
from grader.evaluation.judge_bench import Folds, benchmark_folds
from grader.learning.graded import GradedAnswer
from grader.scorer_setup import build_scorer
from grader.scoring.scorer import Scorer


@dataclass(frozen=True)
class JudgeFolds:
    settings: Settings
    scorer: Scorer  # without the judge, as `grader eval judge` analyses
    answers: list[GradedAnswer]  # in the rows' order
    folds: Folds


def judge_folds() -> JudgeFolds:
    settings = get_settings()
    scorer = build_scorer(settings.model_copy(update={"cache_dir": None}))  # as `eval judge`
    scorer.judge = None
    items = judge_items(DEFAULT_DATA_DIR, PUBLIC_DATA_DIR)
    answers, folds = benchmark_folds(scorer, items, cache_dir=settings.cache_dir)
    return JudgeFolds(settings, scorer, answers, folds)
