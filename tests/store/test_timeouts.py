"""Every wait on the database is bounded: a lock, a silent server, a frozen backend."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update

from grader.store import practice
from grader.store.models import Student
from grader.store.session import (
    DatabaseUnavailable,
    Timeouts,
    make_engine,
    make_sessions,
    upgrade,
)
from tests.database import empty_postgres_database

QUICK = Timeouts(connect_s=1, lock_s=0.5, statement_s=1)


def test_a_lock_held_elsewhere_is_an_error_after_the_lock_timeout(database_url: str) -> None:
    engine = make_engine(database_url, QUICK)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        student_id = practice.create_student(session, name=f"lock-{time.time_ns()}").id
    holder = sessions()
    holder.execute(update(Student).where(Student.id == student_id).values(name="held"))
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), sessions.begin() as waiter:
            waiter.execute(update(Student).where(Student.id == student_id).values(name="mine"))
        assert time.monotonic() - started < QUICK.lock_s + 2
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()


def test_a_server_that_never_answers_is_an_error_after_the_connect_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # the kernel accepts; nobody ever speaks: a frozen postmaster
    port = listener.getsockname()[1]
    engine = make_engine(f"postgresql+psycopg://x@127.0.0.1:{port}/x", QUICK)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), engine.connect():
            pass
        assert time.monotonic() - started < QUICK.connect_s + 3
    finally:
        engine.dispose()
        listener.close()


def test_a_frozen_postgresql_backend_is_an_error_after_the_reply_limit() -> None:
    """SIGSTOP freezes our own connection's backend (of a database made for this test):
    neither the statement nor the lock timeout can fire in a stopped process; the client's
    reply limit does, and the connection is dropped, not reused."""
    with empty_postgres_database() as url:
        engine = make_engine(url, QUICK)
        with engine.connect() as connection:
            pid = int(connection.scalar(text("SELECT pg_backend_pid()")) or 0)
            os.kill(pid, signal.SIGSTOP)
            # Whatever happens, the backend runs again in a few seconds.
            thaw = threading.Timer(QUICK.reply_s + 3, os.kill, (pid, signal.SIGCONT))
            thaw.start()
            try:
                started = time.monotonic()
                with pytest.raises(DatabaseUnavailable, match="did not answer"):
                    connection.execute(text("SELECT 1"))
                elapsed = time.monotonic() - started
            finally:
                os.kill(pid, signal.SIGCONT)
                thaw.cancel()
        assert QUICK.reply_s - 0.5 < elapsed < QUICK.reply_s + 2
        with engine.connect() as fresh:  # the pool hands out a working connection again
            assert fresh.scalar(text("SELECT 1")) == 1
        engine.dispose()


def test_sqlite_waits_for_the_write_lock_no_longer_than_declared(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    upgrade(url)
    engine = make_engine(url, QUICK)
    with engine.connect() as holder:
        holder.exec_driver_sql("BEGIN IMMEDIATE")
        other = make_engine(url, QUICK)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), other.begin() as connection:
            connection.execute(text("INSERT INTO students (name) VALUES ('x')"))
        assert time.monotonic() - started < QUICK.lock_s + 2
        holder.exec_driver_sql("ROLLBACK")
        other.dispose()
    engine.dispose()


def test_errors_never_carry_the_statement_parameters(database_url: str) -> None:
    """A failed insert's message names the statement, never the values bound to it (answers,
    webhook secrets): SQLAlchemy would otherwise write them into logs and tracebacks."""
    from sqlalchemy.exc import IntegrityError

    from grader.store.webhooks import create_endpoint

    engine = make_engine(database_url)
    secret = f"whsec_{time.time_ns()}"
    with make_sessions(engine)() as session:
        with pytest.raises(IntegrityError) as failed:
            create_endpoint(
                session, url=None, event_types=[], secret=secret,  # type: ignore[arg-type]
                now=datetime.now(UTC),
            )  # fmt: skip
        session.rollback()
    assert "hidden due to hide_parameters" in str(failed.value)
    if database_url.startswith("sqlite"):  # PostgreSQL's own DETAIL may quote the row: see
        assert secret not in str(failed.value)  # tests/api for what reaches the logs
    engine.dispose()
