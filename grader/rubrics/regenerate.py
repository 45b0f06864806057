"""Generate rubric files from a source document without ever clobbering an instructor's edit.

For each question: a missing file is created; a file still exactly as generated is rewritten only
if the new generation differs; a file edited by hand (its stamp no longer matches) is left
byte-for-byte alone and reported. Rubrics from this document whose question disappeared are
reported too, never deleted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.content.document import LayoutNote
from grader.content.load import load_document
from grader.errors import ContentError
from grader.rubrics.generate import build_rubric
from grader.rubrics.loader import RUBRIC_SUFFIXES
from grader.rubrics.render import body_digest, is_untouched, read_stamp, render_rubric
from grader.rubrics.schema import Rubric


@dataclass
class GenerationReport:
    """What a generation run did, by question id."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    edited_and_source_changed: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    layout: list[LayoutNote] = field(default_factory=list)  # what the parser had to assume
    skipped: list[ContentError] = field(default_factory=list)  # questions that were not read


@dataclass
class Plan:
    """The rubrics a document would generate, what was assumed to read it, and the questions
    that could not be read (each error names its line)."""

    rubrics: list[Rubric]
    layout: list[LayoutNote]
    skipped: list[ContentError]


def plan_rubrics(
    source: Path,
    document_name: str | None = None,
    demos: Mapping[str, str] | None = None,
    *,
    strict: bool = False,
) -> Plan:
    """The rubrics ``source`` would generate; writes nothing. A question that cannot be read
    is skipped and listed (``strict``: raise at the first instead).

    Raises:
        ContentError: the document cannot be read at all.
    """
    name = document_name or source.as_posix()
    parsed = load_document(source, name, strict=strict)
    demos = demos or {}
    rubrics = [build_rubric(q, name, demos.get(q.id, "")) for q in parsed.questions]
    return Plan(rubrics, parsed.notes, parsed.skipped)


def generate_rubrics(
    source: Path,
    out_dir: Path,
    document_name: str | None = None,
    demos: Mapping[str, str] | None = None,
    *,
    strict: bool = False,
) -> GenerationReport:
    """Write one ``<question-id>.yaml`` per question of ``source`` into ``out_dir``.

    Args:
        source: the instructor's Q&A document: markdown, Word, Moodle XML or GIFT.
        out_dir: the rubric folder (created if missing).
        document_name: how rubrics refer to the document; defaults to ``source`` as given.
        demos: question id → id of the demo that explains it (the demo registry's links).

    Raises:
        ContentError: the document cannot be parsed (with ``strict``: one of its questions
            cannot be read); nothing is written then. Otherwise an unreadable question is
            skipped and listed in the report's ``skipped``, and the others are written.
    """
    name = document_name or source.as_posix()
    plan = plan_rubrics(source, name, demos, strict=strict)
    rendered = {rubric.id: render_rubric(rubric) for rubric in plan.rubrics}
    out_dir.mkdir(parents=True, exist_ok=True)
    report = GenerationReport(layout=plan.layout, skipped=plan.skipped)
    for question_id, text in rendered.items():
        path = out_dir / f"{question_id}.yaml"
        if not path.exists():
            write_atomic(path, text)
            report.created.append(question_id)
            continue
        existing = path.read_text(encoding="utf-8", errors="replace")
        if existing == text:
            report.unchanged.append(question_id)
        elif is_untouched(existing):
            write_atomic(path, text)
            report.updated.append(question_id)
        else:
            stamp = read_stamp(existing)
            source_changed = stamp is not None and stamp.digest != body_digest(text)
            (report.edited_and_source_changed if source_changed else report.edited).append(
                question_id
            )
    report.orphaned = _orphans(out_dir, name, set(rendered))
    return report


def _orphans(out_dir: Path, document: str, current: set[str]) -> list[str]:
    orphans = []
    for path in sorted(out_dir.iterdir()):
        if path.suffix not in RUBRIC_SUFFIXES or path.stem in current:
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            stamp = read_stamp(handle.readline())
        if stamp is not None and stamp.source == document:
            orphans.append(path.stem)
    return orphans


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
