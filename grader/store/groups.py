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


def move_to_group(session: Session, *, attempt_ids: Sequence[int], group_id: int) -> None:
    session.execute(
        update(Attempt).where(Attempt.id.in_(list(attempt_ids))).values(group_id=group_id)
    )
    session.flush()
