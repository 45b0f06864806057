"""The webhook outbox: endpoints, events written with what they report, claimed deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from grader.store.models import (
    DeliveryAttempt,
    InboundSubmission,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WorkerHeartbeat,
    created_before,
)

_MAX_LOGGED_RESPONSE = 1000


def storable(text: str, limit: int = _MAX_LOGGED_RESPONSE) -> str:
    """A receiver's answer as both databases can hold it, whatever its bytes: at most ``limit``
    characters, NUL and other control characters shown as U+FFFD, lone surrogates replaced."""
    text = text[:limit].encode("utf-8", errors="replace").decode("utf-8")
    return "".join(
        "\N{REPLACEMENT CHARACTER}" if ord(ch) < 32 and ch not in "\t\n\r" else ch for ch in text
    )


def create_endpoint(
    session: Session, *, url: str, event_types: list[str], secret: str, now: datetime
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=url, event_types=event_types, secret=secret, created_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def all_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def active_endpoints(session: Session) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None))
    return list(session.scalars(query.order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, *, endpoint_id: int) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def disable_endpoint(
    session: Session, *, endpoint: WebhookEndpoint, reason: str, now: datetime
) -> None:
    """Stop delivering to it; its pending deliveries fail with the reason."""
    endpoint.disabled_at, endpoint.disabled_reason = now, reason
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="failed", locked_until=None)
    )
    session.flush()


def rotate_secret(
    session: Session, *, endpoint: WebhookEndpoint, secret: str, overlap: timedelta, now: datetime
) -> None:
    """The new secret signs from now on; the old one also signs until the overlap ends."""
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + overlap
    endpoint.secret = secret
    session.flush()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < endpoint.previous_secret_until
    ):
        keys.append(endpoint.previous_secret)
    return keys


def enqueue(
    session: Session,
    *,
    message_id: str,
    event_type: str,
    payload: dict[str, Any],
    student_id: int | None,
    now: datetime,
) -> WebhookEvent:
    """Write the event and one delivery per subscribed endpoint, in the caller's transaction."""
    event = WebhookEvent(
        message_id=message_id,
        type=event_type,
        student_id=student_id,
        payload=payload,
        created_at=now,
    )
    session.add(event)
    session.flush()
    for endpoint in active_endpoints(session):
        if event_type in endpoint.event_types:
            session.add(
                WebhookDelivery(
                    event_id=event.id,
                    endpoint_id=endpoint.id,
                    student_id=student_id,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    session.flush()
    return event


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds until ``lease_until``: what to send, and where."""

    delivery_id: int
    attempts: int
    message_id: str
    body: dict[str, Any]
    created_at: datetime
    url: str
    signing_secrets: list[str]


def claim_due(
    session: Session, *, now: datetime, lease: timedelta, limit: int, order_hold_tries: int
) -> list[Claimed]:
    """Take up to ``limit`` due deliveries, oldest first, never one another worker holds (SKIP
    LOCKED, then a compare-and-set lease). One student's deliveries to an endpoint go out in
    order, unless an earlier one has failed ``order_hold_tries`` times: then it no longer holds
    the later ones back (one failing event must not stop the student's other grades).

    Each student's pending deliveries to an endpoint are a queue; only its head (the oldest
    that still holds the rest back) and the failed-often ones before it can go. The heads come
    from one pass over an index (``ix_webhook_deliveries_queue``), read once a claim; asking
    every pending delivery whether an earlier one held it back read its student's queue once
    a delivery, and the outbox drained ever more slowly the longer it was."""
    claimed = []
    for delivery in session.scalars(_claimable(now, limit, order_hold_tries)).all():
        taken = session.execute(
            update(WebhookDelivery)
            # Re-check it all: another worker may have claimed or even settled it meanwhile.
            .where(WebhookDelivery.id == delivery.id, _due(now))
            .values(locked_until=now + lease)
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        ).first()
        if taken is None:
            continue  # another worker took it between our read and our write
        event = session.get(WebhookEvent, delivery.event_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert event is not None and endpoint is not None
        claimed.append(
            Claimed(
                delivery_id=delivery.id,
                attempts=delivery.attempts,
                message_id=event.message_id,
                body=event.payload,
                created_at=event.created_at,
                url=endpoint.url,
                signing_secrets=signing_secrets(endpoint, now),
            )
        )
    session.flush()
    return claimed


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending, its time come, and no worker's lease on it."""
    free = (WebhookDelivery.locked_until.is_(None)) | (WebhookDelivery.locked_until < now)
    return and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now, free)


def _claimable(now: datetime, limit: int, order_hold_tries: int) -> Select[WebhookDelivery]:
    """The due deliveries whose turn it is, oldest first, locked as read (``claim_due``)."""
    holding = and_(WebhookDelivery.status == "pending", WebhookDelivery.attempts < order_hold_tries)
    heads = (
        select(
            WebhookDelivery.endpoint_id,
            WebhookDelivery.student_id,
            func.min(WebhookDelivery.created_at).label("first_at"),
        )
        .where(holding, WebhookDelivery.student_id.is_not(None))
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.student_id)
        .subquery()
    )
    # Per student and endpoint, events go out in the order of the attempts (their time), not
    # of the rows' ids: two attempts' transactions may commit in the other order. Two at the
    # same instant are told apart by id, asked only of the few rows at their head's instant.
    earlier = aliased(WebhookDelivery)
    held_back = exists().where(
        and_(
            earlier.endpoint_id == WebhookDelivery.endpoint_id,
            earlier.student_id == WebhookDelivery.student_id,
            earlier.status == "pending",
            earlier.attempts < order_hold_tries,
            # Implied by the next line, but a range the index can seek by (an OR is not).
            earlier.created_at <= WebhookDelivery.created_at,
            created_before(earlier, WebhookDelivery),
        )
    )
    in_turn = or_(
        heads.c.first_at.is_(None),  # no student, or nothing of theirs holds the queue back
        WebhookDelivery.created_at < heads.c.first_at,
        and_(WebhookDelivery.created_at == heads.c.first_at, ~held_back),
    )
    live = exists().where(
        WebhookEndpoint.id == WebhookDelivery.endpoint_id, WebhookEndpoint.disabled_at.is_(None)
    )
    return (
        select(WebhookDelivery)
        .outerjoin(
            heads,
            and_(
                heads.c.endpoint_id == WebhookDelivery.endpoint_id,
                heads.c.student_id == WebhookDelivery.student_id,
            ),
        )
        .where(_due(now), live, in_turn)
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )


