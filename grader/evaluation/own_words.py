"""Own words and reused words: does the grade follow the meaning, not the rubric's wording?

A hand-written set (``tests/data/own_words.yaml``) of right answers in a student's own words
(few of the rubric's words) and wrong answers that reuse the rubric's words, for the bundled
rubrics and a generated operating-systems course. A right answer must earn at least half the
marks and a wrong one less than half ("graded right"); failing that, the grade must at least be
sent to an instructor ("caught": graded right or flagged for review).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML

from grader.rubrics.regenerate import plan_rubrics
from grader.rubrics.schema import Rubric
from grader.scoring.grade import Grade
from grader.scoring.scorer import Scorer

Kind = Literal["own-words", "reused-wrong"]
COURSE_PREFIX = "os:"


@dataclass(frozen=True)
class WordingCase:
    question: str
    kind: Kind
    answer: str
    known_gap: str = ""  # why the grader is known to get it wrong without flagging it

    def graded_right(self, grade: Grade) -> bool:
        return grade.score >= 0.5 if self.kind == "own-words" else grade.score < 0.5

    def caught(self, grade: Grade) -> bool:
        return self.graded_right(grade) or grade.needs_review


def load_cases(path: Path) -> list[WordingCase]:
    rows = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [
        WordingCase(r["question"], r["kind"], r["answer"], r.get("known_gap", "")) for r in rows
    ]


def course_rubrics(document: Path) -> dict[str, Rubric]:
    """The rubrics generated from a course document, keyed ``os:<question id>``."""
    rubrics = plan_rubrics(document, strict=True).rubrics
    return {f"{COURSE_PREFIX}{r.id}": r for r in rubrics}


def evaluate_wording(
    scorer: Scorer, rubrics: dict[str, Rubric], cases: list[WordingCase]
) -> dict[str, Any]:
    """Per kind: graded right, caught (right or flagged), and each case's grade."""
    grades = scorer.grade_many([(rubrics[c.question], c.answer) for c in cases])
    result: dict[str, Any] = {}
    for kind in ("own-words", "reused-wrong"):
        pairs = [(c, g) for c, g in zip(cases, grades, strict=True) if c.kind == kind]
        result[kind] = {
            "answers": len(pairs),
            "graded_right": sum(c.graded_right(g) for c, g in pairs),
            "caught": sum(c.caught(g) for c, g in pairs),
            "flagged": sum(g.needs_review for _, g in pairs),
        }
    result["cases"] = [
        {
            "question": c.question,
            "kind": c.kind,
            "answer": c.answer,
            "share": g.score,
            "confidence": g.confidence,
            "needs_review": g.needs_review,
        }
        for c, g in zip(cases, grades, strict=True)
    ]
    return result
