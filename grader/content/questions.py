"""From a question's prompt and answer lines to a :class:`Question`: the one builder every layout
(numbered, labelled) and importer (Word, Moodle XML, GIFT) ends in.

The answer's blocks are read here: paragraphs, bullet lists, ``$$`` math and markdown tables,
with a malformed one refused at its line. A leading "Answer:" label is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from grader.content.annotations import (
    EMPHASIS,
    is_mark_line,
    prompt_points,
    split_annotations,
)
from grader.content.document import (
    Block,
    BulletList,
    Math,
    Paragraph,
    Question,
    Table,
)
from grader.content.slug import slugify
from grader.content.tables import SEPARATOR, cells
from grader.errors import ContentError

_B = EMPHASIS
ANSWER_LABEL = re.compile(
    rf"^\s*{_B}(?:a|ans|answer|model\s+answer|sample\s+answer|solution)\s*(\d{{1,4}})?\s*{_B}\s*[:.)]"
    rf"\s*{_B}\s*(.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
_BULLET_MARK = re.compile(r"^\s*[-*+]\s+")


@dataclass(frozen=True)
class QuestionDraft:
    """What every layout and importer reads of a question before it becomes a :class:`Question`:
    its prompt and its answer's lines, with where it was and any alternatives or notes."""

    source: str
    number: int
    prompt: str
    answer_lines: list[tuple[int, str]]
    line: int
    heading: str | None = None
    alternatives: Sequence[str] = ()
    notes: Sequence[str] = ()


def build_question(draft: QuestionDraft, used_ids: set[str]) -> Question:
    """A question from its prompt and its answer's lines: alternatives, notes and marks apart;
    its id is unique among ``used_ids`` (and added to them).

    Raises:
        ContentError: there is no answer left once the grading notes are taken out, and no
            marking scheme that allots points either.
    """
    prompt, points = prompt_points(draft.prompt)
    annotations = split_annotations(strip_answer_label(draft.answer_lines))
    lines = trim_blank(annotations.lines)
    if not lines and not annotations.marks:
        raise ContentError(
            draft.source,
            draft.line,
            f"question {draft.number} has no answer (neither a model answer nor a marking "
            "scheme that allots points, e.g. '1P for ...')",
        )
    # A question answered only by its marking scheme: the scheme is the reference answer and
    # its points the criteria. Beside a model answer, the answer's key points are what to
    # match ("1 point for the policy" names no content), so the scheme is a note for whoever
    # grades and, where the prompt states no marks, its total is the question's.
    blocks = _parse_blocks(lines, draft.source) if lines else []
    answer_lines = lines or annotations.scheme
    marks = tuple(annotations.marks)
    notes = list(annotations.notes)
    if lines and marks:
        notes += [text.strip(" -*+") for _, text in annotations.scheme if is_mark_line(text)]
        points = points if points is not None else sum(mark.points for mark in marks)
        marks = ()
    return Question(
        id=_unique_id(slugify(prompt), used_ids),
        number=draft.number,
        prompt=prompt,
        answer="\n".join(text for _, text in answer_lines).strip(),
        blocks=tuple(blocks),
        line=draft.line,
        heading=draft.heading,
        alternatives=(*annotations.alternatives, *draft.alternatives),
        notes=(*notes, *draft.notes),
        points=points,
        marks=marks,
    )


def build_or_skip(
    draft: QuestionDraft, used_ids: set[str], skipped: list[ContentError], *, strict: bool
) -> Question | None:
    """``build_question``, except that a question that cannot be read is set aside (see
    :func:`skip`) and None returned, so the document's other questions are still read."""
    try:
        return build_question(draft, used_ids)
    except ContentError as error:
        skip(error, skipped, strict=strict)
        return None


def skip(error: ContentError, skipped: list[ContentError], *, strict: bool) -> None:
    """A question that cannot be read: listed in ``skipped`` (its error names its line), or,
    ``strict``, raised."""
    if strict:
        raise error
    skipped.append(error)


