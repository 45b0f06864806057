"""SQLite writers in one process queue on a lock, taken at a transaction's first write and given
back when it ends, instead of polling SQLite's busy handler."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from grader.store import practice
from grader.store.models import Student
from grader.store.session import (
    DatabaseUnavailable,
    Timeouts,
    _write_locks,
    make_engine,
    make_sessions,
    upgrade,
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade(url)
    return url


def _lock(tmp_path: Path) -> threading.Lock:
    return _write_locks[str((tmp_path / "writers.db").resolve())]


def test_the_lock_is_held_from_the_first_write_to_the_end(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
            session.scalar(select(func.count()).select_from(Student))
            assert not _lock(tmp_path).locked()  # reads never take it
            practice.create_student(session, name="first")
            session.flush()
            assert _lock(tmp_path).locked()
            session.commit()
            assert not _lock(tmp_path).locked()
            practice.create_student(session, name="undone")
            session.flush()
            assert _lock(tmp_path).locked()
            session.rollback()
            assert not _lock(tmp_path).locked()
            practice.create_student(session, name="abandoned")
            session.flush()
        assert not _lock(tmp_path).locked()  # closed without a commit: rolled back, given back
    finally:
        engine.dispose()


def test_every_engine_on_the_file_shares_the_lock(sqlite_url: str) -> None:
    quick = Timeouts(lock_s=0.3)
    first, second = make_engine(sqlite_url, quick), make_engine(sqlite_url, quick)
    try:
        with make_sessions(first)() as holder:
            practice.create_student(holder, name="holder")
            holder.flush()
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable), make_sessions(second).begin() as waiter:
                practice.create_student(waiter, name="waiter")
            assert time.monotonic() - started < 2
            holder.commit()
        with make_sessions(second).begin() as session:  # given back: the next writer gets in
            practice.create_student(session, name="after")
        with make_sessions(second)() as session:
            names = set(session.scalars(select(Student.name)))
        assert names == {"holder", "after"}  # the refused write stored nothing
    finally:
        first.dispose()
        second.dispose()


def test_concurrent_writers_take_turns_and_all_commit(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            with sessions.begin() as session:
                practice.create_student(session, name=f"writer-{index}")
                session.flush()
                time.sleep(0.02)  # the transaction stays open a while, holding the lock
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Student)) == 8
    finally:
        engine.dispose()


def test_a_writer_queued_behind_another_waits_one_lock_timeout_in_all(sqlite_url: str) -> None:
    """Another process holds the file's write lock. A writer of ours queued behind a first one
    (which waits for the file) waited the lock timeout for our lock, then the whole timeout
    again for the file's: up to three times the declared timeout in the probe."""
    import sqlite3

    from sqlalchemy.engine import make_url

    quick = Timeouts(lock_s=1.0)
    engine = make_engine(sqlite_url, quick)
    other_process = sqlite3.connect(str(make_url(sqlite_url).database), isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    took: dict[str, float] = {}

    def write(name: str) -> None:
        started = time.monotonic()
        with contextlib.suppress(DatabaseUnavailable), make_sessions(engine).begin() as session:
            practice.create_student(session, name=name)
        took[name] = time.monotonic() - started

    try:
        first = threading.Thread(target=write, args=("first",))
        first.start()
        time.sleep(0.5)  # the second comes while the first waits for the file
        write("second")
        first.join()
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
        engine.dispose()
    assert took["first"] < quick.lock_s + 0.3
    assert took["second"] < quick.lock_s + 0.3  # was about 1.5: half for our lock, one for the file
