"""From an analysis to numbers: criterion credits, the select rule, coverage, model features."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.scoring.analysis import Analysis
from grader.scoring.calibration import FEATURES, CriterionCurve
from grader.scoring.prepared import normalised_mean
from grader.scoring.text import content_stems, demote, trigram_cosine, words


@dataclass(frozen=True)
class Selection:
    """Credit per criterion, which criteria count (select rules), and the key-point share."""

    credits: np.ndarray
    selected: list[bool]
    keypoints: float


def nothing_selected(criteria: int) -> Selection:
    """The selection of an answer that earns nothing (refused, or zeroed by a trap)."""
    return Selection(np.zeros(criteria), [True] * criteria, 0.0)


def select(analysis: Analysis, curve: CriterionCurve) -> Selection:
    """Credits per criterion, which ones count under the select rule, and their share."""
    rubric = analysis.prepared.rubric
    if not analysis.matches:  # refused before matching (empty)
        return nothing_selected(len(rubric.criteria))
    similarities = np.array([m.similarity for m in analysis.matches])
    credits = curve.credit(similarities) * np.array([m.similarity > 0 for m in analysis.matches])
    selected = [True] * len(rubric.criteria)
    if rubric.select is not None:
        group = set(rubric.select.of) or {c.id for c in rubric.criteria}
        members = [i for i, c in enumerate(rubric.criteria) if c.id in group]
        members.sort(key=lambda i: -credits[i] * rubric.criteria[i].points)
        for i in members[rubric.select.any :]:
            selected[i] = False
    earned = sum(credits[i] * c.points for i, c in enumerate(rubric.criteria) if selected[i])
    return Selection(credits, selected, float(min(1.0, earned / rubric.max_points)))


def coverage(analysis: Analysis, selection: Selection) -> float:
    """Share of the counted points made; reaching the curve's center earns a point in full."""
    rubric = analysis.prepared.rubric
    earned = sum(
        min(1.0, 2.0 * float(selection.credits[i])) * c.points
        for i, c in enumerate(rubric.criteria)
        if selection.selected[i]
    )
    return min(1.0, earned / rubric.max_points)


def kept_text(answer: str, removed: list[str]) -> str:
    """The answer without the parts a trap refused."""
    kept = answer
    for part in sorted(removed, key=len, reverse=True):
        kept = kept.replace(part, " ")
    return " ".join(kept.split()).strip(" .,;")


def feature_vector(analysis: Analysis, curve: CriterionCurve) -> np.ndarray:
    """The calibrated model's inputs, in :data:`FEATURES` order."""
    selection = select(analysis, curve)
    if analysis.answer_vector is None or analysis.demoted_vector is None:
        return np.zeros(len(FEATURES))
    prepared = analysis.prepared
    chosen = [c for c, keep in zip(prepared.criteria, selection.selected, strict=True) if keep]
    if prepared.rubric.select is None:
        reference, reference_demoted = prepared.reference, prepared.reference_demoted
    else:
        reference = normalised_mean(np.vstack([c.vector for c in chosen]))
        reference_demoted = normalised_mean(np.vstack([c.demoted for c in chosen]))
    kept = kept_text(analysis.answer, analysis.removed)
    answer_stems = set(content_stems(kept, prepared.question_stems))
    reference_stems = set().union(*(c.stems for c in chosen))
    common = len(answer_stems & reference_stems)
    reference_words = sum(c.word_count for c in chosen)
    counted = [
        m.best_similarity
        for m, keep in zip(analysis.matches, selection.selected, strict=True)
        if keep
    ]
    values = {
        "keypoints": selection.keypoints,
        "alignment": float(np.mean(counted)) if counted else 0.0,
        "cos_reference": float((analysis.answer_vector @ reference.T)[0, 0]),
        "cos_demoted": float((analysis.demoted_vector @ reference_demoted.T)[0, 0]),
        "char_overlap": trigram_cosine(
            demote(kept, prepared.question_stems),
            demote(" ".join(c.criterion.text for c in chosen), prepared.question_stems),
        ),
        "recall": common / max(1, len(reference_stems)),
        "precision": common / max(1, len(answer_stems)),
        "log_length_ratio": math.log((len(words(kept)) + 1) / (reference_words + 1)),
        "cos_prompt": float((analysis.answer_vector @ prepared.prompt.T)[0, 0]),
    }
    return np.array([values[name] for name in FEATURES])