def strip_answer_label(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The answer's lines without a leading "Answer:" label (numbered layouts use it too),
    also where the label opens a bullet under its question ("1) Define ...\n   - Answer: ...")."""
    for index, (number, text) in enumerate(lines):
        if not text.strip():
            continue
        match = ANSWER_LABEL.match(text) or ANSWER_LABEL.match(_BULLET_MARK.sub("", text, count=1))
        if match is None:
            return lines
        rest = match.group(2)
        return lines[:index] + ([(number, rest)] if rest.strip() else []) + lines[index + 1 :]
    return lines


def trim_blank(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    start, end = 0, len(body)
    while start < end and not body[start][1].strip():
        start += 1
    while end > start and not body[end - 1][1].strip():
        end -= 1
    return body[start:end]


def _parse_blocks(lines: list[tuple[int, str]], source: str) -> list[Block]:
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        number, text = lines[index]
        stripped = text.strip()
        if not stripped:
            index += 1
        elif stripped.startswith("$$"):
            index = _read_math(lines, index, source, blocks)
        elif stripped.startswith("|"):
            index = _read_table(lines, index, source, blocks)
        elif _BULLET.match(text):
            index = _read_bullets(lines, index, blocks)
        else:
            paragraph: list[str] = []
            while index < len(lines):
                text = lines[index][1]
                if not text.strip() or text.strip().startswith(("$$", "|")) or _BULLET.match(text):
                    break
                paragraph.append(text.strip())
                index += 1
            blocks.append(Paragraph(" ".join(paragraph), number))
    return blocks


def _read_math(lines: list[tuple[int, str]], index: int, source: str, blocks: list[Block]) -> int:
    start_line, first = lines[index]
    first = first.strip()
    if len(first) > 4 and first.endswith("$$"):
        blocks.append(Math(first[2:-2].strip(), start_line))
        return index + 1
    tex: list[str] = [first[2:]]
    index += 1
    while index < len(lines):
        text = lines[index][1].strip()
        if text.endswith("$$"):
            tex.append(text[:-2])
            blocks.append(Math("\n".join(part for part in tex if part).strip(), start_line))
            return index + 1
        tex.append(text)
        index += 1
    raise ContentError(source, start_line, "a '$$' math block is never closed")


def _read_table(lines: list[tuple[int, str]], index: int, source: str, blocks: list[Block]) -> int:
    start_line = lines[index][0]
    table_lines: list[tuple[int, str]] = []
    while index < len(lines) and lines[index][1].strip().startswith("|"):
        table_lines.append(lines[index])
        index += 1
    if len(table_lines) < 2 or not SEPARATOR.match(table_lines[1][1]):
        raise ContentError(
            source, start_line, "a table needs a header row followed by a '|---|---|' separator"
        )
    header = cells(table_lines[0][1])
    rows: list[tuple[str, ...]] = []
    for number, text in table_lines[2:]:
        row = cells(text)
        if len(row) != len(header):
            raise ContentError(
                source, number, f"table row has {len(row)} cells, the header has {len(header)}"
            )
        if any(row):
            rows.append(row)
    if not rows:
        raise ContentError(source, start_line, "a table with a header but no rows")
    blocks.append(Table(header, tuple(rows), start_line))
    return index


def _read_bullets(lines: list[tuple[int, str]], index: int, blocks: list[Block]) -> int:
    start_line = lines[index][0]
    items: list[str] = []
    while index < len(lines):
        text = lines[index][1]
        match = _BULLET.match(text)
        if match:
            items.append(match.group(1).strip())
        elif text.strip() and text[:1].isspace() and items:
            # An indented line continues the previous item.
            items[-1] = f"{items[-1]} {text.strip()}"
        else:
            break
        index += 1
    blocks.append(BulletList(tuple(items), start_line))
    return index


def _unique_id(base: str, used: set[str]) -> str:
    candidate, suffix = base, 2
    while candidate in used:
        candidate = f"{base}-{suffix}"
        suffix += 1
    used.add(candidate)
    return candidate
