"""The review queue's order by groups: what teaches the course model most per grade first."""

from __future__ import annotations

from grader.services.grouping import POINTS_DIFFER, GroupView, machine_pattern, queue_order
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


def _attempt(
    attempt_id: int, points: float, met: dict[str, bool], max_points: float = 2.0
) -> Attempt:
    criteria = [{"id": c, "met": m} for c, m in met.items()]
    return Attempt(
        id=attempt_id, points=points, max_points=max_points, result={"criteria": criteria}
    )


def test_members_the_machine_graded_apart_in_key_points_or_points_are_held_back() -> None:
    only_a = {"a": True, "b": False}
    representative = _attempt(1, 1.3, only_a)
    near = _attempt(2, 0.85, only_a)  # 0.45 below: within a quarter of the 2 marks
    far = _attempt(3, 0.75, only_a)  # 0.55 below: the machine graded it apart
    other = _attempt(4, 1.3, {"a": False, "b": True})
    members = [representative, near, far, other]
    view = GroupView(
        id=1, representative=representative, members=members, flagged=0, low=0.75, high=1.3,
        criteria_met={}, confidence=0.5,
    )  # fmt: skip
    assert view.held_back == {3: [POINTS_DIFFER], 4: ["a", "b"]}
    assert view.alike == [near]
    # Shown with another answer first, the points are measured from that one.
    assert view.shown_first(3).held_back == {1: [POINTS_DIFFER], 4: ["a", "b", POINTS_DIFFER]}
    # A quarter of the marks the points were given out of: of 4 marks, 0.55 apart is alike.
    out_of_four = [_attempt(m.id, m.points, machine_pattern(m), 4.0) for m in members]
    wider = GroupView(
        id=1, representative=out_of_four[0], members=out_of_four, flagged=0, low=0.75,
        high=1.3, criteria_met={}, confidence=0.5,
    )  # fmt: skip
    assert wider.held_back == {4: ["a", "b"]}
