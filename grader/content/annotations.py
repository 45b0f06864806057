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

from grader.content.document import Mark

# A label in bold or in italics ("**Answer:**", "*Answer:*", "__Note:__", "_Q1._"), or plain.
EMPHASIS = r"(?:\*\*|__|\*|_)?"
_B = EMPHASIS
_ALTERNATIVES = re.compile(
    rf"^\s*(?:[-*+]\s+)?{_B}(?:also\s+accept(?:ed)?|accept(?:ed)?|or|alternatives?|"
    rf"alternative\s+answers?|other\s+(?:correct|accepted)\s+answers?){_B}\s*:\s*{_B}\s*(.*)$",
    re.IGNORECASE,
)
_NOTE = re.compile(
    rf"^\s*(?:[-*+]\s+)?{_B}(?:notes?|grading(?:\s+notes?)?|grader(?:'s)?\s+notes?|"
    rf"marking(?:\s+(?:notes?|scheme))?|for\s+the\s+grader|rubric){_B}\s*:\s*{_B}\s*(.*)$",
    re.IGNORECASE,
)
_POINTS_WORD = r"(?:p|pt|pts|point|points|mark|marks)\b"
_NUMBER = r"\d+(?:[.,]\d+)?"
# A line that is a marking instruction: "0.5 P for a sensible choice, 1 P for each reason".
_POINTS_LINE = re.compile(rf"^\s*(?:[-*+]\s+)?\(?\s*{_NUMBER}\s*{_POINTS_WORD}", re.IGNORECASE)
# A marks note in brackets: "(2 marks)", "[3 P]", "(1 point.)".
MARKS_NOTE = rf"[(\[]\s*{_NUMBER}\s*{_POINTS_WORD}\.?\s*[)\]]"
# The question's marks at the end (or start) of its prompt: "(2 points)", "[3 P]", "- 4 marks".
_PROMPT_POINTS = re.compile(
    rf"\s*[(\[]\s*({_NUMBER})\s*{_POINTS_WORD}\.?\s*[)\]]\s*$"
    rf"|\s+[-\N{{EN DASH}}]\s*({_NUMBER})\s*{_POINTS_WORD}\s*$",
    re.IGNORECASE,
)
# "[a bracketed remark for the grader]": two or more words in brackets, not a markdown link.
_REMARK = re.compile(r"\s*\[([^\[\]]*\s[^\[\]]*)\](?!\()")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
# "[1] the gradient vanishes", "(2 marks) names the reservoir": points first, then the point.
_BRACKET_MARK = re.compile(
    rf"^\s*(?:[-*+]\s+)?[(\[]\s*({_NUMBER})\s*(?:{_POINTS_WORD})?\.?\s*[)\]]"
    rf"\s*[:\-\N{{EN DASH}}]?\s*(\S.*)$",
    re.IGNORECASE,
)
# Where a marking line allots points: "0.5 P for", "1P for", "2 marks:", "and 1P for".
_MARK_AT = re.compile(
    rf"(?:^|(?<=[\s,;.(]))\(?\s*({_NUMBER})\s*{_POINTS_WORD}\.?\s*\)?"
    rf"\s*(?:for\b|:|-|\N{{EN DASH}})?\s*",
    re.IGNORECASE,
)
# A rule per item ("1 P for each reason", "0.5 marks per term") is a note, not one point.
_PER_ITEM = re.compile(r"\b(?:each|every|per)\b", re.IGNORECASE)
# "... out of: A, B, C", "one of: A, B": the accepted choices of one point.
_CHOICES = re.compile(
    r"\s*\b(?:out\s+of|one\s+of|any\s+of|from|among|e\.\s?g\.)\s*:\s*", re.IGNORECASE
)
# "The following properties may be considered: ...": for whoever grades, not a point.
_CONSIDER = re.compile(
    r"^(?:the\s+following\b[^:]*?\s)?(?:may|can|could|might|should)\s+be\s+"
    r"(?:considered|accepted|mentioned|used|named)\b[^:]*:\s*(.*)$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_CHOICE_SPLIT = re.compile(r"\s*[,;]\s*(?:or\s+|and\s+)?|\s+or\s+", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*;\s*|\s+\|\s+")


