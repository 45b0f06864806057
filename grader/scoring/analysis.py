"""Match an answer's units against a prepared rubric: what each key point found, and the traps.

This is the model-dependent half of grading; turning an :class:`Analysis` into points is
:mod:`grader.scoring.scorer`'s job, with the fitted calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.scoring.calibration import CriterionCurve, TrapSettings
from grader.scoring.embedder import Vectors
from grader.scoring.prepared import PreparedCriterion, PreparedRubric
from grader.scoring.text import (
    attributed_segments,
    content_stems,
    has_negation,
    words,
)

_DENIAL_EXTRA_WORDS = 8
_SHORT_POINT_WORDS = 4


@dataclass
class CriterionMatch:
    """The best admissible evidence for one criterion, and any evidence refused."""

    similarity: float = 0.0  # of the evidence that counts (0 when none counts)
    best_similarity: float = 0.0  # of the closest unit, counted or not
    evidence: str | None = None
    note: str | None = None
    refused_evidence: str | None = None  # a unit that denies or swaps the point
    tie: bool = False


@dataclass
class Plan:
    """The texts one answer needs embedded, and where each sits in the batch."""

    answer: str
    demoted: str
    units: list[str]  # sentences, clauses and parenthetical remarks
    segments: dict[tuple[str, ...], list[tuple[int, str, str]]]  # subjects → (unit, subject, rest)

    def texts(self) -> list[str]:
        rests = [rest for segs in self.segments.values() for _, _, rest in segs]
        return [self.answer, self.demoted, *self.units, *rests]


@dataclass
class Analysis:
    prepared: PreparedRubric
    answer: str
    matches: list[CriterionMatch]
    misconceptions: list[tuple[int, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # refused parts: swapped or denied points
    restating: list[str] = field(default_factory=list)
    answer_vector: Vectors | None = None
    demoted_vector: Vectors | None = None
    zero_reason: str | None = None
    salad: bool = False
    review_flags: list[str] = field(default_factory=list)


def analyse(
    prepared: PreparedRubric,
    plan: Plan,
    vectors: Vectors,
    curve: CriterionCurve,
    traps: TrapSettings,
) -> Analysis:
    """Decide, for each criterion, which unit of the answer supports it, if any."""
    answer_vector, demoted_vector = vectors[0:1], vectors[1:2]
    units = vectors[2 : 2 + len(plan.units)]
    offset = 2 + len(plan.units)
    segment_vectors: dict[tuple[str, ...], Vectors] = {}
    for subjects, segments in plan.segments.items():
        segment_vectors[subjects] = vectors[offset : offset + len(segments)]
        offset += len(segments)

    analysis = Analysis(
        prepared, plan.answer, [], answer_vector=answer_vector, demoted_vector=demoted_vector
    )
    evidence_units: set[int] = set()
    best_per_unit = np.zeros(len(plan.units))
    plain = [i for i, c in enumerate(prepared.criteria) if not c.subjects]
    raw = np.zeros((len(plan.units), len(prepared.criteria)))
    for i in plain:
        raw[:, i] = (units @ prepared.criteria[i].targets.T).max(axis=1)
    competing = _competing(raw, plain)
    for criterion_index, criterion in enumerate(prepared.criteria):
        if criterion.subjects:
            key = tuple(criterion.subjects)
            match = _match_contrast(
                criterion, plan.segments.get(key, []), segment_vectors.get(key), plan, curve, traps
            )
            if match.note == "roles swapped":
                analysis.removed.append(match.refused_evidence or "")
        else:
            similarities = raw[:, criterion_index]
            best_per_unit = np.maximum(best_per_unit, similarities)
            match, used = _match_plain(
                criterion,
                plan,
                competing[:, criterion_index],
                prepared,
                curve,
                traps,
            )
            if used is not None:
                evidence_units.add(used)
            if match.note == "negated":
                analysis.removed.append(match.refused_evidence or "")
        if match.tie:
            analysis.review_flags.append(f"criterion {criterion.criterion.id}: roles unclear")
        analysis.matches.append(match)

    for index, unit in enumerate(plan.units):
        if index not in evidence_units and _restating(unit, prepared):
            analysis.restating.append(unit)
    analysis.removed = [text for text in dict.fromkeys(analysis.removed) if text]
    analysis.restating = list(dict.fromkeys(analysis.restating))
    analysis.misconceptions = _misconceptions(prepared, plan.units, units, best_per_unit, traps)
    return analysis


def _competing(raw: np.ndarray, plain: list[int]) -> np.ndarray:
    """Similarities discounted by how much closer each unit is to another key point.

    "The gradients vanish" is 0.86 from "vanishing gradients" but still 0.61 from "exploding
    gradients"; a unit speaks for the point it is closest to, so the second match drops.
    """
    adjusted = raw.copy()
    if len(plain) < 2:
        return adjusted
    block = raw[:, plain]
    for column, i in enumerate(plain):
        others = np.delete(block, column, axis=1).max(axis=1)
        adjusted[:, i] = block[:, column] - np.maximum(0.0, others - block[:, column])
    return adjusted


def _match_plain(
    criterion: PreparedCriterion,
    plan: Plan,
    similarities: np.ndarray,
    prepared: PreparedRubric,
    curve: CriterionCurve,
    traps: TrapSettings,
) -> tuple[CriterionMatch, int | None]:
    match = CriterionMatch(best_similarity=float(similarities.max(initial=0.0)))
    prompt_to_criterion = float((prepared.prompt @ criterion.targets.T).max())
    for index in np.argsort(-similarities):
        similarity = float(similarities[index])
        text = plan.units[index]
        if _restating(text, prepared) and (similarity < prompt_to_criterion + traps.restate_margin):
            match.note = match.note or "only restates the question"
            continue
        if _denies(criterion, text, similarity, traps):
            if match.note is None:
                match.note = "negated"
                match.refused_evidence = text
            continue
        match.similarity, match.evidence = similarity, text
        if similarity >= curve.center:
            match.note = None  # clear support outweighs a weaker denial or restatement elsewhere
        return match, int(index)
    return match, None


def _denies(
    criterion: PreparedCriterion,
    unit: str,
    similarity: float,
    traps: TrapSettings,
) -> bool:
    """Whether ``unit`` states the criterion's point and negates it.

    A short key point ("generative models") is denied by a short sentence holding its words and
    a negation ("... do not use generative models", "neither vanishing nor exploding
    gradients"). A long one only by a near-copy with a negation: a longer sentence with a "not"
    somewhere is usually a paraphrase, not a denial.
    """
    if not has_negation(unit) or has_negation(criterion.criterion.text):
        return False
    if len(words(unit)) > criterion.word_count + _DENIAL_EXTRA_WORDS:
        return False
    if criterion.word_count <= _SHORT_POINT_WORDS:
        return bool(criterion.stems) and criterion.stems <= set(content_stems(unit))
    return similarity >= traps.denial_similarity


def _restating(text: str, prepared: PreparedRubric) -> bool:
    """Copies the question: every content word of the unit comes from the question."""
    stems = content_stems(text)
    return bool(stems) and all(stem in prepared.question_stems for stem in stems)


def _match_contrast(
    criterion: PreparedCriterion,
    segments: list[tuple[int, str, str]],
    vectors: Vectors | None,
    plan: Plan,
    curve: CriterionCurve,
    traps: TrapSettings,
) -> CriterionMatch:
    """Credit a comparison only where each side's statement is closer to its own claim."""
    match = CriterionMatch()
    if not segments or vectors is None:
        return match
    similarities = vectors @ criterion.claims.T  # (segments, subjects)
    best_swap = 0.0
    for row, (unit_index, subject, rest) in enumerate(segments):
        own_index = criterion.subjects.index(subject)
        own = float(similarities[row, own_index])
        other = float(np.delete(similarities[row], own_index).max())
        match.best_similarity = max(match.best_similarity, own, other)
        claims = criterion.criterion.contrast
        negated = has_negation(rest) and not has_negation(claims[own_index].claim)
        if abs(own - other) < traps.contrast_margin:
            # Claims that differ only by a negation embed alike: the segment's polarity decides.
            polarities = {has_negation(claim.claim) for claim in claims}
            if len(polarities) == 2 and max(own, other) >= curve.center:
                agrees = has_negation(rest) == has_negation(claims[own_index].claim)
                own, other = (max(own, other), 0.0) if agrees else (0.0, max(own, other))
                negated = False
        if own - other >= traps.contrast_margin and not negated:
            if own > match.similarity:
                match.similarity, match.evidence = own, plan.units[unit_index]
        elif other - own >= traps.contrast_margin and other >= curve.center and other > best_swap:
            best_swap = other
            match.refused_evidence = plan.units[unit_index]
        elif max(own, other) >= curve.center:
            match.tie = True
    if match.refused_evidence and match.similarity < curve.center:
        match.note = "roles swapped"
        match.similarity, match.evidence = 0.0, None
    return match


def _misconceptions(
    prepared: PreparedRubric,
    unit_texts: list[str],
    units: Vectors,
    best_per_unit: np.ndarray,
    traps: TrapSettings,
) -> list[tuple[int, str]]:
    if not prepared.free_misconceptions or not unit_texts:
        return []
    similarities = units @ prepared.misconceptions.T  # (units, misconceptions)
    found: list[tuple[int, str]] = []
    for column, index in enumerate(prepared.free_misconceptions):
        text = prepared.rubric.misconceptions[index].text
        for row in np.argsort(-similarities[:, column]):
            similarity = float(similarities[row, column])
            if similarity < traps.misconception_similarity:
                break
            if similarity > best_per_unit[row] and has_negation(unit_texts[row]) == has_negation(
                text
            ):
                found.append((index, unit_texts[row]))
                break
    return found


def make_plan(prepared: PreparedRubric, answer: str, units: list[str], demoted: str) -> Plan:
    subject_sets = {tuple(c.subjects) for c in prepared.criteria if c.subjects}
    segments = {
        subjects: [
            (index, subject, rest)
            for index, unit in enumerate(units)
            for subject, rest in attributed_segments(unit, list(subjects))
        ]
        for subjects in subject_sets
    }
    return Plan(answer, demoted, units, segments)
