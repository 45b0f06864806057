"""Turn an instructor's markdown Q&A document into questions with their model answers.

Shapes understood (all seen in real exam documents):

* ``1. Question?`` followed by a markdown table, paragraphs, bullet lists or ``$$`` LaTeX;
* ``- 2. Question? Answer`` with the answer on the same line;
* ``- 3. Question without a question mark Answer`` (the answer starts at the first
  capitalised word; a ``?`` after the question removes the guesswork);
* numbering with or without a leading ``- ``, and questions without a trailing ``?``.

A question line is an unindented numbered line whose number is the next one expected. Numbered
lines with a lower number are items of an answer; a number that skips ahead is refused, since it
almost always means a question was lost. Anything that cannot be understood raises
:class:`~grader.errors.ContentError` naming the line: a question is never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.content.document import (
    LayoutNote,
    ParsedDocument,
    Question,
)
from grader.content.labelled import is_labelled, read_labelled
from grader.content.qa_table import qa_table, read_qa_table
from grader.content.questions import QuestionDraft, build_or_skip, skip, trim_blank
from grader.errors import ContentError

_QUESTION = re.compile(r"^(?:[-*+]\s+)?(\d{1,4})[.)]\s+(\S.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
# Where an answer written on the question's own line (with no "?") begins: the first word that
# starts with a capital followed by a lower-case letter, after the question's own first words.
_INLINE_ANSWER_START = re.compile(r"\s(?=[A-Z][a-z])")
_MIN_PROMPT_WORDS = 3


@dataclass
class _RawQuestion:
    number: int
    header: str
    line: int
    heading: str | None
    body: list[tuple[int, str]] = field(default_factory=list)


def parse_document(text: str, source: str = "<document>") -> list[Question]:
    """The questions of a Q&A document, every one of them readable (strict: the first that is
    not raises; see :func:`read_document` for what was assumed)."""
    return read_document(text, source, strict=True).questions


def read_document(text: str, source: str = "<document>", *, strict: bool = False) -> ParsedDocument:
    """Parse a Q&A document in whichever layout it uses.

    Labelled layouts ("## Question 3", "Q3.", "Q:"/"A:" pairs, a question paragraph followed by
    "Answer:") are read by :mod:`grader.content.labelled`; numbered ones here.

    Args:
        text: the markdown document.
        source: its name, used in error messages.
        strict: raise at the first question that cannot be read (else it is skipped, listed
            in ``skipped`` with its line, and the others are read).

    Returns:
        The questions in document order, each with a unique, stable id.

    Raises:
        ContentError: the document holds no question, numbering skips or a math block is
            never closed; with ``strict``, also a question that has no answer or whose table
            is malformed.
    """
    table = qa_table(text)
    if table is not None:
        return read_qa_table(text, source, table, strict=strict)
    if is_labelled(text):
        return read_labelled(text, source, strict=strict)
    lines = text.splitlines()
    if not any(_QUESTION.match(line) for line in lines) and any(
        line.rstrip().endswith("?") for line in lines
    ):
        return read_labelled(text, source, by_question_mark=True, strict=strict)
    raw = _split_questions(lines, source)
    if not raw:
        raise ContentError(source, 1, "no numbered question found (expected a line like '1. ...')")
    notes: list[LayoutNote] = []
    questions: list[Question] = []
    used_ids: set[str] = set()
    skipped: list[ContentError] = []
    for item in raw:
        try:
            prompt, inline_answer = _split_prompt(item, source, notes)
        except ContentError as error:
            skip(error, skipped, strict=strict)
            continue
        body = trim_blank(item.body)
        answer_lines = ([(item.line, inline_answer)] if inline_answer else []) + body
        draft = QuestionDraft(source, item.number, prompt, answer_lines, item.line, item.heading)
        question = build_or_skip(draft, used_ids, skipped, strict=strict)
        if question is not None:
            questions.append(question)
    return ParsedDocument(questions, notes, skipped)


def _split_questions(lines: list[str], source: str) -> list[_RawQuestion]:
    questions: list[_RawQuestion] = []
    current: _RawQuestion | None = None
    heading: str | None = None
    in_math = False
    math_start = 0
    for index, line in enumerate(lines, start=1):
        if line.strip().startswith("$$"):
            # A "$$" line toggles display math unless it also closes on the same line.
            stripped = line.strip()
            if not (len(stripped) > 4 and stripped.endswith("$$")):
                in_math = not in_math
                math_start = index
        if not in_math:
            heading_match = _HEADING.match(line)
            if heading_match:
                heading = heading_match.group(1) or None
                # A heading closes the current answer; text under it belongs to no question.
                current = None
                continue
            match = _QUESTION.match(line)
            if match:
                number = int(match.group(1))
                expected = questions[-1].number + 1 if questions else None
                if expected is None or number == expected:
                    current = _RawQuestion(number, match.group(2).strip(), index, heading)
                    questions.append(current)
                    continue
                if number > expected:
                    raise ContentError(
                        source,
                        index,
                        f"question numbering jumps from {expected - 1} to {number}: "
                        f"is question {expected} missing?",
                    )
        if current is not None:
            current.body.append((index, line))
        elif line.strip() and not in_math and _looks_like_question(line):
            raise ContentError(
                source, index, "text that looks like a question outside any numbered question"
            )
    if in_math:
        raise ContentError(source, math_start, "a '$$' math block is never closed")
    return questions


def _looks_like_question(line: str) -> bool:
    return line.rstrip().endswith("?")


def _split_prompt(item: _RawQuestion, source: str, notes: list[LayoutNote]) -> tuple[str, str]:
    """Separate the question's prompt from an answer written on the same line."""
    header = item.header
    has_body = any(text.strip() for _, text in item.body)
    if "?" in header:
        cut = header.index("?") + 1
        if has_body and header[cut:].strip():
            # "Which policy would you choose? Give two reasons." with the answer below: every
            # sentence of the line is the question.
            notes.append(
                LayoutNote(
                    item.line,
                    f"question {item.number}: read the whole line as the question (its answer "
                    "is on the lines below), not only the text up to the first '?'",
                )
            )
            return header.strip(), ""
        return header[:cut].strip(), header[cut:].strip()
    if has_body:
        return header, ""
    words_seen = 0
    for match in _INLINE_ANSWER_START.finditer(header):
        words_seen = len(header[: match.start()].split())
        if words_seen >= _MIN_PROMPT_WORDS:
            prompt, answer = header[: match.start()].strip(), header[match.end() :].strip()
            notes.append(
                LayoutNote(
                    item.line,
                    f"question {item.number}: no '?' ends the question; assumed its answer "
                    f"starts at '{answer.split()[0]}' (the first capitalised word)",
                )
            )
            return prompt, answer
    raise ContentError(
        source,
        item.line,
        f"question {item.number}: cannot tell where the question ends and its answer begins; "
        "end the question with '?' or put the answer on the next line",
    )
