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
    demote,
    has_negation,
    negation_scope,
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
    unit: int | None = None  # index of the evidence unit in ``Analysis.units``
    swap_similarity: float = 0.0  # how close a swapped statement came to the other side's claim
    refused_unit: int | None = None  # the unit of a swapped statement


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
    salad: bool = False
    review_flags: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    unit_vectors: Vectors | None = None
    demoted_unit_vectors: Vectors | None = None  # only for rubrics with several criteria
    owners: list[int] = field(default_factory=list)  # per unit: the criterion it speaks for, or -1
    judged: np.ndarray | None = None  # per criterion: the judge's log-odds on its part (0: none)


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
    plain = [i for i, c in enumerate(prepared.criteria) if not c.subjects]
    raw = np.zeros((len(plan.units), len(prepared.criteria)))
    for i in plain:
        raw[:, i] = (units @ prepared.criteria[i].targets.T).max(axis=1)
    competing = _competing(raw, plain)
    contrast_matches: dict[int, CriterionMatch] = {}
    for subjects in {tuple(c.subjects) for c in prepared.criteria if c.subjects}:
        group = [i for i, c in enumerate(prepared.criteria) if tuple(c.subjects) == subjects]
        found = _match_contrasts(
            [prepared.criteria[i] for i in group],
            plan.segments.get(subjects, []),
            segment_vectors.get(subjects),
            units,
            curve,
            traps,
        )
        contrast_matches.update(zip(group, found, strict=True))
    for criterion_index, criterion in enumerate(prepared.criteria):
        if criterion.subjects:
            match = contrast_matches[criterion_index]
            if match.unit is not None:
                match.evidence = plan.units[match.unit]
                evidence_units.add(match.unit)
            if match.refused_unit is not None:
                match.refused_evidence = plan.units[match.refused_unit]
            if match.note == "roles swapped":
                analysis.removed.append(match.refused_evidence or "")
        else:
            similarities = raw[:, criterion_index]
            best_per_unit = np.maximum(best_per_unit, similarities)
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
        if index not in evidence_units and _restating(unit, prepared):
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
) -> CriterionMatch:
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
    if _shares_stem(criterion.stems, content_stems(negation_scope(unit))):
        return True  # what is negated is this point's own subject: "there are no gradient ..."
    if len(words(unit)) > criterion.word_count + _DENIAL_EXTRA_WORDS:
        return False
    if criterion.word_count <= _SHORT_POINT_WORDS:
        return bool(criterion.stems) and criterion.stems <= set(content_stems(unit))
    return similarity >= traps.denial_similarity


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


def _match_contrasts(
    criteria: list[PreparedCriterion],
    segments: list[tuple[int, str, str]],
    vectors: Vectors | None,
    units: Vectors,
    curve: CriterionCurve,
    traps: TrapSettings,
) -> list[CriterionMatch]:
    """Credit comparisons only where what is said of a subject is closer to its own claims.

    All the comparisons between the same subjects are judged together. What an answer says of
    a subject ("RNN ... is used for images") is compared with every claim of every subject; it
    speaks for the comparison whose claim it is closest to (so a sentence about fixed sizes is
    not credited to "large width and height"), and it is a swap when it is clearly closer to
    another subject's claims than to its own subject's, however freely it is worded.
    """
    matches = [CriterionMatch() for _ in criteria]
    if not segments or vectors is None:
        return matches
    subjects = criteria[0].subjects
    # (segments, criteria, subjects): each segment against each claim.
    similarities = np.stack([vectors @ c.claims.T for c in criteria], axis=1)
    support: dict[int, np.ndarray] = {}  # unit → per criterion, the sum of supporting parts
    counts: dict[int, int] = {}  # unit → how many of its parts were judged
    for row, (unit_index, subject, rest) in enumerate(segments):
        own_index = subjects.index(subject)
        table = similarities[row]
        own_by_criterion = table[:, own_index]
        other_by_criterion = np.delete(table, own_index, axis=1).max(axis=1)
        for k, match in enumerate(matches):
            match.best_similarity = max(match.best_similarity, float(table[k].max()))
        counts[unit_index] = counts.get(unit_index, 0) + 1
        sums = support.setdefault(unit_index, np.zeros(len(criteria)))
        for k, criterion in enumerate(criteria):
            own, other = _polarity(
                criterion,
                own_index,
                rest,
                float(own_by_criterion[k]),
                float(other_by_criterion[k]),
                curve,
                traps,
            )
            if own - other >= traps.contrast_margin:
                sums[k] += own
            elif max(own, other) >= curve.center and own - other > -traps.contrast_margin:
                matches[k].tie = True
        # Across every comparison: is this closer to what another subject does?
        closest = int(np.argmax(other_by_criterion))
        own, other = _polarity(
            criteria[closest], own_index, rest, float(own_by_criterion[closest]),
            float(other_by_criterion[closest]), curve, traps,
        )  # fmt: skip
        if (
            other - own >= traps.contrast_margin
            and float(other_by_criterion.max()) - float(own_by_criterion.max())
            >= traps.contrast_margin
            and other >= traps.swap_similarity
            and other > matches[closest].swap_similarity
        ):
            matches[closest].swap_similarity, matches[closest].refused_unit = other, unit_index
    # A unit speaks for the one comparison its parts support most, judged with the unit as a
    # whole too ("a CNN is built for grids, whereas an RNN is built for sequences" is the
    # grid-vs-sequence point, not "large images vs long sequences").
    for unit_index, sums in support.items():
        whole = np.array([float((units[unit_index] @ c.targets.T).max()) for c in criteria])
        k = int(np.argmax(np.where(sums > 0, sums / counts[unit_index] + whole, -np.inf)))
        # The parts decided the direction; how well the point is made is the unit's, whole.
        similarity = float(whole[k])
        if sums[k] > 0 and similarity > matches[k].similarity:
            matches[k].similarity, matches[k].unit = similarity, unit_index
    for match in matches:
        if match.refused_unit is not None and match.similarity < match.swap_similarity:
            match.note = "roles swapped"
            match.similarity, match.unit = 0.0, None
        else:
            match.refused_unit = None
    return matches


def _polarity(
    criterion: PreparedCriterion,
    own_index: int,
    rest: str,
    own: float,
    other: float,
    curve: CriterionCurve,
    traps: TrapSettings,
) -> tuple[float, float]:
    """Own and other similarity, with negations decided by the part's own polarity.

    Claims that differ only by a negation ("depends on the previous outputs" / "does not")
    embed alike, so there the part's negation decides; elsewhere a negated part supports
    nothing ("an RNN does not process sequences").
    """
    claims = criterion.claim_texts
    negated = has_negation(rest) and not has_negation(claims[own_index])
    if abs(own - other) < traps.contrast_margin:
        polarities = {has_negation(claim) for claim in claims}
        if len(polarities) == 2 and max(own, other) >= curve.center:
            agrees = has_negation(rest) == has_negation(claims[own_index])
            return (max(own, other), 0.0) if agrees else (0.0, max(own, other))
    if negated:
        return 0.0, other
    return own, other


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
    """What to embed for one answer (see :class:`Plan`)."""
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
