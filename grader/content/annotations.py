"""What in a model answer is not the answer: alternatives, grading notes and points.

Instructors write more than the model answer under a question: other answers they accept
("Also accepted: ...", "Accept: ...", "Or: ...", "Alternative answers: ..."), notes for whoever
grades ("Note: ...", "[accept any sensible example]", "0.5 P for a sensible choice, 1 P for each
reason"), and the marks ("(2 points)" after the prompt). None of these is a key point to match.
This module takes them out of the answer's lines and returns them separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BOLD = r"(?:\*\*|__)?"
_ALTERNATIVES = re.compile(
    rf"^\s*(?:[-*+]\s+)?{_BOLD}(?:also\s+accept(?:ed)?|accept(?:ed)?|or|alternatives?|"
    rf"alternative\s+answers?|other\s+(?:correct|accepted)\s+answers?){_BOLD}\s*:\s*{_BOLD}\s*(.*)$",
    re.IGNORECASE,
)
_NOTE = re.compile(
    rf"^\s*(?:[-*+]\s+)?{_BOLD}(?:notes?|grading(?:\s+notes?)?|grader(?:'s)?\s+notes?|"
    rf"marking(?:\s+(?:notes?|scheme))?|for\s+the\s+grader|rubric){_BOLD}\s*:\s*{_BOLD}\s*(.*)$",
    re.IGNORECASE,
)
_POINTS_WORD = r"(?:p|pt|pts|point|points|mark|marks)\b"
_NUMBER = r"\d+(?:[.,]\d+)?"
# A line that is a marking instruction: "0.5 P for a sensible choice, 1 P for each reason".
_POINTS_LINE = re.compile(rf"^\s*(?:[-*+]\s+)?\(?\s*{_NUMBER}\s*{_POINTS_WORD}", re.IGNORECASE)
# The question's marks at the end (or start) of its prompt: "(2 points)", "[3 P]", "- 4 marks".
_PROMPT_POINTS = re.compile(
    rf"\s*[(\[]\s*({_NUMBER})\s*{_POINTS_WORD}\.?\s*[)\]]\s*$"
    rf"|\s+[-\N{{EN DASH}}]\s*({_NUMBER})\s*{_POINTS_WORD}\s*$",
    re.IGNORECASE,
)
# "[a bracketed remark for the grader]": two or more words in brackets, not a markdown link.
_REMARK = re.compile(r"\s*\[([^\[\]]*\s[^\[\]]*)\](?!\()")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_SEPARATORS = re.compile(r"\s*;\s*|\s+\|\s+")


@dataclass
class Annotations:
    """The answer's own lines, and what was taken out of them."""

    lines: list[tuple[int, str]]
    alternatives: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def prompt_points(prompt: str) -> tuple[str, float | None]:
    """The prompt without a trailing marks note, and the marks ("... (2 points)" → 2)."""
    match = _PROMPT_POINTS.search(prompt)
    if match is None:
        return prompt, None
    value = (match.group(1) or match.group(2)).replace(",", ".")
    return prompt[: match.start()].rstrip(), float(value)


def split_annotations(lines: list[tuple[int, str]]) -> Annotations:
    """Separate alternatives and grading notes from an answer's ``(line, text)`` lines.

    A label line ("Also accepted:", "Note:") takes the text after its colon and the list items
    right below it. Bracketed remarks inside the answer become notes too.
    """
    result = Annotations([])
    target: list[str] | None = None  # the list a label line opened, while its items follow
    waiting = False  # a label line with nothing after its colon: its items may follow a blank
    for number, text in lines:
        alternative, note = _ALTERNATIVES.match(text), _NOTE.match(text)
        if alternative or note:
            target = result.alternatives if alternative else result.notes
            rest = (alternative or note).group(1).strip()  # type: ignore[union-attr]
            waiting = not rest
            if rest:
                pieces = _SEPARATORS.split(rest) if target is result.alternatives else [rest]
                target.extend(p.strip(" .") for p in pieces if p.strip(" ."))
            continue
        item = _LIST_ITEM.match(text)
        if target is not None and item:
            target.append(item.group(1).strip(" ."))
            waiting = False
            continue
        if target is not None and not text.strip() and waiting:
            continue
        if target is not None and not text.strip():
            target = None
            result.lines.append((number, text))
            continue
        target = None
        if _POINTS_LINE.match(text):
            result.notes.append(text.strip(" -*+"))
            continue
        remarks = _REMARK.findall(text)
        if remarks:
            result.notes.extend(r.strip() for r in remarks)
            text = _REMARK.sub("", text)
            if not text.strip():
                continue
        result.lines.append((number, text))
    return result
