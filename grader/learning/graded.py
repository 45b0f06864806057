"""Human-graded answers as (rubric, answer, gold) items: what the judge and the embedding model
learn from and what the evaluation measures (the loaders of each data set are in
:mod:`grader.evaluation.datasets` and :mod:`grader.evaluation.public_sets`)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from grader.content.slug import slugify
from grader.rubrics.schema import Criterion, Rubric


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


QUESTION_HALVES = ("all", "a", "b")


def question_half(items: Sequence[GradedAnswer], half: str) -> list[GradedAnswer]:
    """The answers to half of the questions (``"a"`` or ``"b"``, split by a hash of the
    question's id, so every command that names a half takes the same questions), or all.

    Why: a model fine-tuned on some answers and calibrated on the same ones is calibrated on
    similarities it was trained to make; training on one half and calibrating on the other
    keeps the calibration honest (docs/quality.md)."""
    if half not in QUESTION_HALVES:
        raise ValueError(f"half must be one of {', '.join(QUESTION_HALVES)}, not {half!r}")
    if half == "all":
        return list(items)
    wanted = 0 if half == "a" else 1
    return [
        item
        for item in items
        if hashlib.sha256(item.rubric.id.encode("utf-8")).digest()[0] % 2 == wanted
    ]


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


def in_turn(
    items: Sequence[GradedAnswer], limit: int, rng: random.Random, per_question: int | None = None
) -> list[GradedAnswer]:
    """Up to ``limit`` items (at most ``per_question`` of each question), drawn at random and
    taken from the questions in turn, so that each question keeps its share."""
    by_question: dict[str, list[GradedAnswer]] = {}
    for item in items:
        by_question.setdefault(item.rubric.id, []).append(item)
    queues = [
        rng.sample(q, min(per_question or len(q), len(q))) for _, q in sorted(by_question.items())
    ]
    chosen: list[GradedAnswer] = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop())
    return chosen
