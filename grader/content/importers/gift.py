"""GIFT question banks (Moodle's text format): short-answer and essay questions.

``::Title::Question text{=answer =other answer ~%50%half right #feedback ####general}``. A
short-answer question lists its accepted answers with ``=`` (the first is the model answer, the
others alternatives; ``~%50%`` answers become grading notes); an essay question has empty braces
``{}`` and, since GIFT has no grader-information field, its model answer in the general feedback
(``{####The model answer}``). Multiple choice (``~`` without ``%``), true/false, numeric and
matching questions are listed as not imported.
"""

from __future__ import annotations

import re

from grader.content.document import LayoutNote, ParsedDocument, Question
from grader.content.importers.html_text import html_to_text
from grader.errors import ContentError

_TITLE = re.compile(r"^::((?:\\.|[^:])*)::")
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_ESCAPES = re.compile(r"\\([:~=#{}\\])")
_OPTION = re.compile(r"(?<!\\)([=~])")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def read_gift(text: str, source: str) -> ParsedDocument:
    """The short-answer and essay questions of a GIFT file."""
    from grader.content.questions import QuestionDraft, build_question

    notes: list[LayoutNote] = []
    questions: list[Question] = []
    used: set[str] = set()
    category: str | None = None
    for line, chunk in _chunks(text):
        if chunk.startswith("$CATEGORY:"):
            category = chunk.split(":", 1)[1].strip().rsplit("/", 1)[-1] or None
            continue
        title_match = _TITLE.match(chunk)
        title = _unescape(title_match.group(1)).strip() if title_match else ""
        body = chunk[title_match.end() :].strip() if title_match else chunk
        open_at, close_at = _braces(body)
        if open_at < 0:
            raise ContentError(source, line, f"'{title or body[:40]}': no answer block '{{...}}'")
        prompt = body[:open_at].strip()
        written = _FORMAT.match(prompt)
        if written:
            prompt = prompt[written.end() :].strip()
        after = body[close_at + 1 :].strip()
        if after:
            prompt = f"{prompt} ___ {after}"
        answer, alternatives, extra, kind = _options(body[open_at + 1 : close_at])
        if written and written.group(1).lower() == "html":
            # An [html] question's text and answers are HTML, as Moodle reads them: text
            # here ("<p>Explain <b>why</b></p>" was the prompt, and its id "p-explain-b-why").
            prompt, answer = html_to_text(prompt), html_to_text(answer)
            alternatives = [html_to_text(a) for a in alternatives]
            extra = [html_to_text(e) for e in extra]
        prompt = " ".join(_unescape(prompt).split())
        name = title or prompt[:40]
        if kind != "ok":
            notes.append(LayoutNote(line, f"'{name}' is a {kind} question: not imported"))
            continue
        if not answer:
            raise ContentError(
                source,
                line,
                f"'{name}' has no model answer (an essay needs one in its general feedback: "
                "{####...})",
            )
        answer_lines = [(line, answer)]
        questions.append(
            build_question(
                QuestionDraft(
                    source,
                    len(questions) + 1,
                    prompt,
                    answer_lines,
                    line,
                    category,
                    alternatives,
                    extra,
                ),
                used,
            )
        )
    if not questions:
        raise ContentError(source, 1, "no short-answer or essay question in this file")
    return ParsedDocument(questions, notes)


def _chunks(text: str) -> list[tuple[int, str]]:
    """Questions are separated by blank lines; ``//`` comment lines are dropped."""
    chunks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if current:
                chunks.append((start, "\n".join(current).strip()))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        chunks.append((start, "\n".join(current).strip()))
    return chunks


def _braces(body: str) -> tuple[int, int]:
    """Positions of the unescaped answer block's braces, or (-1, -1)."""
    open_at = next((i for i, c in enumerate(body) if c == "{" and body[i - 1 : i] != "\\"), -1)
    if open_at < 0:
        return -1, -1
    close_at = next(
        (i for i in range(open_at + 1, len(body)) if body[i] == "}" and body[i - 1] != "\\"), -1
    )
    return (open_at, close_at) if close_at > 0 else (-1, -1)


def _options(block: str) -> tuple[str, list[str], list[str], str]:
    """The model answer, alternatives, notes and "ok", or the kind of a question not imported."""
    block = block.strip()
    general = ""
    if "####" in block:
        block, general = block.split("####", 1)
        block, general = block.strip(), _unescape(general).strip()
    if not block:  # an essay: the model answer is in the general feedback
        return general, [], [], "ok"
    if block.upper() in ("T", "F", "TRUE", "FALSE") or block.startswith("#"):
        return "", [], [], "true/false or numeric"
    pieces = _OPTION.split(block)
    options = [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)]
    if any(mark == "~" and not _WEIGHT.match(text.strip()) for mark, text in options):
        return "", [], [], "multiple choice"
    if any("->" in text for _, text in options):
        return "", [], [], "matching"
    full, extra = [], []
    for mark, text in options:
        text = re.split(r"(?<!\\)#", text, maxsplit=1)[0]
        weight = _WEIGHT.match(text.strip())
        value = _unescape(_WEIGHT.sub("", text.strip())).strip()
        if not value:
            continue
        if mark == "=" and (weight is None or float(weight.group(1)) >= 100):
            full.append(value)
        elif weight is not None and float(weight.group(1)) > 0:
            extra.append(f"{float(weight.group(1)):g}% for: {value}")
    if general:
        extra.append(general)
    return (full[0] if full else ""), full[1:], extra, "ok"


def _unescape(text: str) -> str:
    return _ESCAPES.sub(r"\1", text)