@dataclass
class Annotations:
    """The answer's own lines, and what was taken out of them."""

    lines: list[tuple[int, str]]
    alternatives: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    # The marking scheme's lines as written: the reference answer when there is no other.
    scheme: list[tuple[int, str]] = field(default_factory=list)


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
            if note and is_mark_line(rest):  # "Marking scheme: 1P for ..."
                result.scheme.append((number, text))
                waiting = read_marks(rest, number, result) or waiting
            elif rest:
                pieces = _SEPARATORS.split(rest) if target is result.alternatives else [rest]
                target.extend(p.strip(" .") for p in pieces if p.strip(" ."))
            continue
        item = _LIST_ITEM.match(text)
        if target is result.notes and item and is_mark_line(item.group(1)):
            result.scheme.append((number, text))  # "- 1P for ..." under "Marking scheme:"
            read_marks(item.group(1), number, result)
            continue
        if target is not None and item:
            if target is result.notes and result.scheme:
                result.scheme.append((number, text))  # a scheme's list stays in its text
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
        consider = _CONSIDER.match(text.strip()) if result.marks else None
        if consider is not None:  # a marking scheme's "may be considered:" list, below it
            result.scheme.append((number, text))
            result.notes.append(text.strip())
            target, waiting = result.notes, not consider.group(1).strip()
            continue
        if is_mark_line(text):
            result.scheme.append((number, text))
            if read_marks(text, number, result):
                target, waiting = result.notes, True  # "may be considered:" items follow
            continue
        remarks = _REMARK.findall(text)
        if remarks:
            result.notes.extend(r.strip() for r in remarks)
            text = _REMARK.sub("", text)
            if not text.strip():
                continue
        result.lines.append((number, text))
    return result


def read_marks(text: str, line: int, into: Annotations) -> bool:
    """A marking-scheme line's points into ``into.marks`` (a per-item rule, "1 P for each
    reason", into its notes, as are "may be considered" lists: they are for whoever grades,
    and a property named there could otherwise earn two points at once). True when the line
    ends by opening such a list, whose items follow on the next lines."""
    text = text.strip().lstrip("-*+ ").strip()
    bracket = _BRACKET_MARK.match(text)
    if bracket is not None:
        pieces = [(float(bracket.group(1).replace(",", ".")), bracket.group(2))]
    else:
        starts = list(_MARK_AT.finditer(text))
        if _PER_ITEM.search(text) or not starts:
            into.notes.append(text)
            return False
        pieces = []
        for index, start in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
            pieces.append((float(start.group(1).replace(",", ".")), text[start.end() : end]))
    opens_list = False
    for points, piece in pieces:
        first, *rest = _SENTENCE.split(piece.strip(), maxsplit=1)
        mark_text, _, choices_text = _split_choices(first)
        mark_text = re.sub(r"\s*(?:\band\b|[,;])\s*$", "", mark_text).strip(" .:")
        if mark_text:
            into.marks.append(Mark(points, mark_text[:1].upper() + mark_text[1:], line,
                                   tuple(_choices(choices_text))))  # fmt: skip
        for sentence in rest:
            into.notes.append(sentence.strip())
            consider = _CONSIDER.match(sentence.strip())
            if consider is not None:  # with nothing after its colon, its items follow
                opens_list = not _choices(consider.group(1))
    return opens_list


def is_mark_line(text: str) -> bool:
    """Whether a line allots points ("1P for ...", "[1] ...", "2 marks: ...")."""
    return bool(_POINTS_LINE.match(text) or _BRACKET_MARK.match(text))


def _split_choices(text: str) -> tuple[str, str, str]:
    parts = _CHOICES.split(text, maxsplit=1)
    return (parts[0], ":", parts[1]) if len(parts) == 2 else (text, "", "")


def _choices(text: str) -> list[str]:
    """ "Token Ring, p-persistent CSMA, … or CSMA/CD" → the named choices."""
    items = [item.strip(" .:\N{HORIZONTAL ELLIPSIS}") for item in _CHOICE_SPLIT.split(text)]
    return [item for item in items if item and item != "..."]
