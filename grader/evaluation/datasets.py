"""Human-graded answer sets (see shared data/asag/README.md) as (rubric, answer, gold) items."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from grader.content.document import Paragraph, Question
from grader.content.slug import slugify
from grader.learning.graded import GradedAnswer, reference_rubric
from grader.rubrics.generate import build_rubric
from grader.rubrics.schema import Rubric

RubricKind = Literal["reference", "keypoints"]


def keypoint_rubric(question_id: str, prompt: str, reference: str) -> Rubric:
    """The rubric the generator makes when the reference is the model answer."""
    question = Question(
        id=slugify(f"q {question_id}"),
        number=1,
        prompt=prompt,
        answer=reference,
        blocks=(Paragraph(reference, 1),),
        line=1,
    )
    return build_rubric(question, "evaluation")


def _rubric(kind: RubricKind, question_id: str, prompt: str, reference: str) -> Rubric:
    if kind == "keypoints":
        return keypoint_rubric(question_id, prompt, reference)
    return reference_rubric(question_id, prompt, reference)


def load_mohler(path: Path, kind: RubricKind = "reference") -> list[GradedAnswer]:
    """The standard 2,273-answer set; groups are assignments (the part of the id before '.')."""
    rubrics: dict[str, Rubric] = {}
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["in_standard_80"] != "1":
                continue
            question_id = row["question_id"]
            if question_id not in rubrics:
                rubrics[question_id] = _rubric(
                    kind, question_id, row["question"], row["reference_answer"]
                )
            items.append(
                GradedAnswer(
                    rubric=rubrics[question_id],
                    answer=_untokenize(row["student_answer_clean"]),
                    gold=float(row["score_avg"]) / 5.0,
                    group=question_id.split(".")[0],
                )
            )
    return items


def _untokenize(text: str) -> str:
    """Undo the Penn Treebank bracket tokens left in the Mohler answers ("-LRB- n -RRB-")."""
    return (
        text.replace("-LRB- ", "(")
        .replace(" -RRB-", ")")
        .replace("-LRB-", "(")
        .replace("-RRB-", ")")
    )


def load_semeval(path: Path, kind: RubricKind = "reference") -> list[GradedAnswer]:
    """SemEval-2013 training answers; groups are questions."""
    rubrics: dict[str, Rubric] = {}
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = f"{row['corpus']} {row['question_id']}"
            if key not in rubrics:
                references = [
                    r.strip() for r in row["all_reference_answers"].split("||") if r.strip()
                ]
                if kind == "reference" or len(references) > 1:
                    rubrics[key] = reference_rubric(
                        key, row["question"], references[0], references[1:]
                    )
                else:
                    rubrics[key] = keypoint_rubric(key, row["question"], references[0])
            items.append(
                GradedAnswer(
                    rubric=rubrics[key],
                    answer=row["student_answer"],
                    gold=1.0 if row["label_2way"] == "correct" else 0.0,
                    group=key,
                    label=row["label_3way"],
                    corpus=row["corpus"],
                )
            )
    return items
