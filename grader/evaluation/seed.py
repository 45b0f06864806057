"""The hand-written trap set: graded answers with the verdicts they must get."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from grader.rubrics.loader import RubricSet
from grader.scoring.scorer import Scorer


@dataclass(frozen=True)
class SeedAnswer:
    question: str
    trap: str
    answer: str
    expect: tuple[str, ...]
    known_gap: str = ""  # why the scorer is known to miss this one (documented in quality.md)
    max_score: float = 1.0  # the share of the marks it may earn at most ("makes no point": 0.1)
    min_score: float = 0.0  # ... and at least (a correct paraphrase: 0.75)
    needs_review: bool | None = None  # when set, the grade must (not) be flagged for review

    def expected(self, verdict: str, score: float, needs_review: bool) -> bool:
        """Whether a grade with this verdict, score and flag is what this answer must get."""
        return (
            verdict in self.expect
            and self.min_score <= score <= self.max_score
            and (self.needs_review is None or needs_review == self.needs_review)
        )


def load_seed_answers(path: Path) -> list[SeedAnswer]:
    rows = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [
        SeedAnswer(
            question=row["question"],
            trap=row["trap"],
            answer=row["answer"],
            expect=tuple(row["expect"]),
            known_gap=row.get("known_gap", ""),
            max_score=float(row.get("max_score", 1.0)),
            min_score=float(row.get("min_score", 0.0)),
            needs_review=row.get("needs_review"),
        )
        for row in rows
    ]


def evaluate_seed(scorer: Scorer, rubrics: RubricSet, path: Path) -> dict[str, Any]:
    """Verdict agreement on the trap set, per trap kind, with every miss listed."""
    answers = load_seed_answers(path)
    grades = scorer.grade_many([(rubrics.rubrics[a.question].rubric, a.answer) for a in answers])
    by_trap: dict[str, list[int]] = {}
    misses = []
    for answer, grade in zip(answers, grades, strict=True):
        ok = answer.expected(grade.verdict, grade.score, grade.needs_review)
        tally = by_trap.setdefault(answer.trap, [0, 0])
        tally[0] += ok
        tally[1] += 1
        if not ok:
            misses.append(
                {
                    "trap": answer.trap,
                    "answer": answer.answer,
                    "verdict": grade.verdict,
                    "expected": list(answer.expect),
                    "score": grade.score,
                }
            )
    return {
        "answers": len(answers),
        "as_expected": sum(t[0] for t in by_trap.values()),
        "by_trap": {trap: f"{ok}/{total}" for trap, (ok, total) in sorted(by_trap.items())},
        "misses": misses,
    }
