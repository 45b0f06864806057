"""Short, specific feedback that agrees with the points: what was good, what is missing, a hint.

The criteria named under "Good" are exactly the counted ones that were met (earned at least
half their points); of the ones not met that the rubric still needs (under a select rule, only
as many as are still needed), those that earned some points are named under "Partly met", with
their points (as the page shows them: never "missing" while earning), and the others under
"Missing". Texts are shown readable: LaTeX turned
into text, long ones cut at a word boundary.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.rubrics.points import counted
from grader.rubrics.schema import Criterion, Rubric
from grader.scoring.grade import CriterionResult, MisconceptionResult
from grader.scoring.text import shown

_MAX_QUOTE = 100


def write_feedback(
    rubric: Rubric,
    criteria: list[CriterionResult],
    misconceptions: list[MisconceptionResult],
    reasons: list[str],
) -> tuple[str, str | None]:
    """The feedback text and the hint to show (None when no point is missing)."""
    by_id = {c.id: c for c in rubric.criteria}
    parts: list[str] = []
    if reasons:
        parts.append(sentence(reasons[0]))
    met = [c for c in criteria if c.met and c.selected]
    if met:
        parts.append("Good: " + _quote_all(by_id[c.id] for c in met) + ".")
    explanations = {m.id: m.explanation for m in rubric.misconceptions}
    for misconception in misconceptions:
        why = explanations.get(misconception.id) or "that is a misconception"
        parts.append(f"Not right: “{summarise(misconception.evidence)}” ({summarise(why)}).")
    for c in criteria:
        if c.note == "negated" and not c.met:
            parts.append(f"You denied a key point: “{summarise(readable_criterion(by_id[c.id]))}”.")
    missing = missing_criteria(rubric, criteria)
    partly = [c for c in missing if c.earned > 0]
    if partly:
        parts.append("Partly met: " + "; ".join(_with_points(by_id[c.id], c) for c in partly) + ".")
    hint = None
    absent = [c for c in missing if c.earned <= 0]
    if absent:
        parts.append("Missing: " + _quote_all(by_id[c.id] for c in absent) + ".")
    if missing:
        hint = next((by_id[c.id].hint for c in missing if by_id[c.id].hint), None)
        hint = hint or (rubric.hints[0] if rubric.hints else None)
        if rubric.demo:
            parts.append(
                f"See it happen: /demos/{rubric.demo} (plot: /demos/{rubric.demo}/plot.png)."
            )
    return " ".join(parts) or "No key point of the answer was found.", hint


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a full stop last."""
    return text[:1].upper() + text[1:] + "."


def missing_criteria(rubric: Rubric, criteria: list[CriterionResult]) -> list[CriterionResult]:
    """Criteria not met that still count: under a select rule only as many as are still needed."""
    missed = [c for c in criteria if not c.met]
    rule = rubric.counting_rule()
    if rule is None:
        return missed
    group = set(rule.of) or {c.id for c in rubric.criteria}
    still_needed = rule.any - sum(1 for c in criteria if c.met and c.selected and c.id in group)
    outside = [c for c in missed if c.id not in group]
    inside = [c for c in missed if c.id in group]
    return outside + inside[: max(0, still_needed)]


def readable_criterion(criterion: Criterion) -> str:
    """A criterion as a student reads it, in plain text (math as "∑ₖ₌₁⁶ k ·1/6", not
    "∑_k=1^6"); a comparison as "CNN: ... vs. RNN: ..."."""
    if criterion.contrast:
        return " vs. ".join(
            f"{claim.subject}: {shown(claim.claim)}" for claim in criterion.contrast
        )
    return shown(criterion.text)


def summarise(text: str, limit: int = _MAX_QUOTE) -> str:
    """``text`` whole, or cut at the last word boundary before ``limit`` with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def _quote_all(criteria: Iterable[Criterion]) -> str:
    return "; ".join(f"“{summarise(readable_criterion(c))}”" for c in criteria)


def _with_points(criterion: Criterion, result: CriterionResult) -> str:
    """“Exploding gradients” (0.32 of 1 point)."""
    return f"“{summarise(readable_criterion(criterion))}” ({earned_of(result)})"


def earned_of(result: CriterionResult) -> str:
    """What a key point earned ("0.32 of 1 point"), to two decimals as the page shows it."""
    return f"{round(result.earned, 2):g} of {counted(result.points, 'point')}"
