"""Markdown tables: the separator under a header row, and a row's cells. One reading for the
documents' tables (answers written as a table, question tables) and a student's table."""

from __future__ import annotations

import re

# "|---|:--:|" under a header row (its outer pipes optional).
SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def cells(line: str) -> tuple[str, ...]:
    """A table row's cells, stripped (``\\|`` is a pipe inside a cell, not a border)."""
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return tuple(cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row))


def is_header(line: str, following: str) -> bool:
    """Whether ``line`` is a table's header row: it has a border and the separator follows."""
    return "|" in line and "|" in following and SEPARATOR.match(following) is not None


def as_sentences(text: str) -> str:
    """``text`` with each markdown table (a header row, the separator, its rows) written as the
    sentences it stands for, one per row, each cell under its column's name: "| CNN | RNN |" over
    "| images of fixed size | sequences of any length |" reads "CNN: images of fixed size; RNN:
    sequences of any length." (a row alone names neither, and read so, looks like the claims of
    neither subject). Every other line is kept as it is."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not is_header(lines[index], following):
            out.append(lines[index])
            index += 1
            continue
        header = cells(lines[index])
        index += 2
        while index < len(lines) and "|" in lines[index] and lines[index].strip():
            row = cells(lines[index])
            said = [
                f"{name}: {cell}" if name else cell
                for name, cell in zip(header + ("",) * len(row), _clean(row), strict=False)
                if cell
            ]
            if said:
                out.append("; ".join(said) + ".")
            index += 1
    return "\n".join(out)


def _clean(row: tuple[str, ...]) -> list[str]:
    """Cells without their closing punctuation (the sentence adds its own)."""
    return [cell.rstrip(" .;") for cell in row]
