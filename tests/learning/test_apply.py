"""An adapted model's prediction put into a grade: what stays in review and what no longer does."""

from __future__ import annotations

import pytest

from grader.learning.adapt import Prediction
from grader.learning.apply import apply_prediction
from grader.rubrics.schema import Criterion, Rubric
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.confidence import NEAR_THRESHOLD
from grader.scoring.grade import Grade
from tests.scoring.test_decisions import machine_grade

THRESHOLDS = VerdictThresholds()
NEAR = f"review: {NEAR_THRESHOLD}"
RUBRIC = Rubric(
    id="q", prompt="Name both.", topic="t", max_points=2, reference_answer="A and B.",
    criteria=[Criterion(id="a", text="A"), Criterion(id="b", text="B")],
)  # fmt: skip


def _flagged(*reasons: str) -> Grade:
    """The rubric's grade 1.43 of 2 (0.715: near the 0.75 line), in review for ``reasons``."""
    grade = machine_grade(RUBRIC, [1.0, 0.43], 0.0)
    return grade.model_copy(update={"needs_review": True, "reasons": list(reasons)})


def _prediction(share: float, auto_accept: bool = True) -> Prediction:
    return Prediction(share=share, neighbours=[("attempt:17", 0.93, share)], confidence=0.9,
                      auto_accept=auto_accept)  # fmt: skip


def test_a_flag_about_the_rubric_scores_place_goes_when_the_course_moves_the_score() -> None:
    adapted = apply_prediction(_flagged(NEAR), _prediction(1.0), 1, THRESHOLDS, 0.05)
    assert adapted.points == pytest.approx(2.0)
    assert NEAR not in adapted.reasons and not adapted.needs_review


def test_it_stays_when_the_adapted_score_is_near_a_line_too() -> None:
    adapted = apply_prediction(_flagged(NEAR), _prediction(0.74), 1, THRESHOLDS, 0.05)
    assert NEAR in adapted.reasons and adapted.needs_review


@pytest.mark.parametrize(
    "reasons",
    [
        [NEAR, "review: possibly not English: an instructor should read it"],
        [],  # in review with no stated reason: kept so
    ],
)
def test_every_other_review_stays(reasons: list[str]) -> None:
    adapted = apply_prediction(_flagged(*reasons), _prediction(1.0), 1, THRESHOLDS, 0.05)
    assert adapted.needs_review
    assert [r for r in reasons if r != NEAR] == [r for r in adapted.reasons if r != NEAR]


def test_outside_the_models_coverage_it_stays_in_review() -> None:
    adapted = apply_prediction(_flagged(NEAR), _prediction(1.0, auto_accept=False), 1,
                               THRESHOLDS, 0.05)  # fmt: skip
    assert adapted.needs_review and NEAR not in adapted.reasons
    assert any("coverage" in r for r in adapted.reasons)
