"""Graded answers (what adapted models learn from) and the adapted models themselves.

Store functions only flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store.models import AdaptedModel, GradedAnswer


def record_graded(
    session: Session,
    *,
    question_id: str,
    answer: str,
    points: float,
    max_points: float,
    source: str,
    now: datetime,
    attempt_id: int | None = None,
) -> GradedAnswer:
    """Add an instructor-graded answer; an attempt graded again replaces its earlier grade."""
    row = None
    if attempt_id is not None:
        row = session.scalar(select(GradedAnswer).where(GradedAnswer.attempt_id == attempt_id))
    if row is None:
        row = GradedAnswer(
            question_id=question_id, answer=answer, attempt_id=attempt_id, created_at=now,
            points=points, max_points=max_points, source=source, updated_at=now,
        )  # fmt: skip
        session.add(row)
    else:
        row.points, row.max_points, row.source, row.updated_at = points, max_points, source, now
    session.flush()
    return row


def graded_answers(session: Session, *, question_id: str) -> list[GradedAnswer]:
    """The question's graded answers, oldest first (never another question's)."""
    return list(
        session.scalars(
            select(GradedAnswer)
            .where(GradedAnswer.question_id == question_id)
            .order_by(GradedAnswer.id)
        )
    )


def graded_questions(session: Session) -> list[str]:
    """Every question with at least one graded answer."""
    return list(session.scalars(select(GradedAnswer.question_id).distinct()))


def save_model(
    session: Session,
    *,
    question_id: str,
    params: dict[str, Any],
    vectors: bytes,
    active: bool,
    examples: int,
    model_id: str,
    now: datetime,
) -> AdaptedModel:
    """A new version of the question's adapted model (versions count up from 1)."""
    version = (latest_version(session, question_id=question_id) or 0) + 1
    row = AdaptedModel(
        question_id=question_id, version=version, params=params, vectors=vectors,
        active=active, examples=examples, model_id=model_id, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def latest_version(session: Session, *, question_id: str) -> int | None:
    return session.scalar(
        select(func.max(AdaptedModel.version)).where(AdaptedModel.question_id == question_id)
    )


def latest_model(session: Session, *, question_id: str) -> AdaptedModel | None:
    return session.scalar(
        select(AdaptedModel)
        .where(AdaptedModel.question_id == question_id)
        .order_by(AdaptedModel.version.desc())
        .limit(1)
    )
