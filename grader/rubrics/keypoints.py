"""Find the key points of a model answer from its structure.

* a comparison table: one point per row, a *contrast* between the header's subjects;
* a bullet list: one point per bullet;
* a short answer that is a list ("Vanishing and exploding gradients"): one point per item, with
  a shared head noun given back to each item ("vanishing gradients", "exploding gradients");
* running text: one point per substantive sentence, splitting comma-spliced sentences.

Display math, and an equation's caption line, are kept out of the key points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.content.document import Block, BulletList, Math, Paragraph, Question, Table

# A table whose first header cell is empty or one of these labels its rows in the first column.
_ROW_LABEL_HEADERS = {"", "aspect", "feature", "property", "criterion", "difference", "basis"}
_QUALIFIERS = {
    "except", "but", "then", "without", "unless", "including", "excluding", "not", "only",
    "if", "when", "because", "so",
}  # fmt: skip
_MAX_LIST_WORDS = 12
_MAX_LIST_ITEM_WORDS = 4
_MIN_SENTENCE_WORDS = 3
_SUBORDINATORS = {
    "if", "when", "while", "because", "although", "though", "since", "as", "after", "before",
    "unless", "whereas", "once",
}  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])|\s*\.(?=[A-Z])")
# "..., the weights of X are ..." starts a new statement: a comma splice.
_COMMA_SPLICE = re.compile(r"\s*,\s*(?=(?:the|its|their)\s)", re.IGNORECASE)
_LEAD_IN = re.compile(
    r",?\s*(?:which|that)\s+(?:has|have|is|are|includes?)\s+the\s+following\b[^:]*:\s*$"
    r"|\s*(?:as follows|the following(?:\s+\w+)?)\s*:\s*$",
    re.IGNORECASE,
)
_LIST_SPLIT = re.compile(r"\s*[,;]\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class KeyPoint:
    """One point a full answer makes; ``contrast`` pairs each subject with its claim."""

    text: str
    contrast: tuple[tuple[str, str], ...] = ()


def key_points(question: Question, expected: int | None = None) -> list[KeyPoint]:
    """The key points of ``question``'s model answer, in answer order (``expected``: how many
    the question asks for, where it says; it settles how a list in running text splits)."""
    points: list[KeyPoint] = []
    previous: Block | None = None
    prose = [block for block in question.blocks if not isinstance(block, Math)]
    for block in question.blocks:
        if isinstance(block, Table):
            points.extend(_table_points(block))
        elif isinstance(block, BulletList):
            points.extend(KeyPoint(clean(item)) for item in block.items if clean(item))
        elif isinstance(block, Paragraph):
            if isinstance(previous, Math) and _is_caption(block.text):
                pass
            elif len(prose) == 1 and _is_inline_list(block.text):
                points.extend(KeyPoint(item) for item in _list_items(block.text, expected))
            else:
                points.extend(KeyPoint(s) for s in _sentences(block.text) if _substantive(s))
        previous = block
    return points


def clean(text: str) -> str:
    """A key point's text: markdown emphasis removed, math kept between its ``$`` delimiters
    (the pages typeset it; without them "x(1), \\ldots, x(\\tau)" showed raw, and the scorer
    reads either the same: ``scoring.text.readable``)."""
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = text.strip().rstrip(",;").strip()
    return text[:1].upper() + text[1:] if text else text


def _table_points(table: Table) -> list[KeyPoint]:
    header = list(table.header)
    labelled = header[0].strip().casefold() in _ROW_LABEL_HEADERS and len(header) > 2
    subjects = header[1:] if labelled else header
    points: list[KeyPoint] = []
    for row in table.rows:
        label = clean(row[0]) if labelled else ""
        cells = row[1:] if labelled else row
        pairs = tuple(
            (clean(subject), clean(cell).rstrip("."))
            for subject, cell in zip(subjects, cells, strict=True)
        )
        if len(subjects) < 2 or not all(subject for subject in subjects):
            points.append(KeyPoint(clean(" ".join(cells))))
            continue
        body = "; ".join(f"{subject}: {claim}" for subject, claim in pairs)
        points.append(KeyPoint(f"{label}: {body}" if label else body, pairs))
    return points


def _is_caption(text: str) -> bool:
    """A short line without a sentence end right under an equation labels it."""
    return not text.rstrip().endswith((".", "!", "?", ":")) and len(text.split()) <= 12


def _is_inline_list(text: str) -> bool:
    stripped = text.strip().rstrip(".")
    if re.search(r"[.!?:]\s", stripped) or len(stripped.split()) > _MAX_LIST_WORDS:
        return False
    items = [item for item in _LIST_SPLIT.split(stripped) if item]
    # "All the dimensions, except the first one" is one point with a qualifier, not a list.
    if any(item.split()[0].casefold() in _QUALIFIERS for item in items[1:]):
        return False
    return all(len(item.split()) <= _MAX_LIST_ITEM_WORDS for item in items)


def _list_items(text: str, expected: int | None = None) -> list[str]:
    items = _split_list(text.strip().rstrip("."), expected)
    # "Vanishing and exploding gradients": single-word items share the last item's head noun.
    last = items[-1].split()
    if len(items) > 1 and len(last) > 1 and all(len(item.split()) == 1 for item in items[:-1]):
        head = " ".join(last[1:])
        items = [f"{item} {head}" for item in items[:-1]] + [items[-1]]
    return [clean(item) for item in items]


def _split_list(text: str, expected: int | None) -> list[str]:
    """A list by its own separators: with commas, only at commas ("mutual exclusion, hold and
    wait, no preemption" keeps "hold and wait"), and at a last "and"/"or" without a comma
    ("A, B and C") unless the items already number what the question asks; without commas,
    at "and"/"or" ("vanishing and exploding gradients")."""
    if not re.search(r"[,;]", text):
        return [item for item in _LIST_SPLIT.split(text) if item]
    items = [re.sub(r"^(?:and|or)\s+", "", item.strip(), flags=re.IGNORECASE)
             for item in re.split(r"\s*[,;]\s*", text)]  # fmt: skip
    items = [item for item in items if item]
    oxford = re.search(r"[,;]\s*(?:and|or)\s", text, re.IGNORECASE) is not None
    last = re.split(r"\s+(?:and|or)\s+", items[-1], maxsplit=1, flags=re.IGNORECASE)
    if not oxford and len(last) == 2 and expected != len(items):
        items = items[:-1] + last
    return items


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if sentence.endswith(":"):
            sentence = _LEAD_IN.sub("", sentence).rstrip(":").strip()
        sentences.extend(_split_comma_splice(sentence))
    return [clean(sentence) for sentence in sentences if sentence]


def _split_comma_splice(sentence: str) -> list[str]:
    """Split "A are fixed ,the B are trained" in two; keep "If A, the B ..." whole."""
    parts = [sentence]
    for match in _COMMA_SPLICE.finditer(sentence):
        left, right = sentence[: match.start()], sentence[match.end() :]
        first_word = left.split()[0].casefold() if left.split() else ""
        if len(left.split()) >= 6 and len(right.split()) >= 6 and first_word not in _SUBORDINATORS:
            return [left, *_split_comma_splice(right)]
    return parts


def _substantive(text: str) -> bool:
    return len(clean(text).split()) >= _MIN_SENTENCE_WORDS
