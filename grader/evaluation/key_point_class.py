"""What an instructor's first key-point decisions do for the rest of a class (`grader eval
key-points`).

A class file lists, per question, answers with the key points an instructor would credit
(``tests/data/key_point_class.yaml``). For each question and each of several orders of its
answers, the instructor decides the key points of the first ``k`` answers (ticks, as the review
page stores them); every later answer is graded by the rubric with those decisions as examples
(:mod:`grader.learning.keypoint_examples`, as the service does). Reported per ``k``: later
answers graded within a quarter of the marks of the instructor's grade, and those more than a
quarter off without a review flag. ``k = 0`` is the rubric alone. No answer is ever decided by
its own example (an answer is graded only after the ones decided).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from ruamel.yaml import YAML

from grader.evaluation.effort import DEFAULTS, initial_groups, spread_members
from grader.learning import groups
from grader.learning.keypoint_examples import (
    LIKE,
    KeyPointExample,
    evidence_text,
    line_verdict,
    shows_wrong,
    taught_grade,
)
from grader.learning.keypoint_model import KeyPointModel
from grader.rubrics.schema import Rubric
from grader.scoring.decisions import ticked
from grader.scoring.grade import Grade
from grader.scoring.scorer import Scorer
from grader.scoring.selection import ticked_points

ORDERS = 8  # the file's order, then seeded shuffles
DECIDED = (0, 1, 2, 3)


@dataclass(frozen=True)
class ClassAnswer:
    question_id: str
    answer: str
    met: frozenset[str]


@dataclass
class Tally:
    graded: int = 0
    within: int = 0  # within a quarter of the marks of the instructor's grade
    wrong_unflagged: int = 0  # further off, and not sent to review
    flagged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "graded": self.graded, "within_quarter": self.within,
            "within_share": round(self.within / self.graded, 3) if self.graded else None,
            "wrong_unflagged": self.wrong_unflagged, "flagged": self.flagged,
        }  # fmt: skip


def load_class(path: Path) -> list[ClassAnswer]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [
        ClassAnswer(block["question"], item["answer"], frozenset(item["met"]))
        for block in data
        for item in block["answers"]
    ]


def simulate(
    scorer: Scorer,
    rubrics: dict[str, Rubric],
    answers: list[ClassAnswer],
    *,
    like: float = LIKE,
    decided: tuple[int, ...] = DECIDED,
    orders: int = ORDERS,
    by_credit: bool = True,
    midpoint: bool = True,
    doubting: bool = True,
    model: KeyPointModel | Literal["shipped"] | None = "shipped",
) -> dict[str, Any]:
    """The class graded after ``k`` decisions per question, for each ``k`` in ``decided``,
    summed over ``orders`` orders of each question's answers. ``by_credit``: the judge's
    credit among the decided answers' decides too (off: nearest examples alone); ``midpoint``:
    and between the credited and the refused answers too (off: the judge's verdict stands
    there); ``doubting``: a verdict the judge kept where the decisions showed it wrong goes
    to review (off: it stands unflagged); ``model``: the key-point model
    (:func:`grader.learning.keypoint_examples.verdicts`; None: without it)."""
    by_question: dict[str, list[ClassAnswer]] = {}
    for item in answers:
        by_question.setdefault(item.question_id, []).append(item)
    tallies = {k: Tally() for k in decided}
    thresholds = scorer.calibration.verdict
    for question_id, items in sorted(by_question.items()):
        rubric = rubrics[question_id]
        grades = [g for g, _, _ in scorer.grade_with_vectors([(rubric, i.answer) for i in items])]
        ids = [c.id for c in rubric.criteria]
        texts = [
            evidence_text(g, cid, i.answer)
            for g, i in zip(grades, items, strict=True)
            for cid in ids
        ]
        vectors = scorer.embedder.encode(texts).reshape(len(items), len(ids), -1)
        for order in range(orders):
            sequence = list(range(len(items)))
            if order:
                random.Random(order).shuffle(sequence)
            for k in decided:
                examples, rows = [], []
                for position in sequence[:k]:
                    decisions = ticked(rubric, items[position].met, grades[position])
                    credits = {c.id: c.credit for c in grades[position].criteria}
                    for j, decision in enumerate(decisions):
                        text = texts[position * len(ids) + j]
                        examples.append(
                            KeyPointExample(
                                decision.criterion_id, decision.met, position, text,
                                credits.get(decision.criterion_id) if by_credit else None,
                            )
                        )  # fmt: skip
                        rows.append(vectors[position, j])
                stacked = np.array(rows, dtype=np.float32).reshape(len(rows), vectors.shape[-1])
                for position in sequence[k:]:
                    grade = grades[position]
                    if examples:
                        parts = {cid: vectors[position, j] for j, cid in enumerate(ids)}
                        grade = taught_grade(
                            grade, rubric, parts, examples, stacked, thresholds, like=like,
                            midpoint=midpoint, doubting=doubting, model=model,
                        )  # fmt: skip
                    _count(tallies[k], grade, ticked_points(rubric, items[position].met), rubric)
    return {
        "like": like, "by_credit": by_credit, "midpoint": midpoint, "doubting": doubting,
        "model": model if model is None or isinstance(model, str) else model.fitted_on,
        "orders": orders,
        "questions": len(by_question),
        "answers": len(answers),
        "after_decisions": {str(k): t.as_dict() for k, t in tallies.items()},
    }  # fmt: skip


def _count(tally: Tally, grade: Grade, gold: float, rubric: Rubric) -> None:
    tally.graded += 1
    off = abs(grade.points - gold) > 0.25 * rubric.max_points + 1e-9
    tally.within += not off
    tally.flagged += grade.needs_review
    tally.wrong_unflagged += off and not grade.needs_review


def group_defaults(
    scorer: Scorer,
    rubrics: dict[str, Rubric],
    answers: list[ClassAnswer],
    *,
    orders: int = ORDERS,
    similarity: float = groups.GROUP_SIMILARITY,
) -> dict[str, Any]:
    """The class graded by answer groups, as `grader eval effort`'s ``kept_defaults`` does on
    the public sets, with the class's own key points: answers join groups as they arrive (in
    each of ``orders`` orders); the instructor decides the key points of each group's
    representative (one action) and keeps the page's defaults (:data:`effort.DEFAULTS`): every
    member takes the representative's key points; or only the members whose machine key points
    (met and missed, the rubric alone) are the representative's; or those, unless the
    instructor's key points for the representative corrected the machine's; or of those, only
    the members whose machine points are within a quarter of the marks of the representative's
    (the service's default); or of those, only the members whose words trade no roles with the
    representative's (measured, not shipped). The others are held back and graded on their own (one
    action each). Per default: actions, and the members whose grade is then more than a
    quarter of the marks from their own key points' (with the pairs, for reading)."""
    by_question: dict[str, list[ClassAnswer]] = {}
    for item in answers:
        by_question.setdefault(item.question_id, []).append(item)
    tallies = {default: [0, 0] for default in DEFAULTS}  # actions, off by > 1/4
    spread: dict[str, set[tuple[str, str, float, float]]] = {key: set() for key in tallies}
    graded = 0
    for question_id, items in sorted(by_question.items()):
        rubric = rubrics[question_id]
        analysed = scorer.grade_with_vectors([(rubric, i.answer) for i in items])
        vectors = np.array([vector for _, vector, _ in analysed], dtype=np.float32)
        patterns = [frozenset(c.id for c in g.criteria if c.met) for g, _, _ in analysed]
        points = [g.points for g, _, _ in analysed]  # the machine's
        gold = [ticked_points(rubric, i.met) for i in items]
        quarter = 0.25 * rubric.max_points + 1e-9
        apart = groups.ALIKE_POINTS_SHARE * rubric.max_points + 1e-9
        for order in range(orders):
            sequence = list(range(len(items)))
            if order:
                random.Random(order).shuffle(sequence)
            graded += len(items)
            for found in initial_groups(vectors[sequence], "incremental", similarity):
                members = [sequence[m] for m in found]
                rep = members[groups.representative(vectors[members])]
                corrected = patterns[rep] != items[rep].met
                alike = [m for m in members if m != rep and patterns[m] == patterns[rep]]
                near = [m for m in alike if abs(points[m] - points[rep]) <= apart]
                same = [
                    m for m in near
                    if not groups.exchanged_roles(items[rep].answer, items[m].answer)
                ]  # fmt: skip
                for default, taking in spread_members(
                    members, rep, alike, corrected, near, same
                ).items():
                    tallies[default][0] += len(members) - len(taking)  # the rest on their own
                    for member in (m for m in taking if abs(gold[m] - gold[rep]) > quarter):
                        tallies[default][1] += 1
                        spread[default].add(
                            (items[rep].answer, items[member].answer, gold[rep], gold[member])
                        )
    return {
        "similarity": similarity, "orders": orders, "graded": graded,
        **{
            default: {
                "actions": actions, "actions_share_of_one_by_one": round(actions / graded, 4),
                "off_by_more_than_a_quarter": off, "off_share": round(off / graded, 4),
                "spread_wrongly": [
                    {"representative": rep, "member": member, "representative_points": a,
                     "member_points": b}
                    for rep, member, a, b in sorted(spread[default])
                ],
            }
            for default, (actions, off) in tallies.items()
        },
    }  # fmt: skip


