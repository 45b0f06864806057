"""The layout report of `grader rubrics generate --dry-run`: each question as understood."""

from __future__ import annotations

from grader.content.document import LayoutNote
from grader.rubrics.schema import Rubric


def layout_report(source: str, rubrics: list[Rubric], notes: list[LayoutNote]) -> str:
    """Per question: its prompt, topic, points, criteria (with phrasings), notes; then the
    assumptions the parser made, each with its line."""
    lines: list[str] = []
    for rubric in rubrics:
        number = f"question {rubric.source.number}: " if rubric.source else ""
        lines.append(f"{number}{rubric.id}")
        lines.append(f"  prompt: {rubric.prompt}")
        lines.append(f"  topic: {rubric.topic}")
        rule = rubric.counting_rule()
        counting = f", any {rule.any} of {len(rubric.criteria)} criteria count" if rule else ""
        kind = ", accepts examples" if rubric.accepts == "examples" else ""
        lines.append(f"  points: {rubric.max_points:g}{counting}{kind}")
        for criterion in rubric.criteria:
            lines.append(f"  - [{criterion.points:g}] {criterion.text}")
            lines.extend(f"      or: {phrasing}" for phrasing in criterion.phrasings)
        lines.extend(f"  note: {note}" for note in rubric.notes)
        lines.append("")
    lines.extend(f"assumed: {source}:{note.line}: {note.message}" for note in notes)
    lines.append(f"{len(rubrics)} questions understood; nothing written (--dry-run)")
    return "\n".join(lines)
