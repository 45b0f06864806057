"""Read Q&A documents whose questions are labelled rather than numbered in a list.

Layouts (mixed freely within a document):

* a heading per question: ``## Question 3``, ``### Q3: What is ...?``, then the question's
  paragraph (if the heading does not hold it) and its answer;
* ``Q:`` / ``A:`` pairs (also ``Question 3:`` / ``Answer:``, ``Q3.``, in bold or not), on one
  line each or as paragraphs;
* a question paragraph of any number of sentences followed by its answer after a blank line or
  after a line starting ``Answer:`` / ``A:`` / ``Model answer:``.

The document's block structure (paragraphs, lists, tables, code) comes from markdown-it-py's
tokens, with their source lines, so a list or a table under an answer is never mistaken for a
question. Whatever the reader has to assume is reported as a :class:`LayoutNote` with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.content.annotations import EMPHASIS, MARKS_NOTE
from grader.content.document import LayoutNote, ParsedDocument, Question
from grader.content.questions import ANSWER_LABEL, QuestionDraft, build_or_skip, skip
from grader.errors import ContentError

_B = EMPHASIS
# "Q:", "Question 3.", "**Q3)**", and with the question's marks: "**Question 1 (2 marks).**"
# (kept with the prompt, whose marks are read from its end).
_QUESTION_LABEL = re.compile(
    rf"^\s*{_B}(?:question|q)\s*(\d{{1,4}})?\s*(?P<marks>{MARKS_NOTE})?\s*{_B}\s*[:.)]"
    rf"\s*{_B}\s*(.*)$",
    re.IGNORECASE,
)
_QUESTION_HEADING = re.compile(r"^(?:question|q)\s*(\d{1,4})\b\s*[:.)-]?\s*(.*)$", re.IGNORECASE)
# "### 3. What is momentum?": a numbered heading, a question where the document's numbered
# headings mostly ask something (:func:`numbered_headings_ask`); else a section's title.
_NUMBERED_HEADING = re.compile(r"^(\d{1,4})[.)]\s+(\S.*)$")
_NUMBERED = re.compile(r"^(?:[-*+]\s+)?\d{1,4}[.)]\s+\S")


def headings(lines: list[str]) -> list[str]:
    """The text of each ATX heading line ("## 3. What is ...?" → "3. What is ...?")."""
    return [line.lstrip("#").strip() for line in lines if line.lstrip().startswith("#")]


def numbered_headings_ask(text: str) -> bool:
    """Whether the document's numbered headings are its questions: at least half of them ask
    something ("?"), and no numbered list, question label or "Question 3" heading says where its
    questions are instead ("## 1. Introduction" over numbered questions stays a section)."""
    lines = text.splitlines()
    titles = headings(lines)
    numbered = [h for h in titles if _NUMBERED_HEADING.match(h)]
    if not numbered:
        return False
    if any(_NUMBERED.match(line) or _QUESTION_LABEL.match(line) for line in lines) or any(
        _QUESTION_HEADING.match(h) for h in titles
    ):
        return False
    return 2 * sum("?" in h for h in numbered) >= len(numbered)


def is_labelled(text: str) -> bool:
    """Whether the document labels its questions ("Q:", "Question 3", "## Q3", or numbered
    headings that ask: "### 3. What is ...?"), or labels its answers ("Answer:") without
    numbering its questions."""
    if numbered_headings_ask(text):
        return True
    answer_labels = numbered = False
    for line in text.splitlines():
        stripped = line.lstrip("#").strip()
        if line.lstrip().startswith("#") and _QUESTION_HEADING.match(stripped):
            return True
        if _QUESTION_LABEL.match(line):
            return True
        answer_labels = answer_labels or bool(ANSWER_LABEL.match(line) and ":" in line[:20])
        numbered = numbered or bool(_NUMBERED.match(line))
    return answer_labels and not numbered


@dataclass
class _Draft:
    number: int
    line: int
    heading: str | None
    # Before an answer label: (line, text, block) of everything under the question. With a
    # label, all of it is the question; without one, the first block is and the rest answers.
    pending: list[tuple[int, str, int]] = field(default_factory=list)
    answer: list[tuple[int, str]] = field(default_factory=list)
    labelled: bool = False  # an "Answer:" label was seen
    marks: str = ""  # the label's marks note ("(2 marks)"), read at the prompt's end

    def finish(self, notes: list[LayoutNote]) -> tuple[str, list[tuple[int, str]]]:
        """The prompt (with the label's marks note at its end) and the answer's lines."""
        prompt, answer = self._read(notes)
        return (f"{prompt} {self.marks}" if prompt and self.marks else prompt), answer

    def _read(self, notes: list[LayoutNote]) -> tuple[str, list[tuple[int, str]]]:
        if self.labelled or not self.pending:
            prompt = [text for _, text, _ in self.pending]
            return " ".join(p.strip() for p in prompt if p.strip()), self.answer
        first = self.pending[0][2]
        prompt = [text for _, text, block in self.pending if block == first]
        rest = [(line, text) for line, text, block in self.pending if block != first]
        if rest:
            notes.append(
                LayoutNote(
                    rest[0][0],
                    f"question {self.number}: no 'Answer:' label; read the text after the "
                    "question's first paragraph as its answer",
                )
            )
        return " ".join(p.strip() for p in prompt if p.strip()), rest + self.answer

    def answered(self) -> bool:
        """Whether anything after the question's own paragraph was read."""
        return self.labelled or len({block for _, text, block in self.pending if text}) >= 2


@dataclass(frozen=True)
class _Block:
    kind: str  # "heading", "paragraph" or "other" (lists, tables, code, math, quotes)
    start: int  # 1-based first line
    lines: list[str]
    text: str = ""  # a heading's inline text


def _blocks(text: str) -> list[_Block]:
    from markdown_it import MarkdownIt

    source = text.splitlines()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[_Block] = []
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None or token.nesting == -1:
            continue
        start, end = token.map
        lines = source[start:end]
        if token.type == "heading_open":
            blocks.append(_Block("heading", start + 1, lines, tokens[index + 1].content))
        elif token.type == "paragraph_open":
            blocks.append(_Block("paragraph", start + 1, lines))
        else:
            blocks.append(_Block("other", start + 1, lines))
    return blocks


def read_labelled(
    text: str, source: str, by_question_mark: bool = False, *, strict: bool = False
) -> ParsedDocument:
    """The questions of a labelled document, in order, with what was assumed.

    With ``by_question_mark`` (a document with neither numbers nor labels), a paragraph that
    asks something ("?") starts a question, and the blocks after it are its answer. When only the
    answers are labelled ("Answer:"), each paragraph after an answer starts the next question.
    """

    notes: list[LayoutNote] = []
    drafts: list[_Draft] = []
    heading: str | None = None
    current: _Draft | None = None
    asking_headings = numbered_headings_ask(text)
    lines = text.splitlines()
    answers_only = (
        not by_question_mark
        and not asking_headings
        and not any(_QUESTION_LABEL.match(line) for line in lines)
        and not any(_QUESTION_HEADING.match(h) for h in headings(lines))
    )

    def start(number: str | None, line: int, prompt: str, block: int) -> _Draft:
        draft = _Draft(int(number) if number else len(drafts) + 1, line, heading)
        if prompt.strip():
            draft.pending.append((line, prompt, block))
        drafts.append(draft)
        return draft

    for index, block in enumerate(_blocks(text)):
        if block.kind == "heading":
            match = _QUESTION_HEADING.match(block.text.strip()) or (
                _NUMBERED_HEADING.match(block.text.strip()) if asking_headings else None
            )
            if match:
                current = start(match.group(1), block.start, match.group(2), index)
            else:
                heading, current = block.text.strip() or None, None
            continue
        if (
            by_question_mark
            and block.kind == "paragraph"
            and "?" in " ".join(block.lines)
            and (current is None or current.answered())
        ):
            current = start(None, block.start, " ".join(block.lines), index)
            notes.append(
                LayoutNote(
                    block.start,
                    f"question {current.number}: no number or label; read this paragraph as a "
                    "question: it asks something ('?')",
                )
            )
            current.pending.append((block.start + len(block.lines), "", index))
            continue
        if (
            answers_only
            and block.kind == "paragraph"
            and not ANSWER_LABEL.match(block.lines[0])
            and (current is None or current.labelled)
        ):
            # Only the answers are labelled: the paragraph before an "Answer:" asks.
            current = start(None, block.start, "", index)
        # Labels may start any line of a paragraph ("Q: ...\nA: ..." is one paragraph).
        for offset, line in enumerate(block.lines):
            number = block.start + offset
            question = _QUESTION_LABEL.match(line) if block.kind == "paragraph" else None
            answer = ANSWER_LABEL.match(line) if block.kind == "paragraph" else None
            if question and not answer:
                current = start(question.group(1), number, question.group(3), index)
                current.marks = question.group("marks") or ""
            elif answer and current is not None and not current.labelled:
                current.labelled = True
                if answer.group(2).strip():
                    current.answer.append((number, answer.group(2)))
            elif current is None:
                if line.strip():
                    notes.append(LayoutNote(number, "text outside any question: left out"))
            elif current.labelled:
                current.answer.append((number, line))
            else:
                current.pending.append((number, line, index))
        if current is not None:  # keep blocks apart, as the document does
            end = block.start + len(block.lines)
            if current.labelled:
                current.answer.append((end, ""))
            else:
                current.pending.append((end, "", index))
    if not drafts:
        raise ContentError(source, 1, "no question found (expected 'Q:', 'Question 1', ...)")
    used: set[str] = set()
    questions: list[Question] = []
    skipped: list[ContentError] = []
    for draft in drafts:
        prompt, answer_lines = draft.finish(notes)
        if not prompt:
            missing = f"question {draft.number} has no question text"
            skip(ContentError(source, draft.line, missing), skipped, strict=strict)
            continue
        built = build_or_skip(
            QuestionDraft(source, draft.number, prompt, answer_lines, draft.line, draft.heading),
            used, skipped, strict=strict,
        )  # fmt: skip
        if built is not None:
            questions.append(built)
    return ParsedDocument(questions, notes, skipped)
