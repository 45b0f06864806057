"""The feedback text: it names each key point the way its points do."""

from __future__ import annotations

from grader.rubrics.schema import Criterion, Rubric
from grader.scoring.disclosure import disclose
from grader.scoring.feedback import write_feedback
from grader.scoring.grade import CriterionResult, Grade

RUBRIC = Rubric(
    id="long-term",
    prompt="What are the challenges of long-term dependencies?",
    topic="Long-term dependencies",
    max_points=2,
    reference_answer="Vanishing and exploding gradients.",
    criteria=[
        Criterion(id="vanishing", text="Vanishing gradients", points=1),
        Criterion(id="exploding", text="Exploding gradients", points=1),
    ],
    hints=["Think of what repeated multiplication does."],
)


def _result(criterion_id: str, credit: float) -> CriterionResult:
    return CriterionResult(
        id=criterion_id, text=criterion_id, points=1.0, credit=credit, earned=credit,
        similarity=0.5, met=credit >= 0.5, selected=True,
    )  # fmt: skip


def test_a_key_point_earning_points_is_partly_met_never_missing() -> None:
    criteria = [_result("vanishing", 0.94), _result("exploding", 0.3193)]
    feedback, hint = write_feedback(RUBRIC, criteria, [], [])
    assert feedback == (
        "Good: “Vanishing gradients”. Partly met: “Exploding gradients” (0.32 of 1 point)."
    )
    assert hint == "Think of what repeated multiplication does."  # still short of the point
    # Earning nothing, it is missing.
    feedback, _ = write_feedback(
        RUBRIC, [_result("vanishing", 0.94), _result("exploding", 0)], [], []
    )
    assert feedback == "Good: “Vanishing gradients”. Missing: “Exploding gradients”."
    # Both at once, each where its points put it.
    feedback, _ = write_feedback(
        RUBRIC, [_result("vanishing", 0.2), _result("exploding", 0)], [], []
    )
    assert feedback == (
        "Partly met: “Vanishing gradients” (0.2 of 1 point). Missing: “Exploding gradients”."
    )


def test_with_the_key_points_hidden_the_feedback_still_says_partly_met() -> None:
    criteria = [_result("vanishing", 0.94), _result("exploding", 0.3193)]
    feedback, hint = write_feedback(RUBRIC, criteria, [], [])
    grade = Grade(
        question_id=RUBRIC.id, score=0.63, points=1.26, max_points=2, verdict="partial",
        criteria=criteria, misconceptions_triggered=[], feedback=feedback, hint=hint,
        confidence=0.8, needs_review=False, model_id="test", calibration_version="test",
    )  # fmt: skip
    shown = disclose(grade, "hints")
    assert "Partly met: key point 2 (0.32 of 1 point)." in shown.feedback
    assert "Missing" not in shown.feedback and "Exploding" not in shown.feedback


def test_an_exams_student_is_told_a_grade_the_model_could_not_read_is_provisional() -> None:
    """With the key hidden ("points", "hints"), the review flags went too: a Spanish answer's
    0 of 2 read as final, where the full feedback says it is provisional."""
    criteria = [_result("vanishing", 0.1), _result("exploding", 0.0)]
    grade = Grade(
        question_id=RUBRIC.id, score=0.05, points=0.1, max_points=2, verdict="incorrect",
        criteria=criteria, misconceptions_triggered=[], feedback="...", hint=None,
        confidence=0.5, needs_review=True, model_id="test", calibration_version="test",
        reasons=["review: the grader cannot read this answer: it reads as Spanish",
                 "review: uncertain grade: the judge doubts it"],
    )  # fmt: skip
    for shown in ("points", "hints"):
        told = disclose(grade, shown)
        assert told.feedback.startswith(
            "0.1 of 2 points (incorrect). The grader cannot read this answer (it reads as "
            "Spanish): these points are provisional until an instructor grades it."
        ), told.feedback
        # The page finds why by the flag; no other review reason is shown, nor the key.
        assert told.reasons == ["review: the grader cannot read this answer: it reads as Spanish"]
        assert "Vanishing" not in told.feedback
    readable = grade.model_copy(update={"reasons": ["review: uncertain grade: doubts"]})
    assert disclose(readable, "points").feedback == "0.1 of 2 points (incorrect)."
