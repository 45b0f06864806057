"""Put an adapted model's prediction into a grade, with its reasons."""

from __future__ import annotations

from grader.learning.adapt import Prediction
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.confidence import NEAR_THRESHOLD, verdict_distance
from grader.scoring.decisions import key_points_sum
from grader.scoring.grade import AdaptedGrade, Adjustment, Grade, GradedNeighbour


def apply_prediction(
    grade: Grade,
    prediction: Prediction,
    version: int,
    thresholds: VerdictThresholds,
    review_band: float,
) -> Grade:
    """``grade`` with the adapted points, verdict and explanation. The key points stay as the
    rubric found them; the course model's change to their sum is an explicit adjustment, shown
    with the graded answer it comes from (never a total changed behind the key points' back).

    Every review flag about the answer stays. The one about the score ("close to a verdict
    threshold", ``review_band``) is judged again on the adapted score: the rubric's score is no
    longer the grade."""
    maximum = grade.max_points
    points = round(prediction.share * maximum, 4)
    score = points / maximum
    verdict = thresholds.verdict(score)
    neighbours = [
        GradedNeighbour(
            source=key, similarity=round(similarity, 4), points=round(share * maximum, 4)
        )
        for key, similarity, share in prediction.neighbours
    ]
    nearest = neighbours[0]
    explanation = (
        f"Graded with your course's grades: close to an answer you graded "
        f"{nearest.points:g}/{maximum:g} ({nearest.source}, similarity {nearest.similarity:.2f})."
    )
    change = round(points - key_points_sum(grade), 4)
    adjustment = (
        Adjustment(points=change, reason=explanation, by="course-model")
        if abs(points - grade.points) > 1e-4
        else None
    )
    near = f"review: {NEAR_THRESHOLD}"
    reasons = [r for r in grade.reasons if r != near]
    # In review for something other than the rubric score's place (or for no stated reason).
    other = grade.needs_review and (
        near not in grade.reasons or any(r.startswith("review:") for r in reasons)
    )
    close = verdict_distance(score, thresholds.correct, thresholds.incorrect) < review_band
    if close:
        reasons.append(near)
    if not prediction.auto_accept:
        reasons.append("review: outside the adapted model's 90%-agreement coverage")
    return grade.model_copy(
        update={
            "points": points,
            "score": round(score, 4),
            "verdict": verdict,
            "feedback": f"{explanation} {grade.feedback}",
            "needs_review": other or close or not prediction.auto_accept,
            "adjustment": adjustment,
            "reasons": reasons,
            "adapted": AdaptedGrade(
                model_version=version,
                rubric_points=grade.points,
                points=points,
                neighbours=neighbours,
                auto_accepted=prediction.auto_accept,
            ),
        }
    )
