"""Moodle XML question banks: essay and short-answer questions.

An essay question's model answer is its grader information (``graderinfo``); a short-answer
question's is its first answer worth 100%, the other full-mark answers are alternatives, and
partly right ones become grading notes. ``defaultgrade`` gives the points. Other question types
(multiple choice, matching, ...) are listed as not imported. XML is parsed with defusedxml, so
entity expansion and external entities are refused.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from grader.content.document import LayoutNote, ParsedDocument, Question
from grader.content.importers.html_text import html_to_text
from grader.errors import ContentError

_IMPORTED = ("essay", "shortanswer")


def read_moodle_xml(text: str, source: str) -> ParsedDocument:
    """The essay and short-answer questions of a Moodle XML export."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    from grader.content.questions import QuestionDraft, build_question

    try:
        root = fromstring(text)
    except ParseError as error:
        line = error.position[0] if error.position else 1
        raise ContentError(source, line, f"not valid XML: {error}") from error
    except DefusedXmlException as error:
        raise ContentError(source, 1, f"refused: {error}") from error
    if root.tag != "quiz":
        raise ContentError(source, 1, f"a Moodle XML bank has a <quiz> root, this one <{root.tag}>")
    lines = _question_lines(text)
    notes: list[LayoutNote] = []
    questions: list[Question] = []
    used: set[str] = set()
    category: str | None = None
    for index, element in enumerate(root.findall("question")):
        line = lines[index] if index < len(lines) else 1
        kind = element.get("type", "")
        if kind == "category":
            category = (_text(element, "category") or "").rsplit("/", 1)[-1] or None
            continue
        name = _text(element, "name") or f"question {index + 1}"
        if kind not in _IMPORTED:
            notes.append(LayoutNote(line, f"'{name}' is a {kind} question: not imported"))
            continue
        prompt = html_to_text(_text(element, "questiontext") or "")
        if not prompt:
            raise ContentError(source, line, f"'{name}' has no question text")
        answer, alternatives, extra = _answer(element, kind)
        if not answer:
            raise ContentError(
                source,
                line,
                f"'{name}' has no model answer (an essay needs grader information, a short "
                "answer an answer worth 100%)",
            )
        answer_lines = [(line, part) for part in answer.splitlines()]
        points = _float(_text(element, "defaultgrade"))
        if points is not None and points > 0:
            prompt = f"{prompt} ({points:g} points)"
        questions.append(
            build_question(
                QuestionDraft(
                    source,
                    len(questions) + 1,
                    " ".join(prompt.split()),
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
        raise ContentError(source, 1, "no essay or short-answer question in this bank")
    return ParsedDocument(questions, notes)


def _answer(element: Element, kind: str) -> tuple[str, list[str], list[str]]:
    """The model answer, other full-mark answers, and notes (partly right answers, feedback)."""
    if kind == "essay":
        answer = html_to_text(_text(element, "graderinfo") or "")
        feedback = html_to_text(_text(element, "generalfeedback") or "")
        return answer, [], [feedback] if feedback and answer else []
    full, partial = [], []
    for option in element.findall("answer"):
        text = " ".join(html_to_text(_text(option, ".") or "").split())
        fraction = _float(option.get("fraction")) or 0.0
        if not text:
            continue
        if fraction >= 100:
            full.append(text)
        elif fraction > 0:
            partial.append(f"{fraction:g}% for: {text}")
    return (full[0] if full else ""), full[1:], partial


def _text(element: Element, path: str) -> str | None:
    node = element if path == "." else element.find(path)
    if node is None:
        return None
    inner = node.find("text")
    value = inner.text if inner is not None else node.text
    return value.strip() if value else None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _question_lines(text: str) -> list[int]:
    """The line of each ``<question>`` tag, in order (ElementTree keeps no line numbers)."""
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<question[\s>/]", text)]
