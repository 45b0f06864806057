"""An instructor's key-point decision teaches the rest of the class, from the first one.

Each key point an instructor credited or refused on one answer is a labelled example for that
key point: the answer's evidence for it (the part the machine matched to it, or the closest it
came) and whether it was met. A later answer whose own evidence for the key point is at least
:data:`LIKE` similar (cosine) to an example's takes that example's decision, the nearest
example winning; an answer unlike every example keeps the judge's verdict. The guard: a key
point the judge refused as denied or as roles swapped is never credited by an example (the
words are near a credited answer's; the meaning is not).

Pure numpy over embeddings: the store gives the examples, the service embeds the texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from grader.rubrics.schema import Rubric
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.decisions import Decided, with_course_examples
from grader.scoring.grade import MET, Grade
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
) -> list[ExampleVerdict]:
    """The key points of ``grade`` an example decides: for each criterion with examples, the
    nearest example at ``like`` or above, unless it would credit a point the judge refused for
    a denial or a swap. ``parts``: the answer's evidence vector per criterion id (normalised,
    shape (d,)); ``vectors``: the examples' evidence vectors, row per example; ``exclude``:
    the answer's own attempt id (never decided by its own example); ``midpoint``: the line
    decides between the credited and the refused answers too (:func:`line_verdict`; off: the
    judge's verdict stands there, a variant `grader eval key-points` measures)."""
    found = []
    by_id = {c.id: c for c in grade.criteria}
    for criterion_id, part in parts.items():
        rows = [
            i for i, e in enumerate(examples)
            if e.criterion_id == criterion_id and e.attempt_id != exclude
        ]  # fmt: skip
        criterion = by_id.get(criterion_id)
        if not rows or criterion is None:
            continue
        similarity = vectors[rows] @ part
        best = int(np.argmax(similarity))
        if float(similarity[best]) < like:
            continue
        example = examples[rows[best]]
        if example.met and criterion.credit < MET and criterion.note in _KEPT_REFUSALS:
            continue
        # The instructor's decision, as they made it: a tick earns the key point's points.
        credit = 1.0 if example.met else 0.0
        did = "credited" if example.met else "refused"
        note = (
            f"like the answer you {did} (attempt {example.attempt_id}, similarity "
            f"{float(similarity[best]):.2f})"
        )
        found.append(ExampleVerdict(criterion_id, credit, note))
    decided = {v.criterion_id for v in found}
    for criterion_id in {e.criterion_id for e in examples} - decided:
        verdict = _by_credit(grade, criterion_id, examples, exclude, midpoint)
        if verdict is not None:
            found.append(verdict)
    return found


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
) -> Grade:
    """``grade`` with the key points the instructor's examples decide (:func:`verdicts`), sent
    to review where an example turns the judge's verdict or where the decisions leave a kept
    verdict unsure (:func:`doubts`; off with ``doubting``, a variant `grader eval key-points`
    measures). Unchanged where neither applies."""
    found = verdicts(grade, parts, examples, vectors, like=like, exclude=exclude, midpoint=midpoint)
    decided = {v.criterion_id: Decided(v.credit, "course", note=v.note) for v in found}
    unsure = doubts(grade, examples, set(decided), exclude=exclude) if doubting else []
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
    credited = [e.machine_credit for e in own if e.met and e.machine_credit is not None]
    refused = [e.machine_credit for e in own if not e.met and e.machine_credit is not None]
    low = min(credited) if credited else None
    high = max(refused) if refused else None
    credit = criterion.credit
    verdict = line_verdict(credit, low, high, midpoint=midpoint)
    between = low is not None and high is not None and high < credit < low
    if verdict is True:
        if criterion.credit < MET and criterion.note in _KEPT_REFUSALS:
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
    """The key points of ``grade`` where the judge's verdict stands (no example or line
    decided them: ``decided``) although the instructor's decisions showed the judge wrong on
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
