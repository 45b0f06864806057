"""Write generated rubrics as YAML, stamped so that a later regeneration can tell hand edits.

The first line of a generated file records the sha256 of the rest of the file. If the rest no
longer hashes to it, an instructor has edited the file and regeneration must leave it alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.scalarstring import LiteralScalarString

from grader.rubrics.schema import Rubric
from grader.rubrics.yaml_io import dump_yaml

_STAMP = re.compile(
    r"^# grader:generated source=(?P<source>\S+) question=(?P<number>\d+)"
    r" sha256=(?P<digest>[0-9a-f]{64})$"
)
_NOTICE = (
    "# Generated from the instructor's Q&A document. Edit freely: once this file is edited,\n"
    "# `grader rubrics generate` leaves it alone and lists it as edited by hand.\n"
)
# Per-criterion and per-misconception fields shown even when empty, as an invitation to fill them.
_ALWAYS_SHOWN = {"phrasings"}


@dataclass(frozen=True)
class Stamp:
    """What a generated file's first line says about its origin."""

    source: str
    number: int
    digest: str


def render_rubric(rubric: Rubric) -> str:
    """The full text of a generated rubric file, first-line stamp included."""
    source = rubric.source.document if rubric.source else "-"
    number = rubric.source.number if rubric.source else 0
    body = _NOTICE + dump_yaml(_document(rubric))
    return f"# grader:generated source={source} question={number} sha256={_digest(body)}\n{body}"


def body_digest(text: str) -> str:
    """The digest of everything after a rendered file's first line (the stamp)."""
    return _digest(text.partition("\n")[2])


def read_stamp(text: str) -> Stamp | None:
    """The stamp on the first line of ``text``, if there is one."""
    match = _STAMP.match(text.partition("\n")[0])
    if match is None:
        return None
    return Stamp(match["source"], int(match["number"]), match["digest"])


def is_untouched(text: str) -> bool:
    """True when a generated file is exactly as generation wrote it."""
    stamp = read_stamp(text)
    return stamp is not None and stamp.digest == body_digest(text)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _document(rubric: Rubric) -> dict[str, Any]:
    data = rubric.model_dump(mode="python", exclude_none=True)
    if data["accepts"] == "key-points":  # the default: say it only when it is not
        del data["accepts"]
    # No empty field is written (`demo: ''`, `notes: []`): the defaults say the same.
    for key in ("notes", "demo", "hints", "misconceptions"):
        if not data.get(key):
            data.pop(key, None)
    data["criteria"] = [_compact(item) for item in data["criteria"]]
    if "misconceptions" in data:
        data["misconceptions"] = [_compact(item) for item in data["misconceptions"]]
    if "\n" in data["reference_answer"]:
        data["reference_answer"] = LiteralScalarString(data["reference_answer"] + "\n")
    document: dict[str, Any] = _plain_numbers(data)
    return document


def _compact(item: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in item.items()
        if value not in ("", [], None) or key in _ALWAYS_SHOWN
    }


def _plain_numbers(value: Any) -> Any:
    """1.0 → 1, so instructors see the points they would type."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    return value
