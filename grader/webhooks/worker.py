"""Deliver the outbox: claim due deliveries, send them signed, record every try.

At least once: a delivery is leased before it is sent and settled after; a worker that dies in
between leaves the lease to lapse (``timeout_s + 5`` seconds after its last renewal), and the
delivery is sent again with the same webhook-id, so receivers de-duplicate on it. The worker
renews the lease of the rest of its batch before each send, so a short lease never lapses
under a live worker. Several workers can run on PostgreSQL (SKIP LOCKED plus a
compare-and-set lease); events for one student reach an endpoint in the order of the attempts.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from grader.rubrics.points import counted
from grader.store.session import UNAVAILABLE, Session
from grader.store.webhooks import (
    Claimed,
    beat,
    claim_due,
    fail_delivery,
    record_try,
    renew_leases,
)
from grader.webhooks.schedule import ORDER_HOLD_TRIES, next_delay
from grader.webhooks.signing import signed_headers
from grader.webhooks.urls import UnsafeUrl, check_url

log = logging.getLogger(__name__)


LEASE_MARGIN_S = 5.0


@dataclass(frozen=True)
class WorkerSettings:
    timeout_s: float = 10.0
    batch: int = 20
    allow_private: bool = False

    @property
    def lease(self) -> timedelta:
        """How long a claim holds without renewal: one send's timeout and a margin."""
        return timedelta(seconds=self.timeout_s + LEASE_MARGIN_S)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    response: str
    retry_after: float | None


# What is read of a receiver's answer at most (1,000 characters of it are stored): a receiver
# that answers 200 MB took the worker from 93 to 1,851 MB when the whole body was read.
MAX_RESPONSE_BYTES = 16 * 1024


class SendDeadline(Exception):
    """The whole send (request, answer and its body) took longer than the timeout."""


def send(client: httpx.Client, claimed: Claimed, settings: WorkerSettings) -> Outcome:
    """One signed POST; network errors and timeouts are outcomes, not exceptions.

    ``timeout_s`` bounds every wait for the network and the whole answer: a receiver that
    trickles its body a byte at a time is cut off at the deadline (a failed try, retried), not
    counted as delivered a minute later; at most :data:`MAX_RESPONSE_BYTES` of its body are
    read. The signature carries the real time: receivers check it against their own clocks.
    """
    now = datetime.now(UTC)
    body = json.dumps(claimed.body, separators=(",", ":"))
    headers = signed_headers(claimed.message_id, now, body, claimed.signing_secrets)
    started = time.perf_counter()
    deadline = started + settings.timeout_s
    try:
        check_url(claimed.url, allow_private=settings.allow_private)  # again: DNS may have changed
        with client.stream(
            "POST", claimed.url, content=body, headers=headers, timeout=settings.timeout_s
        ) as response:
            received = bytearray()
            # Raw bytes: decoding a compressed answer first could blow a small read up.
            for chunk in response.iter_raw():
                received += chunk
                if len(received) >= MAX_RESPONSE_BYTES:
                    break
                if time.perf_counter() > deadline:
                    raise SendDeadline(f"no whole answer within {settings.timeout_s:g} s")
            if time.perf_counter() > deadline:
                raise SendDeadline(f"no whole answer within {settings.timeout_s:g} s")
    except (httpx.HTTPError, UnsafeUrl, SendDeadline) as error:
        return Outcome(
            None, (time.perf_counter() - started) * 1000, f"{type(error).__name__}: {error}", None
        )
    text = bytes(received[:MAX_RESPONSE_BYTES]).decode(response.encoding or "utf-8", "replace")
    return Outcome(
        response.status_code,
        (time.perf_counter() - started) * 1000,
        text,
        _retry_after(response.headers.get("retry-after"), now),
    )


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