def renew_leases(session: Session, *, delivery_ids: list[int], until: datetime) -> None:
    """Extend this worker's hold on deliveries it claimed and has not sent yet (a lease that
    is never renewed, because the worker died, lapses soon: the next worker takes over)."""
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(delivery_ids), WebhookDelivery.status == "pending")
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )


def record_try(
    session: Session,
    *,
    delivery_id: int,
    status_code: int | None,
    latency_ms: float,
    response: str,
    now: datetime,
    retry_at: datetime | None,
    delivered: bool,
    gone: bool,
) -> None:
    """Log the try and move the delivery on: delivered, retried at ``retry_at``, or failed."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    assert delivery is not None
    session.add(
        DeliveryAttempt(
            delivery_id=delivery_id,
            attempted_at=now,
            status_code=status_code,
            latency_ms=latency_ms,
            response=storable(response),
        )
    )
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.locked_until = None
    if delivered:
        delivery.status, delivery.delivered_at = "delivered", now
    elif gone:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        assert endpoint is not None
        delivery.status = "failed"
        disable_endpoint(
            session, endpoint=endpoint, reason="the endpoint answered 410 Gone", now=now
        )
    elif retry_at is None:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = retry_at
    session.flush()


def deliveries(
    session: Session, *, status: str | None = None, limit: int = 200, before: int | None = None
) -> list[WebhookDelivery]:
    """Deliveries newest first, at most ``limit``; those older than delivery ``before``."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(session.scalars(query))


def event_types(session: Session, *, event_ids: set[int]) -> dict[int, str]:
    """Each event's type ("attempt.graded", ...), for lists that show deliveries."""
    if not event_ids:
        return {}
    query = select(WebhookEvent.id, WebhookEvent.type).where(WebhookEvent.id.in_(event_ids))
    return {row.id: row.type for row in session.execute(query)}


def endpoint_urls(session: Session, *, endpoint_ids: set[int]) -> dict[int, str]:
    """Each endpoint's URL, for lists that show deliveries."""
    if not endpoint_ids:
        return {}
    query = select(WebhookEndpoint.id, WebhookEndpoint.url).where(
        WebhookEndpoint.id.in_(endpoint_ids)
    )
    return {row.id: row.url for row in session.execute(query)}


def delivery_log(session: Session, *, delivery_id: int) -> list[DeliveryAttempt]:
    query = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
    return list(session.scalars(query.order_by(DeliveryAttempt.id)))


def replay(session: Session, *, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Send a delivery again (same webhook-id), now; None when there is no such delivery or
    its endpoint is no longer live (deleted or disabled: nothing goes to it any more)."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is not None:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None or endpoint.disabled_at is not None:
            return None
        delivery.status, delivery.next_attempt_at, delivery.locked_until = "pending", now, None
        session.flush()
    return delivery


def inbound(session: Session, *, webhook_id: str) -> InboundSubmission | None:
    return session.scalar(
        select(InboundSubmission).where(InboundSubmission.webhook_id == webhook_id)
    )


def save_inbound(
    session: Session, *, webhook_id: str, attempt_id: int, response: dict[str, Any], now: datetime
) -> bool:
    """Keep the answer to a submission; False when another request kept one for this
    webhook-id first (its transaction committed while ours ran): then ours must roll back."""
    try:
        with session.begin_nested():
            session.add(
                InboundSubmission(
                    webhook_id=webhook_id,
                    attempt_id=attempt_id,
                    response=response,
                    created_at=now,
                )
            )
        return True
    except IntegrityError:
        return False


def fail_delivery(session: Session, *, delivery_id: int, reason: str, now: datetime) -> None:
    """Give up on one delivery that cannot be settled (a poison delivery), so that it stops
    holding the others; the reason is its last try's logged response."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return
    session.add(
        DeliveryAttempt(
            delivery_id=delivery_id, attempted_at=now, status_code=None, latency_ms=0.0,
            response=storable(reason),
        )
    )  # fmt: skip
    delivery.attempts += 1
    delivery.status, delivery.locked_until = "failed", None
    session.flush()


def beat(session: Session, *, worker: str, now: datetime) -> None:
    """Record a worker's successful poll (one row per worker, updated in place)."""
    row = session.get(WorkerHeartbeat, worker)
    if row is None:
        session.add(WorkerHeartbeat(worker=worker, polled_at=now))
    else:
        row.polled_at = now
    session.flush()


def last_poll(session: Session) -> datetime | None:
    """When any webhook worker last polled the outbox successfully (None: never)."""
    from sqlalchemy import func

    return session.scalar(select(func.max(WorkerHeartbeat.polled_at)))
