"""Key-point decisions make the grade: every kind of grade (machine, instructor, group member,
course-adapted) tells its points one way (property-based, no model needed: machine grades are
drawn at random, as any scorer could produce them)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.learning.adapt import Prediction
from grader.learning.apply import apply_prediction
from grader.rubrics.schema import Criterion, Rubric, SelectRule
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.decisions import (
    ACCEPTED,
    decided_grade,
    instructor_decisions,
    like,
    told_one_way,
)
from grader.scoring.grade import MET, CriterionResult, Grade, MisconceptionResult
from grader.scoring.selection import select

THRESHOLDS = VerdictThresholds()


@st.composite
def rubrics(draw: st.DrawFn) -> Rubric:
    count = draw(st.integers(1, 5))
    criteria = [
        Criterion(id=f"c{i}", text=f"Key point {i}", points=draw(st.sampled_from([0.5, 1, 2, 3])))
        for i in range(count)
    ]
    rule = None
    if count > 1 and draw(st.booleans()):
        rule = SelectRule(any=draw(st.integers(1, count - 1)))
    total = sum(c.points for c in criteria)
    if rule is not None:
        total = sum(sorted((c.points for c in criteria), reverse=True)[: rule.any])
    return Rubric(
        id="q", prompt="Explain.", topic="t", max_points=total, reference_answer="All of it.",
        criteria=criteria, select=rule,
    )  # fmt: skip


def machine_grade(rubric: Rubric, credits: list[float], penalty: float) -> Grade:
    """A machine grade as the scorer builds one: credits under the counting rule, penalties."""
    selection = select(rubric, np.array(credits))
    criteria = [
        CriterionResult(
            id=c.id, text=c.text, points=c.points, credit=credits[i],
            earned=round(credits[i] * c.points, 4) if selection.selected[i] else 0.0,
            similarity=0.5, evidence=f"words for {c.id}", met=credits[i] >= MET,
            selected=selection.selected[i],
        )
        for i, c in enumerate(rubric.criteria)
    ]  # fmt: skip
    penalties = [MisconceptionResult(id="m", text="wrong", penalty=penalty, evidence="x")]
    penalties = penalties if penalty else []
    points = float(np.clip(selection.earned(rubric) - penalty, 0, rubric.max_points))
    return Grade(
        question_id=rubric.id, score=points / rubric.max_points, points=round(points, 4),
        max_points=rubric.max_points, verdict=THRESHOLDS.verdict(points / rubric.max_points),
        criteria=criteria, misconceptions_triggered=penalties, feedback="", confidence=0.7,
        needs_review=False, model_id="m", calibration_version="c",
    )  # fmt: skip


@st.composite
def graded(draw: st.DrawFn) -> tuple[Rubric, Grade]:
    rubric = draw(rubrics())
    credits = [
        draw(st.sampled_from([0.0, 0.05, 0.3, 0.5, 0.72, 1.0])) for _ in rubric.criteria
    ]  # fmt: skip
    return rubric, machine_grade(rubric, credits, draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])))


@settings(max_examples=300, deadline=None)
@given(graded(), st.data())
def test_every_instructor_grade_tells_its_points_one_way(
    case: tuple[Rubric, Grade], data: st.DataObject
) -> None:
    rubric, machine = case
    assert told_one_way(machine) == []
    ids = [c.id for c in rubric.criteria]
    met = data.draw(st.one_of(st.none(), st.lists(st.sampled_from(ids), unique=True)))
    points = data.draw(st.one_of(st.none(), st.sampled_from([0.0, 0.5, rubric.max_points])))
    decisions, adjustment = instructor_decisions(
        rubric, machine, THRESHOLDS, met=met, points=points, reason="as I see it"
    )
    grade = decided_grade(machine, rubric, decisions, THRESHOLDS, adjustment=adjustment)
    assert told_one_way(grade) == []
    if points is not None:
        assert grade.points == pytest.approx(points)
    if met is not None:
        # The key points shown met are the ones ticked (those that count under the rule).
        shown_met = {c.id for c in grade.criteria if c.met}
        assert shown_met == set(met)
        assert all(c.decided_by == "instructor" for c in grade.criteria)
        if points is None:
            assert grade.adjustment is None and not grade.misconceptions_triggered
    if met is None and points is None:  # accepting changes nothing the student was told
        assert grade.points == pytest.approx(machine.points)
        assert [c.met for c in grade.criteria] == [c.met for c in machine.criteria]
    # A group member graded like it: the same key points met, told one way too.
    member_rubric, member = rubric, machine_grade(rubric, [1.0] * len(ids), 0.0)
    shared = decided_grade(member, member_rubric, like(decisions, member), THRESHOLDS)
    assert told_one_way(shared) == []
    assert {c.id for c in shared.criteria if c.met} == {c.id for c in grade.criteria if c.met}


@settings(max_examples=200, deadline=None)
@given(graded(), st.floats(0, 1))
def test_a_course_models_change_is_an_adjustment_shown_as_one(
    case: tuple[Rubric, Grade], share: float
) -> None:
    rubric, machine = case
    prediction = Prediction(share=share, neighbours=[("attempt:17", 0.86, share)],
                            confidence=0.9, auto_accept=True)  # fmt: skip
    adapted = apply_prediction(machine, prediction, 1, THRESHOLDS, 0.05)
    assert told_one_way(adapted) == []
    assert adapted.points == pytest.approx(round(share * rubric.max_points, 4))
    assert [c.model_dump() for c in adapted.criteria] == [c.model_dump() for c in machine.criteria]
    if abs(adapted.points - machine.points) > 1e-4:
        assert adapted.adjustment is not None and adapted.adjustment.by == "course-model"


def test_a_grade_that_cuts_points_behind_met_key_points_is_caught() -> None:
    rubric = Rubric(
        id="q", prompt="Name both.", topic="t", max_points=2, reference_answer="A and B.",
        criteria=[Criterion(id="a", text="A"), Criterion(id="b", text="B")],
    )  # fmt: skip
    both = machine_grade(rubric, [1.0, 1.0], 0.0)
    # The old group grade: both key points shown met under an instructor's 1 of 2.
    cut = both.model_copy(update={"points": 1.0, "score": 0.5})
    assert told_one_way(cut) == ["points 1, key points give 2"]
    missed_but_earning = both.model_copy(
        update={"criteria": [both.criteria[0].model_copy(update={"met": False}), both.criteria[1]]}
    )
    assert told_one_way(missed_but_earning) == ["a: shown missed at credit 1"]


def test_ticks_under_a_select_rule_earn_the_rules_points_and_name_the_point_missing() -> None:
    rubric = Rubric(
        id="q", prompt="Give two.", topic="t", max_points=2, reference_answer="A, B or C.",
        criteria=[Criterion(id=i, text=f"Example {i}") for i in "abc"],
        select=SelectRule(any=2),
    )  # fmt: skip
    machine = machine_grade(rubric, [0.9, 0.0, 0.2], 0.5)
    decisions, adjustment = instructor_decisions(
        rubric, machine, THRESHOLDS, met=["a", "b", "c"], points=None, reason=""
    )
    grade = decided_grade(machine, rubric, decisions, THRESHOLDS, adjustment=adjustment)
    assert grade.points == 2 and grade.verdict == "correct"
    assert [c.selected for c in grade.criteria].count(True) == 2
    assert not grade.misconceptions_triggered  # the instructor decided what is right
    one, _ = instructor_decisions(rubric, machine, THRESHOLDS, met=["c"], points=None, reason="")
    single = decided_grade(machine, rubric, one, THRESHOLDS)
    assert single.points == 1 and "Missing: “Example a”" in single.feedback


def test_an_accepted_grade_keeps_its_penalty_and_a_typed_total_is_an_adjustment() -> None:
    rubric = Rubric(
        id="q", prompt="Name both.", topic="t", max_points=2, reference_answer="A and B.",
        criteria=[Criterion(id="a", text="A"), Criterion(id="b", text="B")],
    )  # fmt: skip
    machine = machine_grade(rubric, [1.0, 0.6], 0.5)
    decisions, adjustment = instructor_decisions(
        rubric, machine, THRESHOLDS, met=None, points=None, reason=""
    )
    assert all(d.source == ACCEPTED for d in decisions) and adjustment is None
    accepted = decided_grade(machine, rubric, decisions, THRESHOLDS)
    assert accepted.points == machine.points == 1.1
    assert accepted.misconceptions_triggered == machine.misconceptions_triggered
    decisions, adjustment = instructor_decisions(
        rubric, machine, THRESHOLDS, met=["a"], points=1.5, reason="half of B is there"
    )
    grade = decided_grade(machine, rubric, decisions, THRESHOLDS, adjustment=adjustment)
    assert adjustment is not None and adjustment.points == 0.5 and grade.points == 1.5
    assert "Your instructor added 0.5 points: half of B is there." in grade.feedback
    with pytest.raises(ValueError, match="no criterion 'z'"):
        instructor_decisions(rubric, machine, THRESHOLDS, met=["z"], points=None, reason="")


def test_a_member_keeps_its_own_credit_where_its_machine_agrees_with_the_representatives() -> None:
    rubric = Rubric(
        id="q", prompt="Name both.", topic="t", max_points=2, reference_answer="A and B.",
        criteria=[Criterion(id="a", text="A"), Criterion(id="b", text="B")],
    )  # fmt: skip
    representative = machine_grade(rubric, [0.9, 0.1], 0.0)
    member = machine_grade(rubric, [0.7, 0.8], 0.0)
    decisions, _ = instructor_decisions(
        rubric, representative, THRESHOLDS, met=None, points=None, reason=""
    )
    shared = like(decisions, member)
    # a: both met, the member's own 0.7; b: the representative's 0.1 (not met) wins.
    assert [(d.credit, d.evidence) for d in shared] == [(0.7, "words for a"), (0.1, "words for b")]


def test_ticked_points_follow_the_counting_rule_and_the_maximum() -> None:
    from grader.scoring.selection import ticked_points

    rubric = Rubric(
        id="q", prompt="Give two.", topic="t", max_points=3, reference_answer="A, B or C.",
        criteria=[Criterion(id="a", text="A", points=2), Criterion(id="b", text="B"),
                  Criterion(id="c", text="C")],
        select=SelectRule(any=2),
    )  # fmt: skip
    assert ticked_points(rubric, {"a", "b", "c"}) == 3  # the best two of the three
    assert ticked_points(rubric, {"b", "c"}) == 2
    assert ticked_points(rubric, set()) == 0
