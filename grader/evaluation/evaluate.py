"""Measure grading quality on human-graded answers, and fit the shipped calibration.

Every figure comes from a split where the fitted parts never see the answers they are scored
on: Mohler by assignment (12 folds), SemEval by question (10 folds, grouped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from grader.evaluation.fit import Floats, best_threshold, evidence_rows, fit_credit_model, fit_curve
from grader.learning.graded import GradedAnswer, off_question
from grader.scoring.analysis import Analysis
from grader.scoring.cache import EmbeddingCache
from grader.scoring.calibration import Calibration, uncalibrated
from grader.scoring.scorer import Scorer

NEGATIVE_WEIGHT = 1.0  # an off-question answer weighs as much as a graded one


def regression_metrics(predicted: Floats, gold: Floats, scale: float = 5.0) -> dict[str, float]:
    """Pearson r, RMSE and quadratic weighted kappa (half-point steps) on the 0..scale scale."""
    from scipy.stats import pearsonr
    from sklearn.metrics import cohen_kappa_score

    p, g = predicted * scale, gold * scale
    kappa = cohen_kappa_score(
        np.round(g * 2).astype(int), np.round(p * 2).astype(int), weights="quadratic"
    )
    return {
        "pearson_r": round(float(pearsonr(p, g)[0]), 4),
        "rmse": round(float(np.sqrt(np.mean((p - g) ** 2))), 4),
        "qwk": round(float(kappa), 4),
        "n": len(g),
    }


@dataclass(frozen=True)
class Negatives:
    """Off-question answers (grade 0) and their analyses, for fitting the credit model."""

    items: Sequence[GradedAnswer]
    analyses: Sequence[Analysis]

    def outside(self, groups: set[str]) -> list[Analysis]:
        """Those that touch none of ``groups``: neither the rubric's nor the answer's."""
        return [
            a
            for item, a in zip(self.items, self.analyses, strict=True)
            if item.group not in groups and item.source_group not in groups
        ]


def analyse_negatives(scorer: Scorer, items: Sequence[GradedAnswer]) -> Negatives:
    negatives = off_question(items)
    return Negatives(negatives, scorer.analyse_many([(n.rubric, n.answer) for n in negatives]))


def _fold_calibration(
    base: Calibration, analyses: Sequence[Analysis], gold: Floats, negatives: Sequence[Analysis]
) -> Calibration:
    """``base`` with its credit model refitted on ``analyses`` and the off-question answers."""
    rows = evidence_rows([*analyses, *negatives])
    labels = np.concatenate([gold, np.zeros(len(negatives))])
    weights = np.concatenate([np.ones(len(gold)), np.full(len(negatives), NEGATIVE_WEIGHT)])
    return base.model_copy(update={"credit": fit_credit_model(rows, labels, weights)})


@contextmanager
def calibrated(scorer: Scorer, calibration: Calibration) -> Iterator[None]:
    """Inside the block, ``scorer`` analyses and grades with ``calibration``."""
    previous, scorer.calibration = scorer.calibration, calibration
    try:
        yield
    finally:
        scorer.calibration = previous


@contextmanager
def embedding_once(scorer: Scorer) -> Iterator[None]:
    """Inside the block, ``scorer``'s model embeds each text once (kept in memory): for
    evaluations that analyse the same answers again with other fitted numbers."""
    embedder = scorer.embedder
    scorer.embedder = EmbeddingCache(embedder)
    try:
        yield
    finally:
        scorer.embedder = embedder


def _scores(scorer: Scorer, calibration: Calibration, analyses: Sequence[Analysis]) -> Floats:
    with calibrated(scorer, calibration):
        return np.array([scorer.finish(a).score for a in analyses])


def cross_validate(
    scorer: Scorer,
    items: Sequence[GradedAnswer],
    analyses: Sequence[Analysis],
    folds: list[np.ndarray],
    negatives: Negatives,
) -> Floats:
    """Out-of-fold scores: each fold is scored by a calibration fitted on the other folds."""
    gold = np.array([i.gold for i in items])
    predicted = np.zeros(len(items))
    for test in folds:
        train = np.setdiff1d(np.arange(len(items)), test)
        calibration = _fold_calibration(
            scorer.calibration,
            [analyses[i] for i in train],
            gold[train],
            negatives.outside({items[i].group for i in test}),
        )
        predicted[test] = _scores(scorer, calibration, [analyses[i] for i in test])
    return predicted


def cosine_baseline(
    scorer: Scorer, items: Sequence[GradedAnswer], folds: list[np.ndarray]
) -> Floats:
    """Plain cosine(answer, reference answer), mapped by isotonic regression fitted per fold."""
    from sklearn.isotonic import IsotonicRegression

    answers = scorer.embedder.encode([i.answer for i in items])
    references = scorer.cache.encode([i.rubric.reference_answer for i in items])
    cosine = np.sum(answers * references, axis=1).astype(np.float64)
    gold = np.array([i.gold for i in items])
    predicted = np.zeros(len(items))
    for test in folds:
        train = np.setdiff1d(np.arange(len(items)), test)
        isotonic = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(
            cosine[train], gold[train]
        )
        predicted[test] = isotonic.predict(cosine[test])
    return predicted


def group_folds(groups: Sequence[str], count: int | None = None) -> list[np.ndarray]:
    """One fold per group (count=None), or ``count`` folds of whole groups, deterministically."""
    names = sorted(set(groups), key=lambda g: (len(g), g))
    labels = np.array(groups)
    if count is None:
        return [np.flatnonzero(labels == name) for name in names]
    buckets: list[list[str]] = [[] for _ in range(count)]
    for index, name in enumerate(sorted(names)):
        buckets[index % count].append(name)
    return [np.flatnonzero(np.isin(labels, bucket)) for bucket in buckets]


def out_of_fold_scores(scorer: Scorer, items: Sequence[GradedAnswer]) -> Floats:
    """Each answer scored by a calibration fitted on the other folds (grouped by the items'
    group: Mohler's assignments)."""
    analyses = scorer.analyse_many([(i.rubric, i.answer) for i in items])
    folds = group_folds([i.group for i in items])
    return cross_validate(scorer, items, analyses, folds, analyse_negatives(scorer, items))


def evaluate_mohler(
    scorer: Scorer, items: Sequence[GradedAnswer], progress: Callable[[str], None] = print
) -> dict[str, Any]:
    folds = group_folds([i.group for i in items])
    progress(f"mohler: analysing {len(items)} answers")
    gold = np.array([i.gold for i in items])
    scored = out_of_fold_scores(scorer, items)
    baseline = cosine_baseline(scorer, items, folds)
    multi = np.array([len(i.rubric.criteria) > 1 for i in items])
    result: dict[str, Any] = {
        "split": f"{len(folds)}-fold by assignment; calibration fitted on the other folds",
        "scorer": regression_metrics(scored, gold),
        "cosine_baseline": regression_metrics(baseline, gold),
    }
    if multi.sum() > 2:
        result["answers_to_multi_point_references"] = {
            "scorer": regression_metrics(scored[multi], gold[multi]),
            "cosine_baseline": regression_metrics(baseline[multi], gold[multi]),
        }
    return result


def evaluate_semeval(
    scorer: Scorer, items: Sequence[GradedAnswer], progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """2-way and 3-way macro-F1, 10 question-grouped folds, per corpus and overall."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    pairs = [(i.rubric, i.answer) for i in items]
    gold = np.array([i.gold for i in items])
    labels3 = np.array([i.label for i in items])
    corpora = np.array([i.corpus for i in items])
    folds = group_folds([i.group for i in items], count=10)
    two_way = np.zeros(len(items), dtype=bool)
    three_way = np.empty(len(items), dtype=object)
    # The shipped match curve was fitted on these answers, and the analysis reads its centre
    # (clear support, denials, swapped roles): each fold analyses every answer again with a
    # curve fitted on its training folds only, from an analysis with the data-free curve, as
    # `grader calibrate` starts. The model embeds each text once.
    with embedding_once(scorer):
        with calibrated(scorer, uncalibrated(scorer.embedder.model_id)):
            progress(f"semeval: analysing {len(items)} answers with the data-free curve")
            neutral = scorer.analyse_many(pairs)
        for number, test in enumerate(folds, 1):
            train = np.setdiff1d(np.arange(len(items)), test)
            curve = fit_curve([neutral[i] for i in train], gold[train] > 0.5)
            base = scorer.calibration.model_copy(update={"criterion": curve})
            progress(f"semeval: fold {number}/{len(folds)}: centre {curve.center:.3f}")
            with calibrated(scorer, base):
                analyses = scorer.analyse_many(pairs)
                negatives = analyse_negatives(scorer, items)
            train_analyses = [analyses[i] for i in train]
            calibration = _fold_calibration(
                base, train_analyses, gold[train], negatives.outside({items[i].group for i in test})
            )
            train_scores = _scores(scorer, calibration, train_analyses)
            test_analyses = [analyses[i] for i in test]
            test_scores = _scores(scorer, calibration, test_analyses)
            cut = best_threshold(train_scores, gold[train] > 0.5)
            two_way[test] = test_scores >= cut
            train_x = _three_way_features(scorer, calibration, train_analyses, train_scores)
            test_x = _three_way_features(scorer, calibration, test_analyses, test_scores)
            classifier = LogisticRegression(max_iter=2000, class_weight="balanced").fit(
                train_x, labels3[train]
            )
            three_way[test] = classifier.predict(test_x)
    result: dict[str, Any] = {
        "split": "10 folds grouped by question; the match curve and the credit model fitted on "
        "the other folds, and every answer analysed with that fold's curve"
    }
    for corpus in ("beetle", "sciEntsBank", "all"):
        mask = np.ones(len(items), dtype=bool) if corpus == "all" else corpora == corpus
        if not mask.any():
            continue
        result[corpus] = {
            "macro_f1_2way": round(
                float(f1_score(gold[mask] > 0.5, two_way[mask], average="macro")), 4
            ),
            "macro_f1_3way": round(
                float(f1_score(labels3[mask], three_way[mask].astype(str), average="macro")), 4
            ),
            "n": int(mask.sum()),
        }
    return result


def _three_way_features(
    scorer: Scorer, calibration: Calibration, analyses: Sequence[Analysis], scores: Floats
) -> Floats:
    """Score, features and contradiction cues (a denial or swap of a key point)."""
    base = evidence_rows(analyses)
    contradiction = np.array(
        [
            [
                float(any(m.note in ("negated", "roles swapped") for m in a.matches)),
                float(bool(a.misconceptions)),
            ]
            for a in analyses
        ]
    )
    return np.hstack([scores[:, None], base, contradiction])


def calibrate(
    scorer: Scorer,
    mohler: Sequence[GradedAnswer],
    semeval: Sequence[GradedAnswer],
    progress: Callable[[str], None] = print,
) -> Calibration:
    """Fit the shipped calibration.

    The match curve comes from SemEval's correct/incorrect labels on one-point rubrics; the
    credit model from both sets' grades on one-point rubrics (SemEval's labels as 0/1, Mohler's
    0..5 as a share), so it learns from clearly wrong answers as well as lenient graders; the
    verdict thresholds are declared (:class:`VerdictThresholds`), not fitted: they say what the
    points mean, so a fitted cut can never call an answer that misses half the points correct.
    """
    with embedding_once(scorer):  # SemEval is analysed twice; embed it once
        semeval_pairs = [(i.rubric, i.answer) for i in semeval]
        progress(f"calibrate: analysing {len(semeval)} SemEval answers for the criterion curve")
        analyses = scorer.analyse_many(semeval_pairs)
        curve = fit_curve(analyses, np.array([i.gold > 0.5 for i in semeval]))
        scorer.calibration = scorer.calibration.model_copy(update={"criterion": curve})
        progress("calibrate: analysing both sets again with that curve, for the credit model")
        analyses = scorer.analyse_many(semeval_pairs)
        mohler_analyses = scorer.analyse_many([(i.rubric, i.answer) for i in mohler])
        mohler_gold = np.array([i.gold for i in mohler])
        semeval_gold = np.array([i.gold for i in semeval])
        progress("calibrate: analysing answers set against other questions' rubrics")
        negatives = [
            *analyse_negatives(scorer, semeval).analyses,
            *analyse_negatives(scorer, mohler).analyses,
        ]
        provisional = _fold_calibration(
            scorer.calibration,
            [*analyses, *mohler_analyses],
            np.concatenate([semeval_gold, mohler_gold]),
            negatives,
        )
    return provisional.model_copy(
        update={
            "version": datetime.now(UTC).strftime("%Y-%m-%d.%H%M%S"),
            "model_id": scorer.embedder.model_id,
            "fitted_on": (
                f"match curve: SemEval-2013 train 2-way labels ({len(semeval)} answers); "
                f"credit model: those and the Mohler 2011 standard set ({len(mohler)} answers, "
                "0..5 as a share) and off-question answers as grade 0; verdicts: declared"
            ),
        }
    )
