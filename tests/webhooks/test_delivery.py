"""The outbox worker against a real HTTP receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from grader.store import webhooks as store
from grader.store.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from grader.store.practice import create_student
from grader.store.session import Session, make_engine, make_sessions
from grader.webhooks import worker
from grader.webhooks.schedule import ORDER_HOLD_TRIES, RETRY_DELAYS
from grader.webhooks.signing import new_secret
from grader.webhooks.worker import WorkerSettings, deliver_due
from tests.webhooks.receiver import Receiver

Sessions = Callable[[], Session]
SETTINGS = WorkerSettings(timeout_s=1.0, batch=50, allow_private=True)


class Clock:
    """The worker's notion of now, which a test moves forward instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sessions(database_url: str) -> Iterator[Sessions]:
    engine = make_engine(database_url)
    factory = make_sessions(engine)
    with factory.begin() as session:  # each test starts with no live endpoint
        for endpoint in store.active_endpoints(session):
            store.disable_endpoint(
                session, endpoint=endpoint, reason="test reset", now=datetime.now(UTC)
            )
    yield factory
    engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def _endpoint(sessions: Sessions, url: str, secret: str) -> int:
    with sessions() as session, session.begin():
        endpoint = store.create_endpoint(
            session, url=url, event_types=["attempt.graded"], secret=secret, now=datetime.now(UTC)
        )
        return endpoint.id


def _events(
    sessions: Sessions, count: int, students: int = 1, at: datetime | None = None
) -> list[str]:
    ids = []
    with sessions() as session, session.begin():
        people = [
            create_student(session, name=f"w-{datetime.now(UTC).timestamp()}-{i}").id
            for i in range(students)
        ]
        for index in range(count):
            student = people[index % students]
            message_id = f"msg_{student}_{index}_{datetime.now(UTC).timestamp()}"
            store.enqueue(session, message_id=message_id, event_type="attempt.graded",
                          payload={"type": "attempt.graded", "n": index, "student": student},
                          student_id=student, now=at or datetime.now(UTC))  # fmt: skip
            ids.append(message_id)
    return ids


