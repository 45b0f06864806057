"""The rules that spread an instructor's key-point decisions (pure numpy): the nearest example,
the judge's line and the doubt, each alone (``model=None``), then the key-point model before them."""

from __future__ import annotations

import numpy as np

from grader.learning.keypoint_examples import (
    KeyPointExample,
    doubts,
    evidence_text,
    taught_grade,
    verdicts,
)
from grader.learning.keypoint_model import FEATURES, KeyPointModel, shipped_model
from grader.scoring.grade import CriterionResult, Grade


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def _grade(credit: float, note: str | None = None) -> Grade:
    criterion = CriterionResult(
        id="c", text="C", points=1, credit=credit, earned=credit, similarity=0.5,
        evidence="the part. The rest", met=credit >= 0.5, selected=True, note=note,
    )  # fmt: skip
    return Grade(
        question_id="q", score=credit, points=credit, max_points=1, verdict="partial",
        criteria=[criterion], misconceptions_triggered=[], feedback="", confidence=0.7,
        needs_review=False, model_id="m", calibration_version="c",
    )  # fmt: skip


EXAMPLES = [
    KeyPointExample("c", True, 17, "credited"),
    KeyPointExample("c", False, 18, "refused"),
]
VECTORS = np.vstack([_unit(1, 0, 0), _unit(0, 1, 0)])


def test_the_nearest_example_decides_and_names_itself() -> None:
    near_credited = {"c": _unit(1, 0.2, 0)}
    (verdict,) = verdicts(_grade(0.2), near_credited, EXAMPLES, VECTORS, like=0.8, model=None)
    assert verdict.credit == 1.0
    assert verdict.note.startswith("like the answer you credited (attempt 17, similarity 0.98")
    near_refused = {"c": _unit(0.1, 1, 0)}
    (verdict,) = verdicts(_grade(0.9), near_refused, EXAMPLES, VECTORS, like=0.8, model=None)
    assert verdict.credit == 0.0 and "refused (attempt 18" in verdict.note


def test_an_answer_unlike_every_example_or_its_own_keeps_the_judges_verdict() -> None:
    assert (
        verdicts(_grade(0.2), {"c": _unit(0, 0, 1)}, EXAMPLES, VECTORS, like=0.8, model=None) == []
    )
    own = verdicts(
        _grade(0.2), {"c": _unit(1, 0, 0)}, EXAMPLES[:1], VECTORS[:1], exclude=17, model=None
    )
    assert own == []


def test_a_denial_near_a_credited_example_stays_refused() -> None:
    denied = _grade(0.0, note="negated")
    assert verdicts(denied, {"c": _unit(1, 0.1, 0)}, EXAMPLES, VECTORS, like=0.8, model=None) == []


def test_the_evidence_is_read_in_its_sentence() -> None:
    grade = _grade(0.6)
    answer = "First this. The part, and then the rest of it. Last."
    grade.criteria[0].evidence = "The part"
    assert evidence_text(grade, "c", answer) == "The part, and then the rest of it"
    grade.criteria[0].evidence = None
    assert evidence_text(grade, "c", answer) == answer


def test_the_judges_line_moves_to_where_the_instructor_credited_and_refused() -> None:
    """No example is alike (orthogonal vectors): the judge's credit among the decided answers'
    decides. Credited at 0.3 by the judge, refused at 0.1: 0.35 is met, 0.05 is not, 0.25 (in
    between, nearer the credited) is met, and 0 (no trace of the point) is never credited."""
    decided = [
        KeyPointExample("c", True, 17, "credited", machine_credit=0.3),
        KeyPointExample("c", False, 18, "refused", machine_credit=0.1),
    ]
    far = {"c": _unit(0, 0, 1)}

    def decide(credit: float) -> list[tuple[float, str]]:
        found = verdicts(_grade(credit), far, decided, VECTORS, like=0.8, model=None)
        return [(v.credit, v.note.split(":")[0]) for v in found]

    assert decide(0.35) == [(1.0, "credited")]
    assert decide(0.05) == [(0.0, "not credited")]
    assert decide(0.25) == [(1.0, "credited")]
    assert decide(0.15) == [(0.0, "not credited")]
    only_credited = [KeyPointExample("c", True, 17, "credited", machine_credit=0.0)]
    assert verdicts(_grade(0.0), far, only_credited, VECTORS[:1], like=0.8, model=None) == []
    (lifted,) = verdicts(_grade(0.1), far, only_credited, VECTORS[:1], like=0.8, model=None)
    assert lifted.credit == 1.0
    # Its own decision never decides it.
    assert (
        verdicts(_grade(0.35), far, decided[:1], VECTORS[:1], like=0.8, exclude=17, model=None)
        == []
    )


