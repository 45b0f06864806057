"""The review queue's order by groups: what teaches the course model most per grade first."""

from __future__ import annotations

from dataclasses import replace

from grader.rubrics.schema import Criterion, Rubric
from grader.services.grouping import POINTS_DIFFER, GroupView, queue_order
from grader.store.models import Attempt


def _group(group_id: int, size: int, flagged: int, confidence: float) -> GroupView:
    members = [Attempt(id=group_id * 100 + n, points=1.0) for n in range(size)]
    return GroupView(
        id=group_id, representative=members[0], members=members, flagged=flagged, low=1.0,
        high=1.0, criteria_met={}, confidence=confidence,
    )  # fmt: skip


def test_unsure_groups_come_first_largest_first_then_groups_then_single_answers() -> None:
    views = [
        _group(1, 1, 1, 0.2),  # a single flagged answer
        _group(2, 3, 0, 0.9),  # a sure group of three
        _group(3, 2, 1, 0.5),  # an unsure group of two
        _group(4, 5, 1, 0.4),  # an unsure group of five
        _group(5, 1, 0, 0.9),  # a single sure answer
        _group(6, 3, 0, 0.3),  # a less sure group of three
    ]
    assert [v.id for v in sorted(views, key=queue_order)] == [4, 3, 6, 2, 1, 5]


def _attempt(attempt_id: int, points: float, met: dict[str, bool]) -> Attempt:
    criteria = [{"id": c, "met": m} for c, m in met.items()]
    return Attempt(id=attempt_id, points=points, result={"criteria": criteria})


def test_members_the_machine_graded_apart_in_key_points_or_points_are_held_back() -> None:
    rubric = Rubric(
        id="q", prompt="Name both.", topic="t", max_points=2, reference_answer="A and B.",
        criteria=[Criterion(id="a", text="A"), Criterion(id="b", text="B")],
    )  # fmt: skip
    only_a = {"a": True, "b": False}
    representative = _attempt(1, 1.3, only_a)
    near = _attempt(2, 0.85, only_a)  # 0.45 below: within a quarter of the 2 marks
    far = _attempt(3, 0.75, only_a)  # 0.55 below: the machine graded it apart
    other = _attempt(4, 1.3, {"a": False, "b": True})
    members = [representative, near, far, other]
    view = GroupView(
        id=1, representative=representative, members=members, flagged=0, low=0.75, high=1.3,
        criteria_met={}, confidence=0.5, rubric=rubric,
    )  # fmt: skip
    assert view.held_back == {3: [POINTS_DIFFER], 4: ["a", "b"]}
    assert view.alike == [near]
    # Shown with another answer first, the points are measured from that one.
    assert view.shown_first(3).held_back == {1: [POINTS_DIFFER], 4: ["a", "b", POINTS_DIFFER]}
    # Without the rubric (a question no longer served) only the key points are compared.
    assert replace(view, rubric=None).held_back == {4: ["a", "b"]}
