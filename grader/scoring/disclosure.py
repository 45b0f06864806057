"""What a student is shown of a grade: everything (practice), hints only, or points only (an
exam). Instructors, the review queue and the store always keep the whole grade."""

from __future__ import annotations

from typing import Literal

from grader.rubrics.points import counted
from grader.scoring.feedback import earned_of, sentence
from grader.scoring.grade import CriterionResult, Grade, MisconceptionResult
from grader.scoring.language import provisional, unread_flag, unread_in

FeedbackShown = Literal["full", "hints", "points"]


def disclose(grade: Grade, shown: FeedbackShown) -> Grade:
    """``grade`` as a student may see it: with ``hints`` or ``points``, no key point's or
    misconception's text (the answer key) is left in it, feedback included."""
    if shown == "full":
        return grade
    summary = f"{grade.points:g} of {counted(grade.max_points, 'point')} ({grade.verdict})."
    # That the model could not read the answer tells nothing of the key: an exam's student is
    # told their points are provisional too.
    unread = unread_in(grade.reasons)
    told = [] if unread is None else [f"review: {unread_flag(unread)}"]
    if unread is not None:
        summary = f"{summary} {sentence(provisional(unread))}"
    if shown == "points":
        return grade.model_copy(
            update={
                "criteria": [], "misconceptions_triggered": [], "feedback": summary, "hint": None,
                "reasons": told, "adapted": None,
            }
        )  # fmt: skip
    criteria = [_hide_criterion(c, number) for number, c in enumerate(grade.criteria, start=1)]
    missed = [c for c in criteria if c.selected and not c.met]
    parts = [summary]
    partly = [c for c in missed if c.earned > 0]  # as the full feedback: never "missing" then
    if partly:
        names = ", ".join(f"{c.text} ({earned_of(c)})" for c in partly)
        parts.append(f"Partly met: {names}.")
    absent = [c for c in missed if c.earned <= 0]
    if absent:
        names = ", ".join(c.text for c in absent)
        parts.append(f"Missing: {names}.")
    if grade.hint:
        parts.append(f"Hint: {grade.hint}")
    return grade.model_copy(
        update={
            "criteria": criteria,
            "misconceptions_triggered": [
                _hide_misconception(m) for m in grade.misconceptions_triggered
            ],
            "feedback": " ".join(parts),
            "reasons": [r for r in grade.reasons if not r.startswith("review:")] + told,
            "adapted": None,
        }
    )


def _hide_criterion(criterion: CriterionResult, number: int) -> CriterionResult:
    # The evidence is the student's own words; the criterion's text and notes are the key.
    return criterion.model_copy(update={"text": f"key point {number}", "note": None})


def _hide_misconception(misconception: MisconceptionResult) -> MisconceptionResult:
    return misconception.model_copy(update={"text": "a statement the answer got wrong"})
