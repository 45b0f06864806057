"""Key-point decisions: the grade as the decisions on its key points make it.

A grade is built from one credit per key point (criterion). The machine decides each one;
an instructor may decide any of them instead, on the answer itself or on the representative of
its answer group. Whoever decided, the points are derived the same way, so that a student's
page, the review queue, the gradebook and the LMS event cannot disagree:

    points = counted criteria's earned points (rubric's counting rule)
             - misconception penalties that stand
             + an explicit adjustment (shown with its reason), within 0 and max_points

:func:`decided_grade` applies decisions to a machine grade; :func:`told_one_way` states the
invariant every shown grade keeps (the tests check every kind of grade against it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from grader.rubrics.schema import Rubric
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.feedback import write_feedback
from grader.scoring.grade import MET, Adjustment, CriterionResult, Grade, MisconceptionResult
from grader.scoring.selection import select

# Sources of a decision: an instructor's own ticks, or an accepted machine credit.
TICKED = "instructor"
ACCEPTED = "accepted"


@dataclass(frozen=True)
class KeyPointDecision:
    """One key point of one answer, decided by an instructor (``credit`` 0..1 of its points;
    a tick is 1 or 0, accepting the machine's grade keeps the machine's credit)."""

    criterion_id: str
    credit: float
    source: str = TICKED  # TICKED | ACCEPTED
    evidence: str | None = None  # the part of the answer that makes (or misses) the point

    @property
    def met(self) -> bool:
        return self.credit >= MET


def ticked(
    rubric: Rubric,
    met: Iterable[str],
    machine: Grade,
    marked: Mapping[str, str] | None = None,
) -> list[KeyPointDecision]:
    """An instructor's ticks as a decision on every key point: the ticked ones met (full
    credit), the others not; each keeps the machine's evidence for it, or the part of the
    answer the instructor ``marked`` for it (criterion id -> text)."""
    chosen = set(met)
    known = {c.id for c in rubric.criteria}
    unknown = (chosen | set(marked or {})) - known
    if unknown:
        raise ValueError(f"no criterion '{sorted(unknown)[0]}' in this rubric")
    evidence = {c.id: c.evidence for c in machine.criteria} | dict(marked or {})
    return [
        KeyPointDecision(c.id, 1.0 if c.id in chosen else 0.0, TICKED, evidence.get(c.id))
        for c in rubric.criteria
    ]


def accepted(machine: Grade) -> list[KeyPointDecision]:
    """The machine's credit on every key point, accepted as the instructor's decision."""
    return [KeyPointDecision(c.id, c.credit, ACCEPTED, c.evidence) for c in machine.criteria]


def like(representative: list[KeyPointDecision], member: Grade) -> list[KeyPointDecision]:
    """A group member graded like its representative: each key point met or not as the
    representative's decision says. Where the member's machine agrees (met on both, or missed
    on both) an accepted decision keeps the member's own credit; elsewhere the representative's
    credit applies. The evidence is always the member's own words."""
    own = {c.id: c for c in member.criteria}
    decisions = []
    for decision in representative:
        mine = own.get(decision.criterion_id)
        evidence = mine.evidence if mine is not None else None
        credit = decision.credit
        if (
            decision.source == ACCEPTED
            and mine is not None
            and (mine.credit >= MET) == (decision.met)
        ):
            credit = mine.credit
        decisions.append(KeyPointDecision(decision.criterion_id, credit, decision.source, evidence))
    return decisions


def decided_grade(
    machine: Grade,
    rubric: Rubric,
    decisions: Sequence[KeyPointDecision],
    thresholds: VerdictThresholds,
    *,
    adjustment: Adjustment | None = None,
) -> Grade:
    """``machine`` with the instructor's key-point decisions in force.

    Decided key points take the decision's credit (and evidence, when it has one); the others
    keep the machine's. Misconception penalties stand only when every decision accepted the
    machine's credit (an instructor who ticks key points decided what is right); the course
    model's change to the points is dropped (the instructor decided instead). The feedback is
    written again from the key points as decided, so it names exactly those met and missed.
    """
    by_id = {d.criterion_id: d for d in decisions}
    decided = {
        cid: Decided(d.credit, "instructor", evidence=d.evidence) for cid, d in by_id.items()
    }
    all_accepted = all(d.source == ACCEPTED for d in decisions)
    penalties = list(machine.misconceptions_triggered) if all_accepted else []
    reasons = [r for r in machine.reasons if not r.startswith("review:")]
    return rebuilt(
        machine,
        rubric,
        decided,
        thresholds,
        penalties=penalties,
        adjustment=adjustment,
        reasons=reasons if all_accepted else [],
    ).model_copy(update={"needs_review": False, "confidence": 1.0})


