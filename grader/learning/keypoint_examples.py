"""An instructor's key-point decision teaches the rest of the class, from the first one.

Each key point an instructor credited or refused on one answer is a labelled example for that
key point: the answer's evidence for it (the part the machine matched to it, or the closest it
came) and whether it was met. A later answer whose own evidence for the key point is at least
:data:`LIKE` similar (cosine) to an example's takes that example's decision, the nearest
example winning; where none is, the judge's credit against the instructor's (the line) decides,
or the judge's verdict stands. Before both, a small model fitted on public graded sets weighs
all of it together and decides where it is sure (:mod:`grader.learning.keypoint_model`). The
guard: a key point the judge refused as denied or as roles swapped is never credited by an
example, by the line or by the model (the words are near a credited answer's; the meaning is
not).

Pure numpy over embeddings: the store gives the examples, the service embeds the texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from grader.learning.keypoint_model import Decisions, KeyPointModel, shipped_model
from grader.rubrics.schema import Rubric
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.decisions import Decided, with_course_examples
from grader.scoring.grade import MET, CriterionResult, Grade
from grader.scoring.text import sentence_of

Vectors = npt.NDArray[np.float32]

# The least cosine between two evidence texts for one answer to take the other's decision.
# Chosen by `grader eval key-points` (docs/learning.md): on SemEval-2013's graded answers (no
# data of ours), decisions taken at 0.80 or above agree with the graders' label about 9 times
# in 10; lower, the share falls while few more answers are covered.
LIKE = 0.80
# Refusals the judge made for what the answer says, not for what it lacks: an example close in
# words must not undo them.
_KEPT_REFUSALS = ("negated", "roles swapped")


@dataclass(frozen=True)
class KeyPointExample:
    """One instructor decision on one key point of one answer, as an example."""

    criterion_id: str
    met: bool
    attempt_id: int
    text: str  # the answer's evidence for the key point (the whole answer when there is none)
    machine_credit: float | None = None  # the judge's credit for it on that answer


@dataclass(frozen=True)
class ExampleVerdict:
    """What the nearest example says of one key point of a new answer."""

    criterion_id: str
    credit: float
    note: str
    # Whether it ends the doubt on the judge's verdict (:func:`doubts`): a like example and the
    # line do (the instructor's own decisions); the key-point model only where it is sure by
    # its ``settles_from`` (it weighs the judge's credit, errors included).
    settles: bool = True


def evidence_text(grade: Grade, criterion_id: str, answer: str) -> str:
    """The text an answer offers for a key point: the sentence that holds the judge's evidence
    (a clause alone reads differently from the same words in a sentence: "a discriminator
    labels data" is far from the credited sentence it is half of), else the whole answer."""
    found = next((c for c in grade.criteria if c.id == criterion_id), None)
    if found is None or not found.evidence:
        return answer
    return sentence_of(answer, found.evidence)


def verdicts(
    grade: Grade,
    parts: dict[str, Vectors],
    examples: list[KeyPointExample],
    vectors: Vectors,
    *,
    like: float = LIKE,
    exclude: int | None = None,
    midpoint: bool = True,
    model: KeyPointModel | Literal["shipped"] | None = "shipped",
) -> list[ExampleVerdict]:
    """The key points of ``grade`` the instructor's decisions decide. For each criterion with
    examples: the key-point model where it is sure (:mod:`grader.learning.keypoint_model`),
    else the nearest example at ``like`` or above, else the judge's line (:func:`_by_credit`);
    none of them credits a point the judge refused for a denial or a swap. ``parts``: the
    answer's evidence vector per criterion id (normalised, shape (d,)); ``vectors``: the
    examples' evidence vectors, row per example; ``exclude``: the answer's own attempt id
    (never decided by its own example); ``midpoint``: the line decides between the credited
    and the refused answers too (:func:`line_verdict`; off: the judge's verdict stands there, a
    variant `grader eval key-points` measures); ``model``: the shipped one, another, or None
    (nearest examples and the line alone, as before it)."""
    chosen = shipped_model() if model == "shipped" else model
    found = []
    by_id = {c.id: c for c in grade.criteria}
    for criterion_id in sorted({e.criterion_id for e in examples}):
        criterion = by_id.get(criterion_id)
        rows = [
            i for i, e in enumerate(examples)
            if e.criterion_id == criterion_id and e.attempt_id != exclude
        ]  # fmt: skip
        if not rows or criterion is None:
            continue
        part = parts.get(criterion_id)
        verdict = None
        if part is not None:
            similarity = [float(s) for s in vectors[rows] @ part]
            own = [examples[i] for i in rows]
            if chosen is not None:
                verdict = _by_model(chosen, criterion, own, similarity, like, midpoint)
            if verdict is None:
                verdict = _by_nearest(criterion, own, similarity, like)
        if verdict is None:
            verdict = _by_credit(grade, criterion_id, examples, exclude, midpoint)
        if verdict is not None:
            found.append(verdict)
    return found


def decisions_of(
    credit: float,
    examples: list[KeyPointExample],
    similarity: list[float],
    *,
    like: float = LIKE,
    midpoint: bool = True,
) -> Decisions:
    """What one key point's ``examples`` (with the new answer's cosine to each) say of an
    answer the judge gave ``credit``: the model's inputs (:class:`Decisions`)."""
    credited = [s for e, s in zip(examples, similarity, strict=True) if e.met]
    refused = [s for e, s in zip(examples, similarity, strict=True) if not e.met]
    best = _nearest(similarity) if similarity else None
    nearest = examples[best].met if best is not None and similarity[best] >= like else None
    low, high = credit_bounds(examples)
    return Decisions(
        max(credited, default=None), max(refused, default=None), nearest, low, high,
        line_verdict(credit, low, high, midpoint=midpoint),
    )  # fmt: skip


def credit_bounds(examples: list[KeyPointExample]) -> tuple[float | None, float | None]:
    """The judge's least credit on an answer credited with the key point, and its most on one
    refused it (None where there is none, or the judge's credit is unknown)."""
    credited = [e.machine_credit for e in examples if e.met and e.machine_credit is not None]
    refused = [e.machine_credit for e in examples if not e.met and e.machine_credit is not None]
    return min(credited, default=None), max(refused, default=None)


def _by_model(
    model: KeyPointModel,
    criterion: CriterionResult,
    examples: list[KeyPointExample],
    similarity: list[float],
    like: float,
    midpoint: bool,
) -> ExampleVerdict | None:
    """The key-point model's verdict, where it is sure and no guard stops it."""
    decisions = decisions_of(criterion.credit, examples, similarity, like=like, midpoint=midpoint)
    sure = model.verdict(criterion.credit, decisions)
    if sure is None:
        return None
    met, probability = sure
    if met and _refused_for_what_it_says(criterion):
        return None
    best = _nearest(similarity)
    did = "credited" if examples[best].met else "refused"
    note = (
        f"{'credited' if met else 'not credited'} ({max(probability, 1 - probability):.0%} "
        f"sure): the judge gave it {criterion.credit:.2f}; the nearest answer you decided, "
        f"attempt {examples[best].attempt_id}, you {did} (similarity {similarity[best]:.2f})"
    )
    settles = abs(probability - 0.5) >= model.settles_from
    return ExampleVerdict(criterion.id, 1.0 if met else 0.0, note, settles=settles)


def _nearest(similarity: list[float]) -> int:
    """The index of the decided answer most alike (the first of equals)."""
    return max(range(len(similarity)), key=similarity.__getitem__)


def _refused_for_what_it_says(criterion: CriterionResult) -> bool:
    """The judge refused the key point as denied or as roles swapped: no decision on another
    answer credits it (the guard of the examples, the line and the model alike)."""
    return criterion.credit < MET and criterion.note in _KEPT_REFUSALS


def _by_nearest(
    criterion: CriterionResult,
    examples: list[KeyPointExample],
    similarity: list[float],
    like: float,
) -> ExampleVerdict | None:
    """The nearest example's decision, at ``like`` or above, unless it would credit a point
    the judge refused for a denial or a swap."""
    best = _nearest(similarity)
    if similarity[best] < like:
        return None
    example = examples[best]
    if example.met and _refused_for_what_it_says(criterion):
        return None
    # The instructor's decision, as they made it: a tick earns the key point's points.
    did = "credited" if example.met else "refused"
    note = (
        f"like the answer you {did} (attempt {example.attempt_id}, similarity "
        f"{similarity[best]:.2f})"
    )
    return ExampleVerdict(criterion.id, 1.0 if example.met else 0.0, note)


def taught_grade(
    grade: Grade,
    rubric: Rubric,
    parts: dict[str, Vectors],
    examples: list[KeyPointExample],
    vectors: Vectors,
    thresholds: VerdictThresholds,
    *,
    like: float = LIKE,
    exclude: int | None = None,
    midpoint: bool = True,
    doubting: bool = True,
    model: KeyPointModel | Literal["shipped"] | None = "shipped",
) -> Grade:
    """``grade`` with the key points the instructor's examples decide (:func:`verdicts`), sent
    to review where an example turns the judge's verdict or where the decisions leave a kept
    verdict unsure (:func:`doubts`; off with ``doubting``, a variant `grader eval key-points`
    measures; ``model``: as :func:`verdicts`). Unchanged where neither applies."""
    found = verdicts(
        grade, parts, examples, vectors, like=like, exclude=exclude, midpoint=midpoint,
        model=model,
    )  # fmt: skip
    decided = {v.criterion_id: Decided(v.credit, "course", note=v.note) for v in found}
    # A verdict turned from the judge's goes to review anyway; one the model kept without
    # being sure stays as unsure as the judge's own (measured: `grader eval key-points`).
    judged_met = {c.id: c.credit >= MET for c in grade.criteria}
    settled = {
        v.criterion_id for v in found
        if v.settles or (v.credit >= MET) != judged_met.get(v.criterion_id)
    }  # fmt: skip
    unsure = doubts(grade, examples, settled, exclude=exclude) if doubting else []
    if not decided and not unsure:
        return grade
    return with_course_examples(grade, rubric, decided, thresholds, doubted=unsure)


def _by_credit(
    grade: Grade,
    criterion_id: str,
    examples: list[KeyPointExample],
    exclude: int | None,
    midpoint: bool = True,
) -> ExampleVerdict | None:
    """A key point decided by where the judge's credit for it falls among the instructor's
    decisions on this question: at or above every answer they credited it on (and above every
    one they refused it on), it is met, if the judge found any of it (credit over 0); at or
    below every refused one (and below every credited one), it is not. In between, the nearer
    side decides (``midpoint``). One decision moves the judge's line for the whole class:
    measured on five public sets held out (`grader eval key-points`, docs/learning.md), 3
    decisions per question make more met/not-met verdicts right on every one."""
    criterion = next((c for c in grade.criteria if c.id == criterion_id), None)
    if criterion is None:
        return None
    own = [e for e in examples if e.criterion_id == criterion_id and e.attempt_id != exclude]
    low, high = credit_bounds(own)
    credit = criterion.credit
    verdict = line_verdict(credit, low, high, midpoint=midpoint)
    between = low is not None and high is not None and high < credit < low
    if verdict is True:
        if _refused_for_what_it_says(criterion):
            return None
        why = (
            f"nearer the answers you credited it on (from {low:.2f}) than those you refused "
            f"it on (up to {high:.2f})" if between
            else f"as much as answers you credited it on (from {low:.2f})"
        )  # fmt: skip
        return ExampleVerdict(criterion_id, 1.0, f"credited: the judge gave it {credit:.2f}, {why}")
    if verdict is False:
        why = (
            f"nearer the answers you refused it on (up to {high:.2f}) than those you credited "
            f"it on (from {low:.2f})" if between
            else f"no more than answers you refused it on (up to {high:.2f})"
        )  # fmt: skip
        return ExampleVerdict(
            criterion_id, 0.0, f"not credited: the judge gave it {credit:.2f}, {why}"
        )
    return None


def doubts(
    grade: Grade,
    examples: list[KeyPointExample],
    decided: set[str],
    *,
    exclude: int | None = None,
) -> list[str]:
    """The key points of ``grade`` where the judge's verdict stands (no example, line or sure
    model decided them: ``decided``) although the instructor's decisions showed the judge wrong on
    that very side: it found the point missing here and missed it on an answer they credited,
    or found it met here and credited it on an answer they refused. Each such key point is a
    reason to review the answer: a judge shown blind to a phrasing leaves its verdicts on the
    same side unsure. Measured by `grader eval key-points` (docs/learning.md): on our class,
    3 decisions per question leave 3 of 224 later answers more than a quarter off unflagged
    instead of 25; on the public sets the verdicts it doubts are wrong 1.5 to 6 times as often
    as the others."""
    notes = []
    for criterion in grade.criteria:
        if criterion.id in decided:
            continue
        shown = next(
            (
                e for e in examples
                if e.criterion_id == criterion.id and e.attempt_id != exclude
                and e.machine_credit is not None
                and shows_wrong(e.met, e.machine_credit, criterion.credit >= MET)
            ),
            None,
        )  # fmt: skip
        if shown is None:
            continue
        if criterion.credit < MET:
            notes.append(
                f'the judge found "{criterion.id}" missing, as it did on an answer you '
                f"credited it on (attempt {shown.attempt_id})"
            )
        else:
            notes.append(
                f'the judge found "{criterion.id}" met, as it did on an answer you refused '
                f"it on (attempt {shown.attempt_id})"
            )
    return notes


def shows_wrong(decided_met: bool, machine_credit: float, verdict_met: bool) -> bool:
    """Whether an instructor's decision on a key point (``decided_met``, where the judge gave
    ``machine_credit``) shows the judge wrong on the side of a verdict ``verdict_met``: the
    judge said the same there and the instructor did not."""
    return (machine_credit >= MET) == verdict_met and decided_met != verdict_met


def line_verdict(
    credit: float,
    low: float | None,
    high: float | None,
    *,
    from_nothing: bool = False,
    midpoint: bool = True,
) -> bool | None:
    """Where the judge's ``credit`` for a key point falls against the instructor's line: met
    (True) at or above ``low`` (the least credit of an answer they credited it on) and above
    ``high`` (the most of one they refused it on); not met (False) at or below ``high`` and
    under ``low``; in between, the nearer side: met from halfway between ``high`` and ``low``
    up (without ``midpoint``, a variant `grader eval key-points` measures, None there); None
    with nothing decided on either side. Never met from nothing (a credit of 0), unless
    ``from_nothing`` (another measured variant)."""
    trace = credit > 0 or from_nothing
    if low is not None and trace and credit >= low and (high is None or credit > high):
        return True
    if high is not None and credit <= high and (low is None or credit < low):
        return False
    if midpoint and low is not None and high is not None and high < credit < low:
        return trace and credit >= (low + high) / 2
    return None