def example_agreement(
    embedder: Any,
    graded: dict[str, list[tuple[str, bool]]],
    *,
    decided: tuple[int, ...] = (1, 3, 10),
    likes: tuple[float, ...] = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95),
    orders: int = 5,
) -> dict[str, Any]:
    """How often the nearest decided answer's label is a later answer's own, by similarity:
    per question, ``k`` answers decided (in ``orders`` seeded orders) and each later answer
    compared with them (whole answers: one key point each). Per ``k`` and least cosine: the
    share of later answers an example would decide, and how often its label is right. No model
    is fitted: this is the nearest-example rule itself, on graders' labels."""
    report: dict[str, Any] = {}
    for k in decided:
        covered = {like: [0, 0] for like in likes}
        total = 0
        for answers in graded.values():
            if len(answers) <= k:
                continue
            vectors = embedder.encode([a for a, _ in answers])
            labels = [label for _, label in answers]
            for order in range(orders):
                sequence = list(range(len(answers)))
                random.Random(order).shuffle(sequence)
                chosen, later = sequence[:k], sequence[k:]
                for j in later:
                    total += 1
                    similarity = vectors[chosen] @ vectors[j]
                    best = int(np.argmax(similarity))
                    for like in likes:
                        if similarity[best] >= like:
                            covered[like][0] += 1
                            covered[like][1] += labels[chosen[best]] == labels[j]
        report[str(k)] = {
            f"{like:.2f}": {
                "decided_share": round(n / total, 3) if total else None,
                "agreement": round(right / n, 3) if n else None,
            }
            for like, (n, right) in covered.items()
        }
    return report


