"""Answer groups in the store: their centres, their members, and grading a group at once.

Store functions only flush; the caller commits (a group grade is one transaction: every
member graded, or none).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from grader.store.models import AnswerGroup, Attempt
from grader.store.review import awaiting_review


def groups_of(session: Session, *, question_id: str, lock: bool = False) -> list[AnswerGroup]:
    query = select(AnswerGroup).where(AnswerGroup.question_id == question_id)
    query = query.order_by(AnswerGroup.id)
    return list(session.scalars(query.with_for_update() if lock else query))


def get_group(session: Session, *, group_id: int, lock: bool = False) -> AnswerGroup | None:
    query = select(AnswerGroup).where(AnswerGroup.id == group_id)
    return session.scalar(query.with_for_update() if lock else query)


def add_group(
    session: Session,
    *,
    question_id: str,
    centre: bytes,
    members: int,
    model_id: str,
    now: datetime,
) -> AnswerGroup:
    group = AnswerGroup(
        question_id=question_id, centre=centre, members=members, model_id=model_id,
        created_at=now,
    )  # fmt: skip
    session.add(group)
    session.flush()
    return group


def group_members(
    session: Session, *, group_id: int, pending_only: bool = True, lock: bool = False
) -> list[Attempt]:
    """A group's attempts (``pending_only``: those awaiting review), oldest first."""
    query = (
        select(Attempt)
        .options(undefer(Attempt.answer_vector))
        .where(Attempt.group_id == group_id)
        .order_by(Attempt.created_at, Attempt.id)
    )
    if pending_only:
        query = query.where(awaiting_review())
    return list(session.scalars(query.with_for_update() if lock else query))


def move_to_group(
    session: Session, *, attempt_ids: Sequence[int], group_id: int, from_group: int
) -> bool:
    """Move waiting attempts from one group to another, as one compare-and-set: False (nothing
    moved) unless every one of them is still waiting in ``from_group`` when the write runs."""
    return _if_all_waiting(session, attempt_ids, from_group, {"group_id": group_id})


def claim_waiting(session: Session, *, attempt_ids: Sequence[int], group_id: int, by: str) -> bool:
    """Claim attempts for a group grade, as one compare-and-set: False (nothing claimed) unless
    every one is still waiting in ``group_id`` when the write runs: two instructors grading one
    group at once, or grading while another splits it, cannot both succeed."""
    return _if_all_waiting(session, attempt_ids, group_id, {"override_by": by})


def _if_all_waiting(
    session: Session, attempt_ids: Sequence[int], group_id: int, values: dict[str, object]
) -> bool:
    """Write ``values`` to the attempts only if every one is still waiting in ``group_id``.
    The write waits for any other transaction writing them (a row lock on PostgreSQL, the
    write lock on SQLite), so what two instructors did at once is never both applied."""
    ids = list(attempt_ids)
    result = session.execute(
        update(Attempt)
        .where(Attempt.id.in_(ids), Attempt.group_id == group_id, awaiting_review())
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):  # type: ignore[attr-defined]
        return False
    session.flush()
    return True
