"""What each hand rule of the scoring code adds on data sets it was never written for (`grader
eval rules`).

Each rule (:data:`grader.scoring.rules.RULES`) is switched off in turn and the same answers are
graded again with the shipped scorer. The deciding answers are the public sets the shipped
calibration was never fitted on (the judge benchmark's sample of them: no number of the scorer
was fitted on their grades, and the rules were written before anyone here read them); the
figures are the judge benchmark's (Pearson r, RMSE, macro-F1 at half marks, right answers given
under half, wrong answers given over half). Each rule also reports how many of those answers it
changes at all: a rule that changes none is not shown to help on held-out data. Our own checks
(the trap set, the own-words and reused-words answers) are reported beside them, marked as ours:
the rules were written with those sentences in view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.evaluation.evaluate import embedding_once, out_of_fold_scores
from grader.evaluation.fit import Floats
from grader.learning.graded import GradedAnswer
from grader.learning.share_figures import metrics
from grader.scoring import rules
from grader.scoring.scorer import Scorer

CHANGED = 0.01  # a share of the marks that moved by more than this was changed by the rule


def shares(scorer: Scorer, items: Sequence[GradedAnswer]) -> Floats:
    """``scorer``'s share of the marks for each answer, as it grades them."""
    return np.array([g.score for g in scorer.grade_many([(i.rubric, i.answer) for i in items])])


def figures(
    predicted: Floats, items: Sequence[GradedAnswer], dataset_of: Callable[[Any], str]
) -> dict[str, dict[str, float]]:
    """The benchmark's figures per data set and over all of them."""
    gold = np.array([item.gold for item in items])
    names = np.array([dataset_of(item) for item in items])
    found = {n: metrics(predicted[names == n], gold[names == n]) for n in sorted(set(names))}
    found["all"] = metrics(predicted, gold)
    return found


def ablation(
    scorer: Scorer,
    items: Sequence[GradedAnswer],
    dataset_of: Callable[[Any], str],
    ours: Callable[[], dict[str, Any]],
    progress: Callable[[str], None] = print,
    names: Sequence[str] = tuple(rules.RULES),
    key_point_items: Sequence[GradedAnswer] = (),
) -> dict[str, Any]:
    """Every rule in ``names`` switched off in turn, against all of them on: the figures on
    ``items`` (held out), how many answers the rule changes, ``ours()`` (our own checks), and,
    with ``key_point_items`` (answers to rubrics of several key points), their out-of-fold
    figures (rules about several key points act only there: the public sets have one per
    question)."""
    with embedding_once(scorer):
        progress(f"rules: every rule on, {len(items)} answers")
        baseline = shares(scorer, items)
        report: dict[str, Any] = {
            "answers": len(items),
            "all_rules": {"held_out": figures(baseline, items, dataset_of), "ours": ours()},
            "without": {},
        }
        if key_point_items:
            key_points_base = out_of_fold_scores(scorer, key_point_items)
            report["all_rules"]["key_point_rubrics"] = figures(
                key_points_base, key_point_items, dataset_of
            )["all"]
        for name in names:
            progress(f"rules: without {name}")
            with rules.switched_off(name):
                without = shares(scorer, items)
                own = ours()
                if key_point_items:
                    key_points = out_of_fold_scores(scorer, key_point_items)
            moved = np.abs(without - baseline) > CHANGED
            changed_sets = sorted({dataset_of(i) for i, m in zip(items, moved, strict=True) if m})
            found: dict[str, Any] = {
                "does": rules.RULES[name],
                "answers_changed": int(moved.sum()),
                "sets_changed": changed_sets,
                "held_out": figures(without, items, dataset_of),
                "ours": own,
            }
            if key_point_items:
                moved_there = np.abs(key_points - key_points_base) > CHANGED
                found["key_point_rubrics"] = {
                    **figures(key_points, key_point_items, dataset_of)["all"],
                    "answers_changed": int(moved_there.sum()),
                }
            report["without"][name] = found
    return report


# Figures are rounded to three places; a move of two units or less (one or two answers of a
# thousand for the error rates) is not read as an effect.
NOISE = 0.002


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    """Per rule, from the held-out figures (the public sets' "all" row, and the key-point
    rubrics' out-of-fold row when measured): "helps" when switching it off makes r or an error
    rate worse by more than :data:`NOISE` and none better, "hurts" when the reverse, "mixed"
    when some of each, "no measurable effect" when none moves past :data:`NOISE`, and "changes
    no held-out answer" when it changes none."""
    blocks = [("held_out", "all"), ("key_point_rubrics", None)]
    said = {}
    for name, found in report["without"].items():
        changed = found["answers_changed"] + found.get("key_point_rubrics", {}).get(
            "answers_changed", 0
        )
        if not changed:
            said[name] = "changes no held-out answer"
            continue
        gains = []  # what the rule adds: positive is better with the rule
        for block, row in blocks:
            if block not in found:
                continue
            base = report["all_rules"][block]
            off = found[block]
            if row is not None:
                base, off = base[row], off[row]
            gains += [
                base["pearson_r"] - off["pearson_r"],
                off["right_under_half"] - base["right_under_half"],
                off["wrong_over_half"] - base["wrong_over_half"],
            ]
        gains = [round(g, 3) for g in gains]  # the figures' own precision
        better = any(g > NOISE for g in gains)
        worse = any(g < -NOISE for g in gains)
        said[name] = (
            "mixed" if better and worse
            else "helps" if better
            else "hurts" if worse
            else "no measurable effect"
        )  # fmt: skip
    return said