def test_with_the_midpoint_a_credit_between_the_decisions_goes_to_the_nearer_side() -> None:
    decided = [
        KeyPointExample("c", True, 17, "credited", machine_credit=0.7),
        KeyPointExample("c", False, 18, "refused", machine_credit=0.1),
    ]
    far = {"c": _unit(0, 0, 1)}

    def decide(credit: float) -> list[float]:
        found = verdicts(_grade(credit), far, decided, VECTORS, like=0.8, model=None)
        return [v.credit for v in found]

    assert decide(0.45) == [1.0] and decide(0.4) == [1.0]  # halfway between 0.1 and 0.7
    assert decide(0.3) == [0.0]
    (note,) = verdicts(_grade(0.45), far, decided, VECTORS, like=0.8, model=None)
    assert "nearer the answers you credited it on (from 0.70)" in note.note
    # Without the midpoint the judge's verdict stands in between.
    assert verdicts(_grade(0.45), far, decided, VECTORS, like=0.8, midpoint=False, model=None) == []
    only_credited = decided[:1]  # with one side only, nothing is in between
    assert verdicts(_grade(0.45), far, only_credited, VECTORS[:1], like=0.8, model=None) == []


def test_a_verdict_the_decisions_showed_the_judge_wrong_on_is_doubted() -> None:
    """The judge gave 0.2 to an answer the instructor credited: where it finds the point
    missing again and nothing decides it, its verdict is doubted; where it finds the point met,
    or where no decision contradicts it on that side, it is not."""
    missed_on_credited = [KeyPointExample("c", True, 17, "credited", machine_credit=0.2)]
    (note,) = doubts(_grade(0.1), missed_on_credited, set())
    assert note == (
        'the judge found "c" missing, as it did on an answer you credited it on (attempt 17)'
    )
    assert doubts(_grade(0.9), missed_on_credited, set()) == []
    assert doubts(_grade(0.1), missed_on_credited, {"c"}) == []  # decided: not the judge's
    assert doubts(_grade(0.1), missed_on_credited, set(), exclude=17) == []  # its own
    agreed = [KeyPointExample("c", True, 17, "credited", machine_credit=0.8)]
    assert doubts(_grade(0.1), agreed, set()) == []
    met_on_refused = [KeyPointExample("c", False, 18, "refused", machine_credit=0.7)]
    (note,) = doubts(_grade(0.9), met_on_refused, set())
    assert note.startswith('the judge found "c" met, as it did on an answer you refused')
    assert doubts(_grade(0.1), met_on_refused, set()) == []


def test_a_doubted_verdict_goes_to_review_and_an_undoubted_one_is_left_alone() -> None:
    from grader.rubrics.schema import Criterion, Rubric
    from grader.scoring.calibration import VerdictThresholds

    rubric = Rubric(
        id="q", prompt="Q?", topic="T", reference_answer="C.", max_points=1,
        criteria=[Criterion(id="c", text="C", points=1)],
    )  # fmt: skip
    thresholds = VerdictThresholds()
    far = {"c": _unit(0, 0, 1)}
    # Credited where the judge gave 0: a later 0 is not lifted (never from nothing), but sent
    # to review, saying why.
    shown = [KeyPointExample("c", True, 17, "credited", machine_credit=0.0)]
    grade = taught_grade(_grade(0.0), rubric, far, shown, VECTORS[:1], thresholds, model=None)
    assert grade.needs_review and grade.points == 0.0
    assert any(r.startswith('review: the judge found "c" missing') for r in grade.reasons)
    kept = taught_grade(
        _grade(0.0), rubric, far, shown, VECTORS[:1], thresholds, doubting=False, model=None
    )
    assert not kept.needs_review
    # Credited where the judge agreed: nothing to doubt.
    agreed = [KeyPointExample("c", True, 17, "credited", machine_credit=0.9)]
    assert taught_grade(
        _grade(0.0), rubric, far, agreed, VECTORS[:1], thresholds, model=None
    ) == _grade(0.0)