@dataclass(frozen=True)
class Decided:
    """A key point's credit decided by someone other than the machine."""

    credit: float
    by: Literal["instructor", "course"]
    evidence: str | None = None
    note: str | None = None


def with_course_examples(
    machine: Grade,
    rubric: Rubric,
    decided: dict[str, Decided],
    thresholds: VerdictThresholds,
    doubted: Sequence[str] = (),
) -> Grade:
    """``machine`` with key points decided by the course's examples (an instructor's decision
    on a similar answer, named in each key point's note). Penalties and reasons stay the
    machine's; the course model's total adjustment is dropped when a key point changed (the
    decisions on key points say it instead). Where an example turns the judge's verdict on a
    key point (met to missed, or missed to met) the grade goes to review: an answer close in
    words to a credited one may still swap its roles or deny it. So does each of ``doubted``
    (why the instructor's decisions leave a verdict the judge kept unsure)."""
    changed = any(
        abs(d.credit - c.credit) > 1e-9 for c in machine.criteria if (d := decided.get(c.id))
    )
    turned = [
        d.note or c.id for c in machine.criteria
        if (d := decided.get(c.id)) is not None and (d.credit >= MET) != c.met
    ]  # fmt: skip
    adjustment = None if changed else machine.adjustment
    reasons = list(machine.reasons) + [f"review: {n}; the judge found otherwise" for n in turned]
    reasons += [f"review: {d}" for d in doubted]
    grade = rebuilt(
        machine, rubric, decided, thresholds, penalties=list(machine.misconceptions_triggered),
        adjustment=adjustment, reasons=reasons,
    )  # fmt: skip
    if turned or doubted:
        grade = grade.model_copy(
            update={"needs_review": True, "confidence": min(machine.confidence, 0.5)}
        )
    return grade


def rebuilt(
    machine: Grade,
    rubric: Rubric,
    decided: dict[str, Decided],
    thresholds: VerdictThresholds,
    *,
    penalties: list[MisconceptionResult],
    adjustment: Adjustment | None,
    reasons: list[str],
) -> Grade:
    """The grade made again from per-key-point credits: ``decided`` ones, the machine's for
    the rest; counted by the rubric's rule, less ``penalties``, plus ``adjustment``; the
    feedback written again so it names exactly the key points met and missed."""
    machine_by_id = {c.id: c for c in machine.criteria}

    def credit_of(criterion_id: str) -> float:
        if criterion_id in decided:
            return decided[criterion_id].credit
        earlier = machine_by_id.get(criterion_id)
        return earlier.credit if earlier is not None else 0.0

    selection = select(rubric, np.array([credit_of(c.id) for c in rubric.criteria]))
    criteria = []
    for i, c in enumerate(rubric.criteria):
        earlier = machine_by_id.get(c.id)
        decision = decided.get(c.id)
        credit = float(selection.credits[i])
        evidence = (decision.evidence if decision else None) or (
            earlier.evidence if earlier else None
        )
        note = decision.note if decision else (earlier.note if earlier else None)
        criteria.append(
            CriterionResult(
                id=c.id, text=c.text, points=c.points, credit=round(credit, 4),
                earned=round(credit * c.points, 4) if selection.selected[i] else 0.0,
                similarity=earlier.similarity if earlier else 0.0, evidence=evidence,
                met=credit >= MET, selected=selection.selected[i], note=note,
                decided_by=decision.by if decision else "machine",
            )
        )  # fmt: skip
    points = _points(rubric.max_points, criteria, [m.penalty for m in penalties], adjustment)
    said = [r for r in reasons if not r.startswith("review:")]  # flags are not feedback
    feedback, hint = write_feedback(rubric, criteria, penalties, said)
    if adjustment is not None:
        feedback = f"{adjustment_text(adjustment)} {feedback}"
    score = points / rubric.max_points
    return machine.model_copy(
        update={
            "score": round(score, 4), "points": points, "max_points": rubric.max_points,
            "verdict": thresholds.verdict(score), "criteria": criteria,
            "misconceptions_triggered": penalties, "feedback": feedback, "hint": hint,
            "adapted": machine.adapted if adjustment is machine.adjustment else None,
            "adjustment": adjustment, "reasons": reasons,
        }
    )  # fmt: skip