def _not_listening_yet() -> Receiver:
    """A receiver on a free port that nothing listens on until its ``start()``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Receiver(port=port)


def _delivery(sessions: Sessions, message_id: str) -> WebhookDelivery:
    with sessions() as session:
        query = (
            select(WebhookDelivery).join(WebhookEvent).where(WebhookEvent.message_id == message_id)
        )
        delivery: WebhookDelivery = session.scalars(query).one()
        session.expunge(delivery)
        return delivery


def test_three_500s_then_200_is_delivered_once_with_one_webhook_id(
    sessions: Sessions, receiver: Receiver
) -> None:
    secret = new_secret()
    _endpoint(sessions, receiver.url, secret)
    (message_id,) = _events(sessions, 1)
    receiver.script.extend([("status", 500)] * 3)
    clock = Clock()
    with httpx.Client() as client:
        for _ in range(4):
            deliver_due(sessions, client, SETTINGS, now=clock)
            clock.advance(3600)  # past any retry delay
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 0
    assert [r.headers["webhook-id"] for r in receiver.received] == [message_id] * 4
    for received in receiver.received:
        assert Webhook(secret).verify(received.body, received.headers)["type"] == "attempt.graded"
    delivery = _delivery(sessions, message_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 4, 200)
    with sessions() as session:
        assert [a.status_code for a in store.delivery_log(session, delivery_id=delivery.id)] == [
            500,
            500,
            500,
            200,
        ]


def test_retries_wait_for_the_schedule_and_honour_retry_after(
    sessions: Sessions, receiver: Receiver
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    receiver.script.extend([("status", (503, {"Retry-After": "600"}))])
    clock = Clock()
    with httpx.Client() as client:
        deliver_due(sessions, client, SETTINGS, now=clock)
        clock.advance(60)  # the schedule says 5 s, but the receiver asked for 600
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 0
        clock.advance(600)
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 1
    assert _delivery(sessions, message_id).status == "delivered"


def test_a_hanging_receiver_is_timed_out_and_retried(
    sessions: Sessions, receiver: Receiver
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    receiver.script.append(("hang", 2.0))
    clock = Clock()
    with httpx.Client() as client:
        deliver_due(sessions, client, SETTINGS, now=clock)
        delivery = _delivery(sessions, message_id)
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending",
            1,
            None,
        )
        clock.advance(3600)
        deliver_due(sessions, client, SETTINGS, now=clock)
    assert _delivery(sessions, message_id).status == "delivered"


def test_a_receiver_down_for_a_while_gets_everything_in_order_per_student(
    sessions: Sessions,
) -> None:
    receiver = _not_listening_yet()
    _endpoint(sessions, receiver.url, new_secret())
    ids = _events(sessions, 6, students=2)
    clock = Clock()
    with httpx.Client() as client:
        for _ in range(3):  # nothing listens: every try fails, nothing is lost
            deliver_due(sessions, client, SETTINGS, now=clock)
            clock.advance(7200)
        assert all(_delivery(sessions, m).status == "pending" for m in ids)
        receiver.start()
        try:
            for _ in range(10):
                clock.advance(40000)
                deliver_due(sessions, client, SETTINGS, now=clock)
        finally:
            receiver.stop()
    got = [r.headers["webhook-id"] for r in receiver.received]
    assert sorted(got) == sorted(ids)
    for student_ids in (ids[0::2], ids[1::2]):
        assert [m for m in got if m in student_ids] == student_ids


def test_410_disables_the_endpoint(sessions: Sessions, receiver: Receiver) -> None:
    endpoint_id = _endpoint(sessions, receiver.url, new_secret())
    first, second = _events(sessions, 2, students=2)
    receiver.default = ("status", 410)
    with httpx.Client() as client:
        deliver_due(sessions, client, SETTINGS)
    assert _delivery(sessions, first).status == "failed"
    assert _delivery(sessions, second).status == "failed"
    with sessions() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None and endpoint.disabled_at is not None


def test_a_worker_killed_between_send_and_bookkeeping_sends_again(
    sessions: Sessions, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    clock = Clock()

    def killed(*args: object, **kwargs: object) -> None:
        raise SystemExit("worker killed after the send")

    with httpx.Client() as client:
        monkeypatch.setattr(worker, "settle", killed)
        with pytest.raises(SystemExit):
            deliver_due(sessions, client, SETTINGS, now=clock)
        monkeypatch.undo()
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 0  # leased
        clock.advance(SETTINGS.lease.total_seconds() + 1)
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [message_id, message_id]
    assert _delivery(sessions, message_id).status == "delivered"


def test_concurrent_workers_never_send_an_event_twice(
    sessions: Sessions, receiver: Receiver
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    ids = _events(sessions, 40, students=40)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with httpx.Client() as client:
                while (
                    deliver_due(sessions, client, WorkerSettings(batch=3, allow_private=True)) > 0
                ):
                    pass
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    got = [r.headers["webhook-id"] for r in receiver.received]
    assert sorted(got) == sorted(ids)  # every event exactly once


def test_after_the_last_retry_the_delivery_is_marked_failed(
    sessions: Sessions, receiver: Receiver
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    receiver.default = ("status", 500)
    clock = Clock()
    with httpx.Client() as client:
        for _ in range(len(RETRY_DELAYS) + 5):
            deliver_due(sessions, client, SETTINGS, now=clock)
            clock.advance(48 * 3600)
    delivery = _delivery(sessions, message_id)
    # The first try and one per retry delay, then no more.
    assert (delivery.status, delivery.attempts) == ("failed", len(RETRY_DELAYS) + 1)
    assert len(receiver.received) == len(RETRY_DELAYS) + 1


def test_events_go_out_in_the_order_of_the_attempts_not_of_their_rows(
    sessions: Sessions, receiver: Receiver
) -> None:
    """The later attempt's transaction committed first (its row has the smaller id): the
    student's earlier attempt is still delivered first."""
    _endpoint(sessions, receiver.url, new_secret())
    now = datetime.now(UTC)
    later = _events(sessions, 1, at=now)
    with sessions() as session:
        student = _delivery(sessions, later[0]).student_id
    with sessions() as session, session.begin():
        store.enqueue(session, message_id=f"msg_earlier_{now.timestamp()}",
                      event_type="attempt.graded", payload={"n": "earlier"}, student_id=student,
                      now=now - timedelta(seconds=1))  # fmt: skip
    with httpx.Client() as client:
        while deliver_due(sessions, client, SETTINGS) > 0:
            pass
    got = [r.headers["webhook-id"] for r in receiver.received]
    assert got == [f"msg_earlier_{now.timestamp()}", later[0]]


