"""Match an answer's units against a prepared rubric: what each key point found, and the traps.

This is the model-dependent half of grading; turning an :class:`Analysis` into points is
:mod:`grader.scoring.scorer`'s job, with the fitted calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.scoring import rules
from grader.scoring.calibration import CriterionCurve, TrapSettings
from grader.scoring.contrasts import match_contrasts
from grader.scoring.embedder import Vectors
from grader.scoring.matching import CriterionMatch
from grader.scoring.prepared import PreparedCriterion, PreparedRubric
from grader.scoring.text import (
    attributed_segments,
    content_stems,
    demote,
    has_negation,
    negation_scope,
    words,
)

_DENIAL_EXTRA_WORDS = 8
_SHORT_POINT_WORDS = 4


@dataclass
class Plan:
    """The texts one answer needs embedded, and where each sits in the batch."""

    answer: str
    demoted: str
    units: list[str]  # sentences, clauses and parenthetical remarks
    segments: dict[tuple[str, ...], list[tuple[int, str, str]]]  # subjects → (unit, subject, rest)
    # The units without stopwords and question words, embedded only when a rubric has several
    # criteria: each criterion's part of the answer is then built from its own units.
    demoted_units: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        rests = [rest for segs in self.segments.values() for _, _, rest in segs]
        return [self.answer, self.demoted, *self.units, *rests, *self.demoted_units]


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
    # Graded, but by a model that cannot read it (another language, code, formulas): why.
    provisional: str | None = None
    salad: bool = False
    review_flags: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    unit_vectors: Vectors | None = None
    demoted_unit_vectors: Vectors | None = None  # only for rubrics with several criteria
    owners: list[int] = field(default_factory=list)  # per unit: the criterion it speaks for, or -1
    judged: np.ndarray | None = None  # per criterion: the judge's log-odds on its part (0: none)
    token_recall: np.ndarray | None = None  # per criterion: token recall on its part (0: none)


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
    demoted_units = vectors[offset : offset + len(plan.demoted_units)]

    analysis = Analysis(
        prepared,
        plan.answer,
        [],
        answer_vector=answer_vector,
        demoted_vector=demoted_vector,
        units=plan.units,
        unit_vectors=units,
        demoted_unit_vectors=demoted_units if plan.demoted_units else None,
    )
    evidence_units: set[int] = set()
    best_per_unit = np.zeros(len(plan.units))
    plain = [i for i, c in enumerate(prepared.criteria) if not c.credited_by_parts]
    raw = np.zeros((len(plan.units), len(prepared.criteria)))
    for i in plain:
        raw[:, i] = (units @ prepared.criteria[i].targets.T).max(axis=1)
    competing = _competing(raw, plain) if rules.on("competing-points") else raw
    contrast_matches: dict[int, CriterionMatch] = {}
    for subjects in {tuple(c.subjects) for c in prepared.criteria if c.subjects}:
        group = [i for i, c in enumerate(prepared.criteria) if tuple(c.subjects) == subjects]
        found = match_contrasts(
            [prepared.criteria[i] for i in group],
            plan.segments.get(subjects, []),
            segment_vectors.get(subjects),
            units,
            curve,
            traps,
        )
        contrast_matches.update(zip(group, found, strict=True))
    for criterion_index, criterion in enumerate(prepared.criteria):
        # A comparison read from prose is credited as a plain point unless the answer reverses
        # it: what it says of each compared thing is the other's claim, and nothing supports it
        # (one statement read as the other's is too often a loose attribution in free text).
        swapped = contrast_matches.get(criterion_index) if criterion.from_prose else None
        if swapped is not None and (
            swapped.note != "roles swapped"
            or swapped.unit is not None
            or len(swapped.swapped_subjects) < len(criterion.subjects)
        ):
            swapped = None
        if not criterion.credited_by_parts:
            best_per_unit = np.maximum(best_per_unit, raw[:, criterion_index])
        if criterion.credited_by_parts or swapped is not None:
            match = contrast_matches[criterion_index]
            if match.unit is not None:
                match.evidence = plan.units[match.unit]
                evidence_units.add(match.unit)
            if match.refused_unit is not None:
                match.refused_evidence = plan.units[match.refused_unit]
            if match.note == "roles swapped":
                analysis.removed.append(match.refused_evidence or "")
        else:
            match = _match_plain(
                criterion,
                plan,
                competing[:, criterion_index],
                prepared,
                curve,
                traps,
            )
            if match.unit is not None:
                evidence_units.add(match.unit)
            if match.note == "negated":
                analysis.removed.append(match.refused_evidence or "")
        if match.tie:
            analysis.review_flags.append(f"criterion {criterion.criterion.id}: roles unclear")
        analysis.matches.append(match)

    for index, unit in enumerate(plan.units):
        if index not in evidence_units and rules.on("restatement") and _restating(unit, prepared):
            analysis.restating.append(unit)
    analysis.removed = [text for text in dict.fromkeys(analysis.removed) if text]
    analysis.restating = list(dict.fromkeys(analysis.restating))
    analysis.owners = _owners(raw, plain, plan.units, analysis.removed)
    analysis.misconceptions = _misconceptions(prepared, plan.units, units, best_per_unit, traps)
    return analysis


def _owners(raw: np.ndarray, plain: list[int], units: list[str], removed: list[str]) -> list[int]:
    """The plain criterion each unit is closest to (-1: none, or a refused unit)."""
    owners = [-1] * len(units)
    if not plain:
        return owners
    for index, unit in enumerate(units):
        if not any(unit in part or part in unit for part in removed):
            owners[index] = plain[int(np.argmax(raw[index, plain]))]
    return owners


def _competing(raw: np.ndarray, plain: list[int]) -> np.ndarray:
    """Similarities discounted by how much closer each unit is to another key point.

    "The gradients vanish" is 0.86 from "vanishing gradients" but still 0.61 from "exploding
    gradients"; a unit speaks for the point it is closest to, so the second match drops.
    """
    adjusted = raw.copy()
    if len(plain) < 2:
        return adjusted
    block = raw[:, plain]
    # A unit speaks for another point only where it is that point's best unit: "the gradient
    # shrinks until it disappears" is closer to "exploding gradients" than to "vanishing
    # gradients", but when "or grows until it blows up" makes the exploding point better, the
    # first clause is left to make the vanishing one.
    rivals = np.where(block >= block.max(axis=0, keepdims=True), block, -np.inf)
    for column, i in enumerate(plain):
        others = np.delete(rivals, column, axis=1).max(axis=1)
        adjusted[:, i] = block[:, column] - np.maximum(0.0, others - block[:, column])
    return adjusted


def _match_plain(
    criterion: PreparedCriterion,
    plan: Plan,
    similarities: np.ndarray,
    prepared: PreparedRubric,
    curve: CriterionCurve,
    traps: TrapSettings,
) -> CriterionMatch:
    match = CriterionMatch(best_similarity=float(similarities.max(initial=0.0)))
    prompt_to_criterion = float((prepared.prompt @ criterion.targets.T).max())
    for index in np.argsort(-similarities):
        similarity = float(similarities[index])
        text = plan.units[index]
        if (
            rules.on("restatement")
            and _restating(text, prepared)
            and similarity < prompt_to_criterion + traps.restate_margin
        ):
            match.note = match.note or "only restates the question"
            continue
        if rules.on("denial") and _denies(criterion, text, similarity, traps):
            if match.note is None:
                match.note = "negated"
                match.refused_evidence = text
            continue
        match.similarity, match.evidence, match.unit = similarity, text, int(index)
        if similarity >= curve.center:
            match.note = None  # clear support outweighs a weaker denial or restatement elsewhere
        return match
    return match


def _denies(
    criterion: PreparedCriterion,
    unit: str,
    similarity: float,
    traps: TrapSettings,
) -> bool:
    """Whether ``unit`` states the criterion's point and negates it.

    A unit denies a point when the words a negation governs (up to the end of the clause) include
    the point's own content words: "there are no gradient problems" denies "vanishing
    gradients", "the gradients do not stay stable, they vanish" does not. A short key point
    ("generative models") is also denied by a short sentence holding its words and a negation
    ("... do not use generative models", "neither vanishing nor exploding gradients"). A
    long one only by a near-copy with a negation: a longer sentence with a "not" somewhere is
    usually a paraphrase, not a denial.
    """
    if not has_negation(unit) or has_negation(criterion.criterion.text):
        return False
    short = criterion.word_count <= _SHORT_POINT_WORDS
    if short and _shares_stem(criterion.stems, content_stems(negation_scope(unit))):
        return True  # what is negated is this point's own subject: "there are no gradient ..."
    if len(words(unit)) > criterion.word_count + _DENIAL_EXTRA_WORDS:
        return False
    if short:
        return bool(criterion.stems) and criterion.stems <= set(content_stems(unit))
    return rules.on("denial-of-long-points") and similarity >= traps.denial_similarity


def _shares_stem(stems: frozenset[str], others: list[str]) -> bool:
    """Whether any stem of ``others`` is one of ``stems``, or one starts the other ("explod",
    "explode"): the light stemmer leaves such pairs apart."""
    return any(
        a == b or (min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a)))
        for a in stems
        for b in others
    )


def _restating(text: str, prepared: PreparedRubric) -> bool:
    """Copies the question: every content word of the unit comes from the question."""
    stems = content_stems(text)
    return bool(stems) and all(stem in prepared.question_stems for stem in stems)


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


def make_plan(
    prepared: PreparedRubric,
    answer: str,
    units: list[str],
    demoted: str,
) -> Plan:
    """What to embed for one answer (see :class:`Plan`); ``units`` are
    :func:`grader.scoring.text.split_units`'."""
    subject_sets = {tuple(c.subjects) for c in prepared.criteria if c.subjects}
    segments = {
        subjects: [
            (index, subject, rest)
            for index, unit in enumerate(units)
            for subject, rest in attributed_segments(unit, list(subjects))
        ]
        for subjects in subject_sets
    }
    demoted_units = (
        [demote(unit, prepared.question_stems) or unit for unit in units]
        if len(prepared.criteria) > 1
        else []
    )
    return Plan(answer, demoted, units, segments, demoted_units)