# Lines measured against the shipped one: credit from a judge's 0 too ("from-nothing"), move
# only with a credited and a refused answer ("both-sides"), keep the line within 0.2..0.8,
# ignore credited answers the judge gave 0 ("no-zero-credited"), keep the judge's verdict
# between the credited and the refused answers ("no-midpoint", the line until 2026-12-06).
LINE_VARIANTS = (
    "from-nothing", "both-sides", "within-0.2-0.8", "no-zero-credited", "no-midpoint"
)  # fmt: skip


def credit_line_agreement(
    share: npt.NDArray[np.float64],
    gold: npt.NDArray[np.float64],
    questions: list[str],
    *,
    decided: tuple[int, ...] = (1, 3, 10),
    orders: int = 5,
    variant: str = "shipped",
) -> dict[str, Any]:
    """The per-key-point line (:func:`grader.learning.keypoint_examples.line_verdict`) on a data
    set with one reference per question: per question, ``k`` answers decided (gold met or not,
    in ``orders`` seeded orders); every later answer's verdict (machine share >= half) moved by
    where its share falls among the decided ones'. Reported: how often the met/not-met verdict
    is the graders' (gold >= half), the machine's alone and with the line, and how many
    verdicts the line turned and how many of those rightly. ``share`` must come from nothing
    fitted on these answers. ``variant``: the line as shipped, or one of :data:`LINE_VARIANTS`
    measured against it."""
    labels = np.asarray(questions)
    met = gold >= 0.5
    report: dict[str, Any] = {}
    for k in decided:
        total = machine_right = line_right = turned = turned_right = 0
        doubted = doubted_wrong = wrong_undoubted = 0
        for question in sorted(set(questions)):
            index = np.flatnonzero(labels == question)
            if len(index) <= k:
                continue
            for order in range(orders):
                sequence = [int(i) for i in index]
                random.Random(order).shuffle(sequence)
                chosen, later = sequence[:k], sequence[k:]
                credited = [share[i] for i in chosen if met[i]]
                if variant == "no-zero-credited":
                    credited = [c for c in credited if c > 0]
                refused = [share[i] for i in chosen if not met[i]]
                low = min(credited) if credited else None
                high = max(refused) if refused else None
                if variant == "both-sides" and (low is None or high is None):
                    low = high = None
                if variant == "within-0.2-0.8":
                    low = low if low is not None and low >= 0.2 else None
                    high = high if high is not None and high <= 0.8 else None
                for j in later:
                    machine = bool(share[j] >= 0.5)
                    moved = line_verdict(
                        float(share[j]), low, high, from_nothing=variant == "from-nothing",
                        midpoint=variant != "no-midpoint",
                    )  # fmt: skip
                    verdict = machine if moved is None else moved
                    # The verdict the judge kept, where a decided answer showed it wrong on
                    # that side, goes to review (keypoint_examples.doubts).
                    doubt = moved is None and any(
                        shows_wrong(bool(met[i]), float(share[i]), machine) for i in chosen
                    )
                    doubted += doubt
                    doubted_wrong += doubt and verdict != met[j]
                    wrong_undoubted += not doubt and verdict != met[j]
                    total += 1
                    machine_right += machine == met[j]
                    line_right += verdict == met[j]
                    turned += verdict != machine
                    turned_right += verdict != machine and verdict == met[j]
        report[str(k)] = {
            "later_answers": int(total),
            "machine_right": round(machine_right / total, 3) if total else None,
            "with_line_right": round(line_right / total, 3) if total else None,
            "turned": int(turned), "turned_rightly": int(turned_right),
            "doubted": int(doubted), "doubted_wrong": int(doubted_wrong),
            "wrong_not_doubted": int(wrong_undoubted),
        }  # fmt: skip
    return report