def test_a_dead_workers_batch_is_taken_over_once_its_lease_lapses(
    sessions: Sessions, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its first send: the rest of its batch (other students too) waits only for
    the declared lease, the send timeout plus 5 s, not a minute."""
    _endpoint(sessions, receiver.url, new_secret())
    ids = _events(sessions, 4, students=4)
    clock = Clock()
    sent = 0
    real_send = worker.send

    def dies_after_one(*args: Any, **kwargs: Any) -> Any:
        nonlocal sent
        if sent == 1:
            raise SystemExit("worker killed")
        sent += 1
        return real_send(*args, **kwargs)

    assert SETTINGS.lease == timedelta(seconds=SETTINGS.timeout_s + 5)
    with httpx.Client() as client:
        monkeypatch.setattr(worker, "send", dies_after_one)
        with pytest.raises(SystemExit):
            deliver_due(sessions, client, SETTINGS, now=clock)
        monkeypatch.undo()
        clock.advance(SETTINGS.lease.total_seconds() - 1)
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 0  # still held
        clock.advance(2)
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 3
    assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(ids)


def test_a_trickling_receiver_cannot_hold_a_delivery_past_its_deadline(
    sessions: Sessions, receiver: Receiver
) -> None:
    """Its 200 a byte every 0.3 s: each read is quick, the whole send is not (timeout 1 s)."""
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    receiver.script.append(("trickle", (b"ok, slowly" * 2, 0.3)))
    started = time.perf_counter()
    with httpx.Client() as client:
        deliver_due(sessions, client, SETTINGS, now=Clock())
    assert time.perf_counter() - started < SETTINGS.timeout_s + 1.0
    delivery = _delivery(sessions, message_id)
    assert (delivery.status, delivery.last_status_code) == ("pending", None)  # retried later
    with sessions() as session:
        (tried,) = store.delivery_log(session, delivery_id=delivery.id)
    assert "SendDeadline" in tried.response


def test_a_huge_answer_is_read_only_up_to_a_bound(sessions: Sessions, receiver: Receiver) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    receiver.script.append(("huge", 64))  # 64 MB of answer
    read: list[int] = []
    real = httpx.Response.iter_raw

    def counted(self: httpx.Response, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        for chunk in real(self, *args, **kwargs):
            read.append(len(chunk))
            yield chunk

    with httpx.Client() as client, pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.Response, "iter_raw", counted)
        deliver_due(sessions, client, SETTINGS, now=Clock())
    assert _delivery(sessions, message_id).status == "delivered"
    assert worker.MAX_RESPONSE_BYTES <= sum(read) <= 2 * worker.MAX_RESPONSE_BYTES + 65536


def test_the_worker_says_why_a_delivery_failed(
    sessions: Sessions, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    _events(sessions, 1)
    receiver.default = ("status", 503)
    with caplog.at_level("INFO"), httpx.Client() as client:
        deliver_due(sessions, client, SETTINGS)
    assert "failed: HTTP 503" in caplog.text and "retry in" in caplog.text


def test_a_receivers_bytes_reach_the_log_escaped(
    sessions: Sessions, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    _events(sessions, 1)
    receiver.script.append(("body", (500, b"bad\x00\x00nul \x1b[31mred")))
    with caplog.at_level("INFO"), httpx.Client() as client:
        deliver_due(sessions, client, SETTINGS, now=Clock())
    failed = next(r.getMessage() for r in caplog.records if "failed: HTTP 500" in r.getMessage())
    assert "\x00" not in failed and "\x1b" not in failed
    assert "bad\\x00\\x00nul \\x1b[31mred" in failed


def test_a_response_with_nul_bytes_is_stored_safely_and_the_worker_goes_on(
    sessions: Sessions, receiver: Receiver
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    receiver.script.append(("body", (500, b"bad\x00gateway \xff\xfe" + b"x" * 5000)))
    clock = Clock()
    with httpx.Client() as client:
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 1  # no DataError raised
        clock.advance(3600)
        assert deliver_due(sessions, client, SETTINGS, now=clock) == 1
    delivery = _delivery(sessions, message_id)
    assert delivery.status == "delivered"
    with sessions() as session:
        first = store.delivery_log(session, delivery_id=delivery.id)[0].response
    assert first.startswith("bad\N{REPLACEMENT CHARACTER}gateway") and "\x00" not in first
    assert len(first) <= 1000


def test_a_poison_delivery_fails_on_its_own_and_the_others_go_out(
    sessions: Sessions, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    poison, healthy = _events(sessions, 2, students=2)
    real = store.record_try

    def record_try(session: Session, **kwargs: Any) -> None:
        if kwargs["delivery_id"] == _delivery(sessions, poison).id:
            raise ValueError("a value this database cannot store")
        real(session, **kwargs)

    monkeypatch.setattr(worker, "record_try", record_try)
    with httpx.Client() as client:
        assert deliver_due(sessions, client, SETTINGS) == 2  # the worker did not stop
    assert _delivery(sessions, poison).status == "failed"
    assert _delivery(sessions, healthy).status == "delivered"


class _Flaky:
    """A session factory whose database is down for the first ``down`` sessions."""

    def __init__(self, sessions: Sessions, down: int) -> None:
        self.sessions, self.down = sessions, down

    def __call__(self) -> Session:
        from sqlalchemy.exc import OperationalError

        if self.down > 0:
            self.down -= 1
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return self.sessions()


def test_the_worker_outlives_a_database_outage_and_reports_its_polls(
    sessions: Sessions, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    (message_id,) = _events(sessions, 1)
    slept: list[float] = []

    def stop() -> bool:
        return _delivery(sessions, message_id).status == "delivered" and len(slept) > 4

    with caplog.at_level("INFO"):
        worker.run(_Flaky(sessions, down=4), SETTINGS, stop=stop, idle_sleep=0.0,
                   sleep=slept.append)  # fmt: skip
    assert slept[:4] == [1.0, 2.0, 4.0, 8.0]  # backoff while the database is down
    assert caplog.text.count("database unavailable") == 4
    with sessions() as session:
        polled = store.last_poll(session)
    assert polled is not None and (datetime.now(UTC) - polled).total_seconds() < 60


def test_the_worker_outlives_its_connections_being_cut(
    receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """PostgreSQL ends every connection but ours, as a restart does, while the worker runs
    (server-side, so PostgreSQL only; the outage test above runs on both databases)."""

    from tests.database import migrated_database

    with migrated_database("postgresql", tmp_path_factory) as database_url:
        _outlives_cut_connections(database_url, receiver)


def _outlives_cut_connections(database_url: str, receiver: Receiver) -> None:
    from sqlalchemy import text

    own = make_engine(database_url)
    sessions = make_sessions(own)
    _endpoint(sessions, receiver.url, new_secret())
    engine = make_engine(database_url)
    polls, made = 0, []

    def stop() -> bool:
        nonlocal polls
        polls += 1
        if polls == 3:  # the worker has polled twice on its pooled connection: cut them all
            cutter = make_engine(database_url)
            with cutter.begin() as connection:
                cut = connection.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )).scalar_one()  # fmt: skip
            cutter.dispose()
            assert cut >= 1
            made.extend(_events(sessions, 2, students=2))  # work arrives after the cut
        return polls > 12

    try:
        worker.run(make_sessions(engine), SETTINGS, stop=stop, idle_sleep=0.0,
                   sleep=lambda _: None)  # fmt: skip
        assert [_delivery(sessions, m).status for m in made] == ["delivered", "delivered"]
    finally:
        engine.dispose()
        own.dispose()


def test_a_receiver_back_from_a_20_s_outage_has_everything_within_a_minute(
    sessions: Sessions,
) -> None:
    receiver = _not_listening_yet()
    _endpoint(sessions, receiver.url, new_secret())
    ids = _events(sessions, 6, students=2)
    clock, started = Clock(), None
    with httpx.Client() as client:
        started = clock.now
        while (clock.now - started).total_seconds() < 20:  # down: every try fails
            deliver_due(sessions, client, SETTINGS, now=clock)
            clock.advance(1)
        receiver.start()
        try:
            while len(receiver.received) < len(ids) and (clock.now - started).total_seconds() < 200:
                deliver_due(sessions, client, SETTINGS, now=clock)
                clock.advance(1)
        finally:
            receiver.stop()
    recovered_for = (clock.now - started).total_seconds() - 20
    assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(ids)
    assert recovered_for <= 60
    got = [r.headers["webhook-id"] for r in receiver.received]
    for student_ids in (ids[0::2], ids[1::2]):  # short outage: order kept
        assert [m for m in got if m in student_ids] == student_ids


def test_an_event_that_keeps_failing_stops_holding_the_students_later_ones(
    sessions: Sessions, receiver: Receiver
) -> None:
    _endpoint(sessions, receiver.url, new_secret())
    refused, later = _events(sessions, 2)
    receiver.script.extend([("status", 307)] * ORDER_HOLD_TRIES)  # only the first is refused
    clock = Clock()
    with httpx.Client() as client:
        for _ in range(ORDER_HOLD_TRIES):
            deliver_due(sessions, client, SETTINGS, now=clock)
            assert _delivery(sessions, later).attempts == 0  # held while order matters
            clock.advance(65)
        deliver_due(sessions, client, SETTINGS, now=clock)
    assert _delivery(sessions, later).status == "delivered"
    assert _delivery(sessions, refused).status in ("pending", "delivered")


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def test_a_claim_seeks_each_queue_head_and_reads_no_queue_through(
    sessions: Sessions, receiver: Receiver
) -> None:
    """Whether an earlier delivery holds a queue's head back is asked by a seek on the queue
    index up to the head's time: asked as an OR of time and id, it read the student's whole
    queue for every head (PostgreSQL: 200 rows a head with 10,000 waiting), and before the
    index every pending delivery asked it, so the outbox drained ever more slowly."""
    _endpoint(sessions, receiver.url, new_secret())
    _events(sessions, 300, students=6)  # queues of 50
    with sessions() as session:
        query = store._claimable(datetime.now(UTC), 50, ORDER_HOLD_TRIES)
        compiled = query.compile(dialect=session.get_bind().dialect)
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            plan = [row[3] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", params
            ).all()]  # fmt: skip
            seeks = [line for line in plan if "webhook_deliveries_1" in line]
            assert seeks and all(
                "ix_webhook_deliveries_queue" in line and "created_at<?" in line for line in seeks
            ), plan
            return
        (plan,) = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", compiled.params
        ).one()
    held_back = [
        node for node in _plan_nodes(plan[0]["Plan"])
        if node.get("Parent Relationship") == "SubPlan"
    ]  # fmt: skip
    assert held_back, plan
    for node in held_back:
        assert "created_at <=" in node.get("Index Cond", ""), node
        assert node.get("Rows Removed by Filter", 0) <= 2 * node["Actual Loops"], node