def deliver_due(
    sessions: Callable[[], Session],
    client: httpx.Client,
    settings: WorkerSettings,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Claim one batch, send each delivery, settle each; returns how many were tried."""
    with sessions() as session, session.begin():
        batch = claim_due(
            session, now=now(), lease=settings.lease, limit=settings.batch,
            order_hold_tries=ORDER_HOLD_TRIES,
        )  # fmt: skip
    for index, claimed in enumerate(batch):
        if index > 0:
            with sessions() as session, session.begin():
                renew_leases(
                    session,
                    delivery_ids=[c.delivery_id for c in batch[index:]],
                    until=now() + settings.lease,
                )
        outcome = send(client, claimed, settings)
        try:
            settle(sessions, claimed, outcome, now())
        except UNAVAILABLE:
            raise  # the database, not this delivery: the run loop waits and tries again
        except Exception as error:
            # A poison delivery (its try cannot be stored): failed on its own, so that it
            # neither stops the worker nor holds the deliveries behind it.
            log.error("delivery %s could not be settled (%s); marked failed",
                      claimed.delivery_id, type(error).__name__)  # fmt: skip
            with sessions() as session, session.begin():
                fail_delivery(
                    session, delivery_id=claimed.delivery_id, now=now(),
                    reason=f"could not store this try ({type(error).__name__}); given up",
                )  # fmt: skip
    return len(batch)


def settle(
    sessions: Callable[[], Session], claimed: Claimed, outcome: Outcome, now: datetime
) -> None:
    """Record the try: 2xx delivered, 410 disables the endpoint, anything else is retried."""
    code = outcome.status_code
    delivered = code is not None and 200 <= code < 300
    delay = None if delivered else next_delay(claimed.attempts + 1, outcome.retry_after)
    with sessions() as session, session.begin():
        record_try(
            session,
            delivery_id=claimed.delivery_id,
            status_code=code,
            latency_ms=outcome.latency_ms,
            response=outcome.response,
            now=now,
            retry_at=now + timedelta(seconds=delay) if delay is not None else None,
            delivered=delivered,
            gone=code == 410,
        )
    if delivered:
        log.info("delivery %s: %s in %.0f ms", claimed.delivery_id, code, outcome.latency_ms)
        return
    why = f"HTTP {code}" if code is not None else "no response"
    # The receiver's bytes as printable text: a NUL or an escape sequence never reaches the log.
    reason = " ".join(outcome.response.split())[:200].encode("unicode_escape").decode("ascii")
    then = f"retry in {delay:.0f} s" if delay is not None else "given up"
    log.warning("delivery %s failed: %s (%s) after %.0f ms; %s", claimed.delivery_id, why,
                reason or "empty response", outcome.latency_ms, then)  # fmt: skip


MAX_BACKOFF_S = 30.0
HEARTBEAT_S = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def run(
    sessions: Callable[[], Session],
    settings: WorkerSettings,
    *,
    idle_sleep: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Deliver until ``stop()``; sleep a little when there is nothing due.

    No fault it can outlive stops it: a database that is down, restarting or refusing is
    retried with backoff (1 s doubling to 30 s) and logged once per failure; any other error
    in a poll is logged and retried the same way. Each successful poll is recorded (at most
    every 5 s) as this worker's heartbeat, which `/health` reports."""
    failures, last_beat, name = 0, 0.0, worker_name()
    with httpx.Client() as client:
        while not stop():
            try:
                tried = deliver_due(sessions, client, settings)
                if time.monotonic() - last_beat >= HEARTBEAT_S:
                    with sessions() as session, session.begin():
                        beat(session, worker=name, now=datetime.now(UTC))
                    last_beat = time.monotonic()
            except Exception as error:  # the worker outlives it; KeyboardInterrupt stops it
                failures += 1
                wait = min(MAX_BACKOFF_S, 2.0 ** (failures - 1))
                kind = (
                    "database unavailable"
                    if isinstance(error, UNAVAILABLE)
                    else ("unexpected error")
                )
                log.warning("worker: %s (%s); polling again in %.0f s", kind,
                            type(error).__name__, wait)  # fmt: skip
                sleep(wait)
                continue
            if failures:
                log.info("worker: polling again after %s", counted(failures, "failed poll"))
                failures = 0
            if tried == 0:
                sleep(idle_sleep)
