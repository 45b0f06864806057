"""Read a Q&A document laid out as a table: one row per question.

```markdown
| Question | Answer | Points |
|---|---|---|
| What is a perceptron? | A single-layer linear classifier. | 1 |
```

The header names the columns (any order, any case): the question ("Question", "Prompt", "Q"),
its model answer ("Answer", "Model answer", "Solution", "A") and, optionally, its marks
("Points", "Marks", "P"). Other columns are left out, and said so. A document with such a
table and no question outside it is read this way (a table inside an answer is part of that
answer: the other layouts read those documents).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from grader.content.document import LayoutNote, ParsedDocument, Question
from grader.content.labelled import headings
from grader.content.questions import QuestionDraft, build_or_skip
from grader.content.tables import SEPARATOR, cells
from grader.errors import ContentError

_COLUMNS = {
    "question": ("question", "questions", "prompt", "q"),
    "answer": ("answer", "answers", "model answer", "sample answer", "solution", "a"),
    "points": ("points", "point", "marks", "mark", "p", "pts"),
}


def _header(row: Sequence[str]) -> dict[str, int] | None:
    """Which column holds what, when the row names a question and an answer column."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        name = " ".join(re.sub(r"[*_`:]", "", cell).lower().split())
        for role, names in _COLUMNS.items():
            if name in names and role not in found:
                found[role] = index
    return found if {"question", "answer"} <= found.keys() else None


def qa_table(text: str) -> tuple[int, dict[str, int]] | None:
    """Where a document's Q&A table starts (0-based line of its header) and its columns, when
    the document is one: its first non-blank lines, headings aside, are a header naming a
    question and an answer column, then the separator row."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = _header(cells(line)) if "|" in line else None
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if columns is None or not SEPARATOR.match(following):
            return None
        return index, columns
    return None


def read_qa_table(
    text: str, source: str, table: tuple[int, dict[str, int]], *, strict: bool = False
) -> ParsedDocument:
    """The questions of the Q&A ``table`` :func:`qa_table` found in ``text``, one per row, in
    order; a row without a question or an answer is skipped with its line."""
    start, columns = table
    lines = text.splitlines()
    heading = next(iter(headings(lines[:start])), None)
    header = list(cells(lines[start]))
    notes = [
        LayoutNote(start + 1, f"column '{name}' is no question, answer or points: left out")
        for i, name in enumerate(header) if i not in columns.values() and name
    ]  # fmt: skip
    used: set[str] = set()
    questions: list[Question] = []
    skipped: list[ContentError] = []
    number = 0
    for offset, line in enumerate(lines[start + 2 :], start=start + 3):
        if "|" not in line:
            if line.strip():
                notes.append(LayoutNote(offset, "text after the table: left out"))
            continue
        found = cells(line)
        number += 1
        row = {role: found[i] for role, i in columns.items() if i < len(found)}
        prompt, answer, points = (row.get(r, "") for r in ("question", "answer", "points"))
        if points:
            prompt = f"{prompt} ({points} points)"
        # "<br>" is how a line break is written inside a table cell.
        answer_lines = [
            (offset, part.strip()) for part in re.split(r"<br\s*/?>", answer, flags=re.I)
        ]
        built = build_or_skip(
            QuestionDraft(source, number, prompt, answer_lines, offset, heading),
            used, skipped, strict=strict,
        )  # fmt: skip
        if built is not None:
            questions.append(built)
    if not questions and not skipped:
        raise ContentError(source, start + 1, "the question table has no rows")
    return ParsedDocument(questions, notes, skipped)