def adjustment_text(adjustment: Adjustment) -> str:
    """How an adjustment reads in feedback: "Your instructor added 0.5 points: ..." ."""
    who = "Your instructor" if adjustment.by == "instructor" else "Your course's grades"
    verb = "added" if adjustment.points >= 0 else "took away"
    amount = f"{abs(adjustment.points):g} point{'s' if abs(adjustment.points) != 1 else ''}"
    return f"{who} {verb} {amount}: {adjustment.reason.rstrip('.')}."


def key_points_sum(grade: Grade) -> float:
    """What the counted key points earned, less the misconception penalties (no adjustment)."""
    return sum(c.earned for c in grade.criteria if c.selected) - sum(
        m.penalty for m in grade.misconceptions_triggered
    )


def _points(
    maximum: float,
    criteria: list[CriterionResult],
    penalties: list[float],
    adjustment: Adjustment | None,
) -> float:
    earned = sum(c.earned for c in criteria if c.selected) - sum(penalties)
    if adjustment is not None:
        earned += adjustment.points
    return round(float(np.clip(earned, 0.0, maximum)), 4)


def told_one_way(grade: Grade, tolerance: float = 1e-3) -> list[str]:
    """Where ``grade`` tells its points two ways (empty when it does not): each criterion's
    earned points are its credit x points when counted, else 0; met means credit >= MET; and
    the points are the counted earned points less penalties plus the adjustment, within 0
    and max_points."""
    problems = []
    for c in grade.criteria:
        expected = c.credit * c.points if c.selected else 0.0
        if abs(c.earned - expected) > tolerance:
            problems.append(f"{c.id}: earned {c.earned:g}, credit gives {expected:g}")
        if c.met != (c.credit >= MET):
            problems.append(f"{c.id}: shown {'met' if c.met else 'missed'} at credit {c.credit:g}")
    total = key_points_sum(grade) + (grade.adjustment.points if grade.adjustment else 0.0)
    expected_points = min(max(total, 0.0), grade.max_points)
    if abs(grade.points - expected_points) > tolerance:
        problems.append(f"points {grade.points:g}, key points give {expected_points:g}")
    return problems


def instructor_decisions(
    rubric: Rubric,
    machine: Grade,
    thresholds: VerdictThresholds,
    *,
    met: Iterable[str] | None,
    points: float | None,
    reason: str,
    marked: Mapping[str, str] | None = None,
) -> tuple[list[KeyPointDecision], Adjustment | None]:
    """An instructor's grade as key-point decisions and, when they also gave a total that the
    key points do not add up to, an explicit adjustment with their reason.

    ``met``: the key points met (None: as the machine found them, accepted). ``points``: the
    total they want (None: what the key points earn; accepting keeps the course model's
    adjustment, as the grade accepted showed it). ``marked``: the evidence they marked in the
    answer for some key points (with ``met`` only).
    """
    decisions = accepted(machine) if met is None else ticked(rubric, met, machine, marked)
    if points is None:
        return decisions, machine.adjustment if met is None else None
    return decisions, adjustment_to(machine, rubric, decisions, thresholds, points, reason)


def adjustment_to(
    machine: Grade,
    rubric: Rubric,
    decisions: Sequence[KeyPointDecision],
    thresholds: VerdictThresholds,
    points: float,
    reason: str,
) -> Adjustment | None:
    """The instructor's adjustment that brings these key points to ``points`` in all (None
    when they already earn that)."""
    base = decided_grade(machine, rubric, decisions, thresholds)
    if abs(points - base.points) <= 1e-4:
        return None
    return Adjustment(
        points=round(points - key_points_sum(base), 4), reason=reason, by="instructor"
    )
