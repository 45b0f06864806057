"""Where each criterion's evidence lies in the student's own answer, for highlighting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Segment:
    """A piece of the answer; ``marks`` are the numbers (1-based) of the criteria whose
    evidence covers it (empty: plain text)."""

    text: str
    marks: list[int] = field(default_factory=list)


def _span(answer: str, evidence: str) -> tuple[int, int] | None:
    """Where ``evidence`` is in ``answer``: as written, else ignoring case and spacing."""
    start = answer.find(evidence)
    if start >= 0:
        return start, start + len(evidence)
    words = evidence.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    found = re.search(pattern, answer, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None


def highlight(answer: str, evidence: list[tuple[int, str | None]]) -> list[Segment]:
    """Split ``answer`` into segments marked with the criteria (number, evidence) found in
    them. Evidence that is not in the answer (normalised away) marks nothing."""
    covering: list[list[int]] = [[] for _ in answer]
    for number, text in evidence:
        span = _span(answer, text.strip()) if text else None
        if span is None:
            continue
        for index in range(*span):
            covering[index].append(number)
    segments: list[Segment] = []
    for char, marks in zip(answer, covering, strict=True):
        if segments and segments[-1].marks == marks:
            segments[-1].text += char
        else:
            segments.append(Segment(char, list(marks)))
    return segments
