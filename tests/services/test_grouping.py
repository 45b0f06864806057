"""The review queue's order by groups: what teaches the course model most per grade first."""

from __future__ import annotations

from grader.services.grouping import GroupView, queue_order
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
