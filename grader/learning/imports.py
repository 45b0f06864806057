"""Read an instructor's graded answers from CSV: question_id, answer, points[, max_points].

Every row is checked on its own; a bad row is reported with its line and left out, the good
rows are kept. A ``criteria_met`` column, if present, is accepted and ignored for now. The
columns may be separated by commas, semicolons or tabs (a spreadsheet saved as CSV in a locale
whose decimal mark is a comma writes ``;`` and ``1,5``: read as 1.5 there).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass

REQUIRED = ("question_id", "answer", "points")


@dataclass(frozen=True)
class GradeRow:
    line: int
    question_id: str
    answer: str
    points: float
    max_points: float


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


def read_grades(
    text: str, max_points: Mapping[str, float]
) -> tuple[list[GradeRow], list[RowProblem]]:
    """The good rows and the problems, each with its line (the header is line 1).

    ``max_points`` maps each known question id to its rubric's maximum.
    """
    delimiter = _delimiter(text)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            RowProblem(1, f"missing column(s): {', '.join(missing)} (need {', '.join(REQUIRED)})")
        ]
    rows: list[GradeRow] = []
    problems: list[RowProblem] = []
    for row in reader:
        line = reader.line_num
        question_id = (row.get("question_id") or "").strip()
        answer = (row.get("answer") or "").strip()
        if question_id not in max_points:
            problems.append(RowProblem(line, f"question_id: no rubric '{question_id}'"))
            continue
        if not answer:
            problems.append(RowProblem(line, "answer: empty"))
            continue
        try:
            points = _number(row.get("points") or "", decimal_comma=delimiter != ",")
            maximum = _number(
                row.get("max_points") or str(max_points[question_id]),
                decimal_comma=delimiter != ",",
            )
        except ValueError:
            problems.append(RowProblem(line, "points: not a number"))
            continue
        if not (math.isfinite(points) and math.isfinite(maximum)) or maximum <= 0:
            problems.append(RowProblem(line, "points: not a finite number, or max_points <= 0"))
            continue
        if not 0 <= points <= maximum:
            problems.append(RowProblem(line, f"points: {points:g} is outside 0..{maximum:g}"))
            continue
        rows.append(GradeRow(line, question_id, answer, points, maximum))
    return rows, problems


def _delimiter(text: str) -> str:
    """The header line's separator: a semicolon or a tab where it names the columns with one
    (a comma inside an answer never decides: only the header is read)."""
    header = text.split("\n", 1)[0]
    for candidate in (";", "\t"):
        if all(column in header.split(candidate) for column in ("question_id", "answer")):
            return candidate
    return ","


def _number(text: str, *, decimal_comma: bool) -> float:
    """A number as a spreadsheet wrote it: "1.5", or "1,5" where commas are decimal marks."""
    text = text.strip()
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    return float(text)
