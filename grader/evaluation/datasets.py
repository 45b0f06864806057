"""Human-graded answer sets (see shared data/asag/README.md) as (rubric, answer, gold) items."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.content.document import Paragraph, Question
from grader.content.slug import slugify
from grader.rubrics.generate import build_rubric
from grader.rubrics.schema import Criterion, Rubric

RubricKind = Literal["reference", "keypoints"]


@dataclass(frozen=True)
class GradedAnswer:
    rubric: Rubric
    answer: str
    gold: float  # 0..1
    group: str  # the cross-validation group: assignment (Mohler) or question (SemEval)
    label: str = ""  # SemEval 3-way label
    corpus: str = ""
    source_group: str = ""  # an off-question answer: the group of the question it answered


def reference_rubric(
    question_id: str, prompt: str, reference: str, others: list[str] | None = None
) -> Rubric:
    """A rubric with one criterion: the whole reference answer (other references as phrasings)."""
    return Rubric(
        id=slugify(f"q {question_id}"),
        prompt=prompt,
        topic="evaluation",
        max_points=1,
        reference_answer=reference,
        criteria=[Criterion(id="reference", text=reference, phrasings=others or [])],
    )


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


def off_question(
    items: Sequence[GradedAnswer], per_question: int = 10, seed: int = 0
) -> list[GradedAnswer]:
    """Answers to other questions of the same group, set against each question: grade 0.

    An answer to another question of the same course (Mohler's assignment, SemEval's corpus)
    is on topic but makes none of this question's points. Drawn with a fixed seed, at most
    ``per_question`` per question, from that question's own cross-validation group's peers.
    """
    import random

    rng = random.Random(seed)
    by_rubric: dict[str, list[GradedAnswer]] = {}
    for item in items:
        by_rubric.setdefault(item.rubric.id, []).append(item)
    course = {rid: (answers[0].corpus or answers[0].group) for rid, answers in by_rubric.items()}
    made = []
    for rubric_id, answers in sorted(by_rubric.items()):
        peers = sorted(r for r in by_rubric if r != rubric_id and course[r] == course[rubric_id])
        for other in rng.sample(peers, min(per_question, len(peers))):
            source = rng.choice(by_rubric[other])
            own = answers[0]
            made.append(
                GradedAnswer(
                    own.rubric, source.answer, 0.0, own.group, "incorrect", own.corpus,
                    source_group=source.group,
                )
            )  # fmt: skip
    return made


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
