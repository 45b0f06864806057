"""`grader eval languages`: which answers the grader says it cannot read, on graded English
answers (none should read as another language) and on tests/data/languages.yaml."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from grader.scoring.language import unreadable
from grader.scoring.text import known_word_ratio


def unread_counts(answers: list[str], vocabulary_file: Path | None) -> dict[str, Any]:
    """How many answers are called unreadable, by reason, with up to three of each."""
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for answer in answers:
        reason = unreadable(answer, known_word_ratio(answer, vocabulary_file))
        if reason is not None:
            # Every language counted as one kind ("it reads as Spanish", "... French").
            kind = "it reads as another language" if reason.startswith("it reads as") else reason
            reasons[kind] += 1
            examples.setdefault(kind, []).append(answer[:80])
    return {
        "answers": len(answers),
        "called_unreadable": dict(reasons),
        "examples": {k: v[:3] for k, v in examples.items()},
    }


def graded_english(data_dir: Path) -> dict[str, list[str]]:
    """The student answers of the shared graded sets (English, graded by people)."""
    found = {}
    for name, column in (("mohler2011", "student_answer"), ("semeval2013_train", "student_answer")):
        with (data_dir / f"{name}.csv").open(encoding="utf-8") as handle:
            found[name] = [row[column] for row in csv.DictReader(handle)]
    return found


def language_cases(path: Path) -> dict[str, list[str]]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return {kind: [item["answer"] for item in data[kind]] for kind in ("english", "unreadable")}
