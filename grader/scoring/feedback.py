"""Short, specific feedback: what was good, what is missing, and a hint."""

from __future__ import annotations

from grader.rubrics.schema import Rubric
from grader.scoring.grade import CriterionResult, MisconceptionResult, Verdict

_MAX_QUOTE = 80


def write_feedback(
    rubric: Rubric,
    criteria: list[CriterionResult],
    misconceptions: list[MisconceptionResult],
    verdict: Verdict,
    reasons: list[str],
) -> tuple[str, str | None]:
    """The feedback text and the hint to show (None when nothing is missing)."""
    parts: list[str] = []
    if reasons:
        parts.append(reasons[0][:1].upper() + reasons[0][1:] + ".")
    met = [c for c in criteria if c.met and c.selected]
    if met:
        parts.append("Good: " + "; ".join(_short(c.text) for c in met) + ".")
    explanations = {m.id: m.explanation for m in rubric.misconceptions}
    for misconception in misconceptions:
        why = explanations.get(misconception.id) or f"that is a misconception: {misconception.text}"
        parts.append(f'Not right: "{_short(misconception.evidence)}" ({_short(why)}).')
    for c in criteria:
        if c.note == "negated" and not c.met:
            parts.append(f'You denied a key point: "{_short(c.evidence or c.text)}".')
    missing = _missing(rubric, criteria)
    if missing:
        parts.append("Missing: " + "; ".join(_short(c.text) for c in missing) + ".")
    hint = None
    if verdict != "correct":
        with_hint = [c for c in missing if _criterion_hint(rubric, c.id)]
        hint = _criterion_hint(rubric, with_hint[0].id) if with_hint else None
        hint = hint or (rubric.hints[0] if rubric.hints else None)
    if missing and rubric.demo:
        parts.append(f"See it happen: run the demo '{rubric.demo}'.")
    return " ".join(parts) or "No key point of the answer was found.", hint


def _missing(rubric: Rubric, criteria: list[CriterionResult]) -> list[CriterionResult]:
    """Missed criteria; under a select rule only as many as are still needed."""
    missed = [c for c in criteria if not c.met]
    if rubric.select is None:
        return missed
    group = set(rubric.select.of) or {c.id for c in rubric.criteria}
    still_needed = rubric.select.any - sum(1 for c in criteria if c.met and c.id in group)
    outside = [c for c in missed if c.id not in group]
    inside = [c for c in missed if c.id in group]
    return outside + inside[: max(0, still_needed)]


def _criterion_hint(rubric: Rubric, criterion_id: str) -> str:
    return next((c.hint for c in rubric.criteria if c.id == criterion_id), "")


def _short(text: str) -> str:
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1].rstrip() + "…"
