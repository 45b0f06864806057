"""The key-point judge in the scorer: its log-odds reach the credit, it reads each criterion's
part of the answer, and the confidence model sends doubt to review."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from grader.rubrics.schema import Criterion, Rubric
from grader.scoring.calibration import Calibration, CreditModel
from grader.scoring.confidence import CONFIDENCE_FEATURES, ConfidenceModel
from grader.scoring.embedder import HashingEmbedder
from grader.scoring.features import CREDIT_FEATURES, JUDGE_FEATURE
from grader.scoring.scorer import Scorer


class RecordingJudge:
    """Says the same log-odds for every pair, and keeps what it was asked."""

    model_id = "judge:recording"

    def __init__(self, logit: float) -> None:
        self.logit = logit
        self.asked: list[tuple[str, str]] = []

    def logits(self, points: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        self.asked.extend(zip(points, answers, strict=True))
        return np.full(len(points), self.logit)


def _judge_only(confidence: ConfidenceModel | None = None) -> Calibration:
    """A credit model that reads nothing but the judge: credit = 0.5 + logit / 2."""
    weights = [0.0] * len(CREDIT_FEATURES) + [1.0]
    return Calibration.load().model_copy(
        update={
            "credit": CreditModel(
                features=[*CREDIT_FEATURES, JUDGE_FEATURE], weights=weights, intercept=0.0
            ),
            "confidence": confidence,
        }
    )


def _rubric() -> Rubric:
    return Rubric(
        id="gan",
        prompt="What are the models used in adversarial networks?",
        topic="gans",
        max_points=2,
        reference_answer="Generative models, discriminative models",
        criteria=[
            Criterion(id="gen", text="Generative models", phrasings=["a generator"]),
            Criterion(id="dis", text="Discriminative models"),
        ],
    )


ANSWER = "A generative model makes samples. A discriminative model tells them apart."


def test_a_calibration_that_reads_the_judge_needs_one() -> None:
    with pytest.raises(ValueError, match="judge"):
        Scorer(HashingEmbedder(), _judge_only())


def test_the_judges_log_odds_become_the_credit() -> None:
    for logit, credit in ((1.0, 1.0), (-0.5, 0.25), (-3.0, 0.0)):
        scorer = Scorer(HashingEmbedder(), _judge_only(), judge=RecordingJudge(logit))
        grade = scorer.grade(_rubric(), ANSWER)
        assert [c.credit for c in grade.criteria] == [credit, credit]
        assert grade.points == pytest.approx(2 * credit)


def test_the_judge_reads_each_point_with_its_phrasings_against_its_own_part() -> None:
    judge = RecordingJudge(1.0)
    Scorer(HashingEmbedder(), _judge_only(), judge=judge).grade(_rubric(), ANSWER)
    assert [point for point, _ in judge.asked] == [
        "Generative models OR a generator",
        "Discriminative models",
    ]
    assert "makes samples" in judge.asked[0][1] and "tells them apart" in judge.asked[1][1]


def test_a_refused_answer_is_not_judged() -> None:
    judge = RecordingJudge(5.0)
    grade = Scorer(HashingEmbedder(), _judge_only(), judge=judge).grade(_rubric(), "")
    assert judge.asked == [] and grade.points == 0


def test_a_calibration_without_the_judge_never_runs_it(fake_scorer: Scorer) -> None:
    judge = RecordingJudge(5.0)
    plain = Calibration.load().model_copy(
        update={
            "credit": CreditModel(features=list(CREDIT_FEATURES), weights=[1.0] * 5, intercept=-2.0)
        }
    )
    Scorer(HashingEmbedder(), plain, judge=judge).grade(_rubric(), ANSWER)
    assert judge.asked == []


def _confidence(review_below: float) -> ConfidenceModel:
    weights = [0.0] * len(CONFIDENCE_FEATURES)
    weights[CONFIDENCE_FEATURES.index("far")] = -4.0
    return ConfidenceModel(
        features=list(CONFIDENCE_FEATURES),
        weights=weights,
        intercept=2.0,
        review_below=review_below,
    )


def test_a_grade_under_the_confidence_cut_goes_to_review_with_its_reason() -> None:
    doubtful = Scorer(
        HashingEmbedder(), _judge_only(_confidence(0.99)), judge=RecordingJudge(1.0)
    ).grade(_rubric(), ANSWER)
    assert doubtful.needs_review
    assert any("uncertain grade" in r and "far from every key point" in r for r in doubtful.reasons)
    assert doubtful.confidence <= 0.5
    trusted = Scorer(
        HashingEmbedder(), _judge_only(_confidence(0.0)), judge=RecordingJudge(1.0)
    ).grade(_rubric(), ANSWER)
    assert not trusted.needs_review
    assert 0.0 < trusted.confidence < 1.0  # the fitted probability, not the verdict distance
