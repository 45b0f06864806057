"""Per-criterion evidence: the signals that say how far an answer makes one key point.

Each criterion is judged on its own part of the answer: the whole answer when the rubric has a
single criterion, otherwise the units that speak for that criterion (the ones closest to it)
plus its evidence unit. The same signals are computed for every criterion, and the fitted
credit model (:class:`grader.scoring.calibration.CreditModel`) turns them into the share of
the criterion's points earned. Nothing here looks at the answer as a whole against the rubric
as a whole: a point that is not made earns nothing, however fluent the rest is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.scoring.analysis import Analysis
from grader.scoring.embedder import Vectors
from grader.scoring.features import CREDIT_FEATURES
from grader.scoring.judge import point_text
from grader.scoring.prepared import PreparedCriterion, normalised_mean
from grader.scoring.text import content_stems, demote, kept_text, trigram_cosine


@dataclass(frozen=True)
class Part:
    """The part of an answer that one criterion is judged on."""

    text: str
    vector: Vectors  # (1, d)
    demoted: Vectors  # (1, d)
    units: tuple[int, ...] = ()  # the answer's units it is made of (none: the whole answer)


def criterion_part(analysis: Analysis, index: int) -> Part | None:
    """Criterion ``index``'s part of the answer, or None when nothing in it can count."""
    match = analysis.matches[index]
    if match.unit is None or analysis.answer_vector is None or analysis.demoted_vector is None:
        return None
    if len(analysis.matches) == 1:
        text = kept_text(analysis.answer, analysis.removed)
        return Part(text, analysis.answer_vector, analysis.demoted_vector)
    assert analysis.unit_vectors is not None and analysis.demoted_unit_vectors is not None
    members = {match.unit} | {u for u, owner in enumerate(analysis.owners) if owner == index}
    # A sentence and its own clauses are both units: keep the sentence only.
    texts = {u: analysis.units[u] for u in members}
    kept = sorted(u for u in members if not any(v != u and texts[u] in texts[v] for v in members))
    return Part(
        " ".join(texts[u] for u in kept),
        normalised_mean(analysis.unit_vectors[kept]),
        normalised_mean(analysis.demoted_unit_vectors[kept]),
        tuple(kept),
    )


def criterion_features(analysis: Analysis) -> np.ndarray:
    """One row of :data:`CREDIT_FEATURES` per criterion (token recall 0 when it was not
    computed), and the judge's log-odds after them when the answer was judged; a row of zeros
    where nothing counts."""
    judged = analysis.judged
    width = len(CREDIT_FEATURES) + (judged is not None)
    rows = np.zeros((len(analysis.prepared.criteria), width))
    if analysis.zero_reason is not None or not analysis.matches:
        return rows
    for index, criterion in enumerate(analysis.prepared.criteria):
        part = criterion_part(analysis, index)
        if part is not None:
            aligned = 0.0 if analysis.token_recall is None else analysis.token_recall[index]
            row = [*_features(analysis, index, criterion, part), aligned]
            rows[index] = row if judged is None else [*row, judged[index]]
    return rows


def token_inputs(analysis: Analysis) -> list[tuple[int, list[str], str]]:
    """(criterion index, its texts, its part of the answer) for each criterion with a part:
    what token recall reads (the part against the criterion's text and each phrasing)."""
    if analysis.zero_reason is not None or not analysis.matches:
        return []
    pairs = []
    for index, criterion in enumerate(analysis.prepared.criteria):
        part = criterion_part(analysis, index)
        if part is not None:
            pairs.append((index, criterion.target_texts, part.text))
    return pairs


def judge_inputs(analysis: Analysis) -> list[tuple[int, str, str]]:
    """(criterion index, point, part of the answer) for each criterion the judge should read."""
    return [(index, point_text(texts), part) for index, texts, part in token_inputs(analysis)]


def _speaks_for(analysis: Analysis, part: Part, index: int, similarity: float) -> bool:
    """Whether ``part`` (``similarity`` from criterion ``index``) holds that criterion's
    evidence or is as close to it."""
    match = analysis.matches[index]
    if match.unit is None or match.unit in part.units:
        return True
    return similarity >= match.similarity - 1e-6


def _features(
    analysis: Analysis, index: int, criterion: PreparedCriterion, part: Part
) -> list[float]:
    """The evidence row, against the criterion's text or the phrasing the part is closest to."""
    question = analysis.prepared.question_stems
    part_stems = set(content_stems(part.text, question))
    by_target = (part.vector @ criterion.targets.T)[0]
    target = int(np.argmax(by_target))
    own = float(by_target[target])
    own_demoted = float((part.demoted @ criterion.targets_demoted.T).max())
    # A part closer to another key point speaks for that one ("the gradients vanish" is not
    # also "exploding gradients"): discount by how much closer, as the unit matching does,
    # unless the answer makes that point better elsewhere (its evidence is another unit, closer
    # to it than this part).
    criteria = analysis.prepared.criteria
    close = (
        {}
        if criterion.credited_by_parts
        else {
            i: float((part.vector @ c.targets.T).max())
            for i, c in enumerate(criteria)
            if i != index and not c.credited_by_parts
        }
    )
    rivals = [i for i, similarity in close.items() if _speaks_for(analysis, part, i, similarity)]
    if rivals:
        closest = max(close[i] for i in rivals)
        closest_demoted = max(
            float((part.demoted @ criteria[i].targets_demoted.T).max()) for i in rivals
        )
        own -= max(0.0, closest - own)
        own_demoted -= max(0.0, closest_demoted - own_demoted)
    stems = criterion.target_stems[target]
    return [
        analysis.matches[index].similarity,
        own,
        own_demoted,
        trigram_cosine(
            demote(part.text, question), demote(criterion.target_texts[target], question)
        ),
        len(part_stems & stems) / max(1, len(stems)),
    ]
