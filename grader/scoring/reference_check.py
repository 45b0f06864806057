"""A rubric's own reference answer, graded: what a student who wrote the model answer would
get. One not graded correct, or charged a misconception, has key points written in words the
grader does not find in the reference, so a right answer in those words misses them too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.rubrics.schema import Rubric
from grader.scoring.feedback import earned_of
from grader.scoring.grade import Grade
from grader.scoring.scorer import Scorer


@dataclass(frozen=True)
class ReferenceCheck:
    grade: Grade

    @property
    def passed(self) -> bool:
        return self.grade.verdict == "correct" and not self.grade.misconceptions_triggered

    def says(self) -> str:
        """How the reference answer did, in a sentence for the instructor."""
        grade = self.grade
        said = f"{grade.points:g} of {grade.max_points:g}, {grade.verdict}"
        if self.passed:
            return f"its reference answer earns {said}"
        missed = [f"{c.id} ({earned_of(c)})" for c in grade.criteria if c.selected and not c.met]
        charged = [m.id for m in grade.misconceptions_triggered]
        return (
            f"its own reference answer earns only {said}"
            + (f"; not met: {', '.join(missed)}" if missed else "")
            + (f"; charged: {', '.join(charged)}" if charged else "")
            + ": write those key points as the reference says them, or add phrasings"
        )


def check_references(scorer: Scorer, rubrics: Sequence[Rubric]) -> list[ReferenceCheck]:
    """Each rubric's reference answer graded, in one batch."""
    grades = scorer.grade_many([(rubric, rubric.reference_answer) for rubric in rubrics])
    return [ReferenceCheck(grade) for grade in grades]
