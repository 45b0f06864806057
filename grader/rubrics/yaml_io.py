"""Read and write rubric YAML with ruamel.yaml's round-trip mode.

Round-trip keeps instructors' comments and key order, and records the line of every key and
item so that validation errors can name them. Reading is defensive: a file over the size limit
is refused unread, and anchors/aliases are refused before anything is built (a rubric never
needs them, and they are how a small "billion laughs" file expands into a huge document).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
    ScalarEvent,
)

from grader.rubrics.checks import Loc

# A rubric is a mapping of lists of small mappings: four levels deep (criteria → a criterion →
# contrast → a claim); anything much deeper or larger is not a rubric. Both are checked while
# the events stream in, before anything is built: a nesting bomb ("[[[[...") is refused at its
# 13th bracket instead of costing seconds of parsing and a RecursionError.
MAX_DEPTH = 12
MAX_NODES = 5_000
# A plain scalar of this many digits is no rubric value, and YAML would read it as an integer
# past Python's 4,300-digit conversion limit (a ValueError with no line).
MAX_NUMBER_DIGITS = 40
_LONG_NUMBER = re.compile(rf"[-+]?[0-9_]{{{MAX_NUMBER_DIGITS + 1},}}")
# Control characters (a NUL written as "\0" among them) no database text column or page holds:
# refused in every value, at its line. Tabs and line breaks are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class YamlReadError(Exception):
    """A file that cannot be read as a rubric document; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    # Never fold long lines: folding leaves trailing spaces and splits sentences mid-way.
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def read_bytes_limited(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing (unread) anything larger than ``max_bytes``."""
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlReadError(1, f"file is {size} bytes, over the {max_bytes}-byte limit")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # the file grew while we looked at it
        raise YamlReadError(1, f"file is over the {max_bytes}-byte limit")
    return data


def parse_yaml(data: bytes) -> CommentedMap:
    """Parse one rubric document into a round-trip mapping.

    Raises:
        YamlReadError: not UTF-8, not valid YAML, uses anchors/aliases, or is not a mapping.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise YamlReadError(line, "not UTF-8 text") from error
    too_deep = _deep_flow_line(text)
    if too_deep is not None:
        raise YamlReadError(too_deep, f"nested over {MAX_DEPTH} levels deep")
    yaml = _round_trip()
    try:
        depth, nodes = 0, 0
        for event in yaml.parse(io.StringIO(text)):
            line = event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, AliasEvent) or (
                isinstance(event, NodeEvent) and event.anchor is not None
            ):
                raise YamlReadError(line, "anchors and aliases ('&', '*') are not allowed")
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlReadError(line, f"nested over {MAX_DEPTH} levels deep")
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            if isinstance(event, NodeEvent):
                nodes += 1
                if nodes > MAX_NODES:
                    raise YamlReadError(line, f"over {MAX_NODES} values: not a rubric")
            if (
                isinstance(event, ScalarEvent)
                and not event.style
                and _LONG_NUMBER.match(event.value)
            ):
                raise YamlReadError(line, f"a number of over {MAX_NUMBER_DIGITS} digits")
            if isinstance(event, ScalarEvent) and (control := _CONTROL.search(event.value)):
                code = f"U+{ord(control.group()):04X}"
                raise YamlReadError(line, f"a control character ({code}) in a value")
        document = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlReadError(line, _yaml_message(error)) from error
    except YAMLError as error:
        raise YamlReadError(1, str(error).strip().splitlines()[0]) from error
    if not isinstance(document, CommentedMap):
        kind = "empty" if document is None else type(document).__name__
        raise YamlReadError(1, f"a rubric must be a mapping of fields, this document is {kind}")
    return document


def _deep_flow_line(text: str) -> int | None:
    """The line where ``[``/``{`` flow collections nest past ``MAX_DEPTH``, found by one linear
    scan before the YAML parser sees the text (its scanner slows with every open bracket: a
    kilobyte of ``[`` costs it a quarter of a second). A bracket inside prose ("see [1]") opens
    nothing: only one where a value starts (after ``:``, ``-``, ``,``, a line start or another
    bracket) does, and quoted text inside a collection is skipped."""
    depth, line, previous, quote = 0, 1, "\n", ""
    for char in text:
        if char == "\n":
            line += 1
        if quote:
            if char == quote:
                quote = ""
            continue
        if depth and char in "\"'":
            quote = char
        elif char in "[{" and (depth or previous in ":-,\n[{"):
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}" and depth:
            depth -= 1
        if char == "\n" or not char.isspace():
            previous = char
    return None


def _yaml_message(error: MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    return "; ".join(parts) or "invalid YAML"


def line_of(document: Any, loc: Loc) -> int:
    """The 1-based line of the deepest part of ``loc`` that exists in ``document``."""
    line = 1
    node = document
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lc.item(key)[0] + 1
            node = node[key]
        else:
            break
    return line


def dump_yaml(document: Any) -> str:
    """Serialise a (round-trip or plain) document to YAML text."""
    stream = io.StringIO()
    _round_trip().dump(document, stream)
    return stream.getvalue()