def _model(**weights: float) -> KeyPointModel:
    """A model with the named weights (the others 0) and ``bias``."""
    bias = weights.pop("bias", 0.0)
    return KeyPointModel([weights.get(name, 0.0) for name in FEATURES], bias)


def test_a_sure_model_decides_before_the_nearest_example_and_says_how_sure() -> None:
    trusts_likeness = _model(like_credited=10.0, bias=-5.0)
    near_credited = {"c": _unit(1, 0.2, 0)}
    (verdict,) = verdicts(_grade(0.2), near_credited, EXAMPLES, VECTORS, model=trusts_likeness)
    assert verdict.credit == 1.0
    assert verdict.note == (
        "credited (99% sure): the judge gave it 0.20; the nearest answer you decided, attempt "
        "17, you credited (similarity 0.98)"
    )
    # Unlike every credited answer: refused, though the judge met it (a turned verdict).
    (verdict,) = verdicts(_grade(0.9), {"c": _unit(0, 0, 1)}, EXAMPLES, VECTORS,
                          model=trusts_likeness)  # fmt: skip
    assert verdict.credit == 0.0 and verdict.note.startswith("not credited (99% sure)")


def test_an_unsure_model_leaves_the_key_point_to_the_nearest_example_and_the_line() -> None:
    undecided = _model()  # 1/2 everywhere
    (verdict,) = verdicts(_grade(0.2), {"c": _unit(1, 0.2, 0)}, EXAMPLES, VECTORS,
                          model=undecided)  # fmt: skip
    assert verdict.note.startswith("like the answer you credited (attempt 17")


def test_the_model_never_credits_a_point_the_judge_refused_as_denied() -> None:
    trusts_likeness = _model(like_credited=10.0, bias=-5.0)
    denied = _grade(0.0, note="negated")
    found = verdicts(denied, {"c": _unit(1, 0.1, 0)}, EXAMPLES, VECTORS, model=trusts_likeness)
    assert found == []


def test_a_verdict_the_model_keeps_unsure_is_doubted_as_the_judges_own() -> None:
    """The instructor credited an answer the judge gave 0: a later 0 the model also leaves
    missing goes to review unless the model is sure by ``settles_from``."""
    from grader.rubrics.schema import Criterion, Rubric
    from grader.scoring.calibration import VerdictThresholds

    rubric = Rubric(
        id="q", prompt="Q?", topic="T", reference_answer="C.", max_points=1,
        criteria=[Criterion(id="c", text="C", points=1)],
    )  # fmt: skip
    shown = [KeyPointExample("c", True, 17, "credited", machine_credit=0.0)]
    far = {"c": _unit(0, 0, 1)}

    def graded(bias: float) -> Grade:
        return taught_grade(
            _grade(0.0), rubric, far, shown, VECTORS[:1], VerdictThresholds(),
            model=_model(bias=bias),
        )  # fmt: skip

    unsure = graded(-0.6)  # 35%: sure enough to decide, not to settle
    assert unsure.points == 0.0 and unsure.needs_review
    assert any(r.startswith('review: the judge found "c" missing') for r in unsure.reasons)
    sure = graded(-3.0)  # 5%
    assert sure.points == 0.0 and not sure.needs_review


def test_the_shipped_model_credits_a_near_copy_of_a_credited_answer_and_not_a_stranger() -> None:
    shipped = shipped_model()
    assert shipped is not None
    (copy,) = verdicts(_grade(0.2), {"c": _unit(1, 0.05, 0)}, EXAMPLES, VECTORS, model=shipped)
    assert copy.credit == 1.0
    (stranger,) = verdicts(_grade(0.0), {"c": _unit(0, 0.3, 1)}, EXAMPLES, VECTORS, model=shipped)
    assert stranger.credit == 0.0
