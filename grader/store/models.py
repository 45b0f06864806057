"""All tables. Times are timezone-aware UTC; names follow one naming convention."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def created_before(first: Any, second: Any) -> ColumnElement[bool]:
    """``first`` comes before ``second`` in creation order: by ``created_at``, ties by ``id``
    (rows, aliases, or a loaded row's values on the right). Lists and cursors ordered this way
    never skip or repeat a row, whatever order the transactions committed in."""
    return or_(
        first.created_at < second.created_at,
        and_(first.created_at == second.created_at, first.id < second.id),
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC times")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Student(Base):
    __tablename__ = "students"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    lms_user_id: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    # What instructors read: the LMS's name for the student, or one an instructor set.
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def shown_name(self) -> str:
        """The display name, else the account's name (an LMS student's is "lms:<id>")."""
        return self.display_name or self.name


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # student | instructor | lms
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebSession(Base):
    """A browser's sign-in: the cookie's secret stored only as its SHA-256 hash. ``kind`` is
    ``session`` (the cookie) or ``link`` (a one-time sign-in link, used once)."""

    __tablename__ = "web_sessions"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Attempt(Base):
    """One graded answer; an instructor override, when present, always wins."""

    __tablename__ = "attempts"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(20))
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the full Grade
    rubric_version: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str] = mapped_column(String(200))
    calibration_version: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    override_points: Mapped[float | None] = mapped_column(Float, default=None)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)
    override_by: Mapped[str | None] = mapped_column(String(200), default=None)
    overridden_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # Its answer group, and when an instructor graded it through a group, the representative
    # attempt whose grade was applied to it (the audit trail: who and when are above).
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer_groups.id"), default=None, index=True
    )
    graded_via: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), default=None)
    # The answer's embedding once it was grouped (float32 bytes), loaded only when asked for.
    answer_vector: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    # The grade as an instructor's key-point decisions make it (a Grade, like ``result``, built
    # by grader.scoring.decisions from ``result`` and this attempt's CriterionDecision rows);
    # ``override_points`` are its points. None while only the machine has graded it.
    decided: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    @property
    def final_points(self) -> float:
        return self.override_points if self.override_points is not None else self.points

    @property
    def shown_result(self) -> dict[str, Any]:
        """The grade in force: the instructor's decided grade, else the machine's."""
        return self.decided if self.decided is not None else self.result


class CriterionDecision(Base):
    """An instructor's decision on one key point of one answer: its credit (a tick is 1 or 0),
    the answer's evidence for it, who decided and when, and through which representative when
    it was decided for an answer group. The grade is derived from these (Attempt.decided)."""

    __tablename__ = "criterion_decisions"
    __table_args__ = (
        UniqueConstraint("attempt_id", "criterion_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    criterion_id: Mapped[str] = mapped_column(String(100))
    credit: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # instructor (ticked) | accepted
    evidence: Mapped[str | None] = mapped_column(Text, default=None)
    by: Mapped[str] = mapped_column(String(200))
    via: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), default=None)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AnswerGroup(Base):
    """Similar answers to one question, graded together (the members point here)."""

    __tablename__ = "answer_groups"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    centre: Mapped[bytes] = mapped_column(LargeBinary)  # float32 bytes, normalised
    members: Mapped[int] = mapped_column(Integer)  # answers that joined it (its centre's weight)
    model_id: Mapped[str] = mapped_column(String(200))  # the embedding model of the centre
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ReviewState(Base):
    """A student's schedule and record on one question (an FSRS card)."""

    __tablename__ = "review_states"
    __table_args__ = (UniqueConstraint("student_id", "question_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(200))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    due: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    best_score: Mapped[float] = mapped_column(Float, default=0.0)
    last_score: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebhookEndpoint(Base):
    """An LMS endpoint. Secrets sign outgoing events, so they are kept (never logged)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200), default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebhookEvent(Base):
    """The outbox: written in the same transaction as what it reports."""

    __tablename__ = "webhook_events"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(100), unique=True)  # webhook-id, stable
    type: Mapped[str] = mapped_column(String(50))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class WebhookDelivery(Base):
    """One event to one endpoint: pending until delivered, failed, or the endpoint is gone."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # A student's queue at an endpoint, oldest first: the worker finds each queue's head
        # from this index alone, however long the outbox (``store.webhooks.claim_due``).
        Index(
            "ix_webhook_deliveries_queue",
            *("status", "endpoint_id", "student_id", "created_at", "attempts"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class DeliveryAttempt(Base):
    """The log of every try: status code, latency, truncated response or error."""

    __tablename__ = "webhook_delivery_attempts"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    latency_ms: Mapped[float] = mapped_column(Float)
    response: Mapped[str] = mapped_column(Text, default="")


class InboundSubmission(Base):
    """An LMS submission, kept by its webhook-id so that a replay gets the same answer."""

    __tablename__ = "inbound_submissions"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - ids never reused

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(200), unique=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class GradedAnswer(Base):
    """An answer an instructor graded: an override, an accepted machine grade, an import.

    These are what a question's adapted model learns from; one row per attempt at most (a
    later override of the same attempt replaces its grade).
    """

    __tablename__ = "graded_answers"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - SQLAlchemy's own attribute

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    answer: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # override | accepted | import
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("attempts.id"), unique=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AdaptedModel(Base):
    """A fitted per-question model, versioned; the newest version of a question is in force."""

    __tablename__ = "adapted_models"
    __table_args__ = (UniqueConstraint("question_id", "version"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=False)
    examples: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # learning.adapt.AdaptedModel
    vectors: Mapped[bytes] = mapped_column(LargeBinary)  # the graded answers' embeddings
    model_id: Mapped[str] = mapped_column(String(200))  # the embedding model they came from
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WorkerHeartbeat(Base):
    """A webhook worker's last successful poll of the outbox (`/health` reports the newest)."""

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    polled_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
