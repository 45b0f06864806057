"""Comparisons: what an answer says of each compared thing, judged against every claim of every
thing, so that a statement made of the wrong one (the roles exchanged) earns nothing."""

from __future__ import annotations

import numpy as np

from grader.scoring.calibration import CriterionCurve, TrapSettings
from grader.scoring.embedder import Vectors
from grader.scoring.matching import CriterionMatch
from grader.scoring.prepared import PreparedCriterion
from grader.scoring.text import has_negation


def match_contrasts(
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
        judged = [
            _polarity(
                criterion,
                own_index,
                rest,
                float(own_by_criterion[k]),
                float(other_by_criterion[k]),
                curve,
                traps,
            )
            for k, criterion in enumerate(criteria)
        ]
        for k, (own, other, doubt) in enumerate(judged):
            if own - other >= traps.contrast_margin:
                sums[k] += own
            elif max(own, other) >= curve.center and own - other > -traps.contrast_margin:
                matches[k].tie = True
            if doubt:
                matches[k].tie = True
        # Across every comparison: is this closer to what another subject does?
        closest = int(np.argmax(other_by_criterion))
        own, other, _ = judged[closest]
        if (
            other - own >= traps.contrast_margin
            and float(other_by_criterion.max()) - float(own_by_criterion.max())
            >= traps.contrast_margin
            and other >= traps.swap_similarity
        ):
            matches[closest].swapped_subjects.add(subject)
            if other > matches[closest].swap_similarity:
                matches[closest].swap_similarity = other
                matches[closest].refused_unit = unit_index
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
) -> tuple[float, float, bool]:
    """Own and other similarity, with negations decided by the part's own polarity, and whether
    the part's words and its polarity disagree (then an instructor should look).

    Claims that differ only by a negation ("depends on the previous outputs" / "does not")
    embed alike, so there the part's negation decides; elsewhere a negated part supports
    nothing ("an RNN does not process sequences"). When one subject's claim negates the
    other's ("each output is a function of the previous outputs" / "the output does not
    depend on the previous outputs"), the model reads their shared words, not the negation:
    an affirmative part ("an RNN's outputs depend on its earlier outputs") embeds closer to
    the negated claim. So a part closer to the other side's claim but with its own side's
    polarity states its own claim (credited, to review), and a part closer to its own claim
    but with the other side's polarity ("a CNN's outputs depend on its earlier outputs")
    supports neither (to review): no swap is read from words alone where the polarities say
    otherwise. A word that denies without a negation cue ("independent of") counts as a
    negation here; other ways of stating a claim's opposite are not seen.
    """
    claims = criterion.claim_texts
    cue = has_negation(rest)
    claim_negated = has_negation(claims[own_index])
    negated = cue and not claim_negated
    opposed = len({has_negation(claim) for claim in claims}) == 2
    closest = max(own, other)
    if abs(own - other) < traps.contrast_margin:
        if opposed and closest >= curve.center:
            agrees = cue == claim_negated
            return (closest, 0.0, False) if agrees else (0.0, closest, False)
    elif opposed and closest >= traps.swap_similarity:
        part_negated = cue
        agrees = part_negated == claim_negated
        if agrees and other > own:
            return other, own, True
        if not agrees and own > other and not negated:
            return 0.0, 0.0, True
    if negated:
        return 0.0, other, False
    return own, other, False
