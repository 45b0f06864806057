"""How many events per second one worker delivers to a local receiver.

    .venv/bin/python bench/bench_webhooks.py [--events 500]

Fills the outbox (one endpoint, events for 50 students), then times one worker
(`deliver_due` in a loop, as `grader webhooks worker` runs it) delivering all of them to a real
HTTP receiver on 127.0.0.1 that answers 200; on SQLite and on a fresh PostgreSQL database.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.store import webhooks as store
from grader.store.practice import create_student
from grader.store.session import make_engine, make_sessions, upgrade
from grader.webhooks.signing import new_secret
from grader.webhooks.worker import WorkerSettings, deliver_due
from tests.database import empty_postgres_database
from tests.webhooks.receiver import Receiver


def measure(url: str, events: int) -> float:
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    receiver = Receiver().start()
    try:
        with sessions.begin() as session:
            store.create_endpoint(
                session, url=receiver.url, event_types=["attempt.graded"], secret=new_secret(),
                now=datetime.now(UTC),
            )  # fmt: skip
            students = [create_student(session, name=f"bench-{i}").id for i in range(50)]
            for index in range(events):
                store.enqueue(
                    session, message_id=f"msg_bench_{index}", event_type="attempt.graded",
                    payload={"type": "attempt.graded", "n": index},
                    student_id=students[index % len(students)], now=datetime.now(UTC),
                )  # fmt: skip
        settings = WorkerSettings(batch=50, allow_private=True)
        start = time.perf_counter()
        with httpx.Client() as client:
            while deliver_due(sessions, client, settings) > 0:
                pass
        elapsed = time.perf_counter() - start
        assert len(receiver.received) == events, len(receiver.received)
        return events / elapsed
    finally:
        receiver.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = measure(f"sqlite:///{Path(folder) / 'bench.db'}", args.events)
    with empty_postgres_database() as url:
        postgres = measure(url, args.events)
    print(
        f"one worker, {args.events} events: SQLite {sqlite:.0f} events/s, PostgreSQL {postgres:.0f} events/s"
    )


if __name__ == "__main__":
    main()
