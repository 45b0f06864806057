"""Engines and sessions, built from the settings' database URL (nothing at import time).

Every wait on the database is bounded, so a stuck database turns into an error the API can
answer (503) within a declared time instead of a hung request:

- SQLite: a writer waits at most ``lock_s`` for the write lock (the busy timeout); within one
  process, writers queue on a lock instead (``_SerialisedWriter``).
- PostgreSQL: connecting at most ``connect_s`` (and as long for a pooled connection), lock
  waits ``lock_s`` and statements ``statement_s`` on the server, and, because a frozen server
  enforces none of its own timeouts, every reply waited for at most ``statement_s + 2`` seconds
  on the client, after which the connection is closed and the transaction is lost, not stored.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from grader.config import Settings

if TYPE_CHECKING:
    from alembic.config import Config

# What the API layer needs from SQLAlchemy, so that only this package imports it: a database
# that does not answer, and a pool with no connection free within its timeout (a stalled
# database holds every connection); both mean "unavailable now, nothing was saved".
DatabaseUnavailable = OperationalError
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, PoolTimeout)
# What a command line tool says in one line: a database it cannot connect to or use.
CANNOT_CONNECT: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
SessionFactory = sessionmaker[Session]
__all__ = [
    "CANNOT_CONNECT",
    "UNAVAILABLE",
    "DatabaseUnavailable",
    "Session",
    "SessionFactory",
    "Timeouts",
    "database_reachable",
    "make_engine",
    "make_sessions",
    "open_database",
    "settings_timeouts",
]

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


@dataclass(frozen=True)
class Timeouts:
    """How long any one wait on the database may last, in seconds."""

    connect_s: float = 5.0
    lock_s: float = 5.0
    statement_s: float = 10.0

    @property
    def reply_s(self) -> float:
        """The client's own limit on a reply: the server's statement limit, and a margin."""
        return self.statement_s + 2.0


@cache
def _bounded_connection() -> Any:
    """A psycopg connection class that waits for no reply longer than its ``reply_s``.

    The server's own statement and lock timeouts cannot fire while it is frozen (a stopped
    process, a full disk, a network partition that keeps the socket open); this bound can.
    (Built on first use: SQLite deployments never import psycopg.)
    """
    import psycopg

    class BoundedConnection(psycopg.Connection[Any]):
        reply_s: float = 12.0

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            try:
                return super().wait(gen, interval, self.reply_s if timeout is None else timeout)
            except psycopg.OperationalError as error:
                if type(error).__name__ == "_WaitTimeout":
                    # The connection is in an unknown state: close it, so the pool drops it.
                    self.pgconn.finish()
                    raise psycopg.OperationalError(
                        f"the database did not answer within {self.reply_s:g} s"
                    ) from error
                raise

    return BoundedConnection


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


class _SerialisedWriter(sqlite3.Connection):
    """A SQLite connection whose write transactions take a per-database, per-process lock.

    SQLite admits one writer at a time, and a writer that finds the database locked polls with
    sleeps of up to 100 ms (its busy handler), so eight concurrent answers spent most of their
    time asleep (profiled: three quarters of the request threads' samples in its sleep).
    Queued on a lock instead, the next writer starts the moment the last one commits. The lock
    is taken at a transaction's first write and given back when it ends, so reads never wait;
    another process's writers still meet the busy handler, as before.
    """

    write_lock: threading.Lock
    lock_s: float
    holds_lock = False
    busy_shortened = False  # this transaction's busy timeout is what its lock wait left

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _WriteLockingCursor)

    def take_write_lock(self) -> None:
        if self.holds_lock:
            return
        started = time.monotonic()
        if not self.write_lock.acquire(timeout=self.lock_s):
            raise sqlite3.OperationalError("database is locked")
        self.holds_lock = True
        # One wait in all: what is left of the lock timeout is what SQLite may still wait for
        # another process's lock. Waiting the whole timeout for each (behind two writers of
        # this process, then for the file) took three times the declared timeout. Only a
        # writer that waited here shortens it (most never wait: no statement is added to them).
        waited = time.monotonic() - started
        if waited >= 0.001:
            left = max(0.001, self.lock_s - waited)
            self.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
            self.busy_shortened = True

    def _give_back(self) -> None:
        if self.holds_lock:
            self.holds_lock = False
            self.write_lock.release()
        if self.busy_shortened:
            self.busy_shortened = False
            with contextlib.suppress(sqlite3.Error):  # closing: nothing to restore
                self.execute(f"PRAGMA busy_timeout = {int(self.lock_s * 1000)}")

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


class _WriteLockingCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        self._before(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Self:
        self._before(sql)
        return super().executemany(sql, parameters)

    def _before(self, sql: str) -> None:
        if sql.lstrip()[:7].upper().startswith(_WRITES):
            connection = self.connection
            assert isinstance(connection, _SerialisedWriter)
            connection.take_write_lock()


def _serialised_writer(database: str, lock_s: float) -> type[_SerialisedWriter]:
    """The connection class for one database file: every engine on it in this process shares
    its lock."""
    key = str(Path(database).resolve())
    with _write_locks_guard:
        lock = _write_locks.setdefault(key, threading.Lock())
    return type("SerialisedWriter", (_SerialisedWriter,), {"write_lock": lock, "lock_s": lock_s})


def settings_timeouts(settings: Settings) -> Timeouts:
    """The timeouts the settings declare."""
    return Timeouts(
        connect_s=settings.database_connect_timeout_s,
        lock_s=settings.database_lock_timeout_s,
        statement_s=settings.database_statement_timeout_s,
    )


def make_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine for ``url``; ``timeouts`` bound every wait (default: the declared defaults).

    Bound parameters are never written into error messages or logs: they hold students'
    answers and webhook secrets.
    """
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": timeouts.lock_s}
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            connect_args["factory"] = _serialised_writer(database, timeouts.lock_s)
        # A pool with no connection free waits as long as a connection may take: then 503.
        engine = create_engine(
            url, connect_args=connect_args, hide_parameters=True, pool_timeout=timeouts.connect_s
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    options = (
        f"-c lock_timeout={int(timeouts.lock_s * 1000)} "
        f"-c statement_timeout={int(timeouts.statement_s * 1000)}"
    )
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=timeouts.connect_s,
        hide_parameters=True,
        connect_args={"connect_timeout": max(1, round(timeouts.connect_s)), "options": options},
    )
    if url.startswith("postgresql+psycopg"):
        reply_s = timeouts.reply_s

        @event.listens_for(engine, "do_connect")
        def _connect(_dialect, _record, cargs, cparams):  # type: ignore[no-untyped-def]
            connection = _bounded_connection().connect(*cargs, **cparams)
            connection.reply_s = reply_s
            return connection

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_database(
    url: str, timeouts: Timeouts | None = None
) -> tuple[sessionmaker[Session], Engine]:
    """Sessions for a command line tool; the embedded SQLite database migrates itself first."""
    if url.startswith("sqlite"):
        upgrade(url)
    engine = make_engine(url, timeouts)
    return make_sessions(engine), engine


def database_reachable(sessions: sessionmaker[Session]) -> bool:
    return database_problem(sessions) is None


def database_problem(sessions: sessionmaker[Session]) -> str | None:
    """None when the database answers; else why not, in one line (for the log)."""
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        return None
    except UNAVAILABLE as error:
        bind = sessions.kw.get("bind")
        url = bind.url.render_as_string(hide_password=True) if bind is not None else "?"
        return unreachable_message(url, error)


def worker_poll_age(sessions: sessionmaker[Session]) -> float | None:
    """Seconds since a webhook worker last polled successfully; None: never, or no answer."""
    from datetime import UTC, datetime

    from grader.store.webhooks import last_poll

    try:
        with sessions() as session:
            polled = last_poll(session)
    except UNAVAILABLE:
        return None
    return None if polled is None else round((datetime.now(UTC) - polled).total_seconds(), 1)


def unreachable_message(url: str, error: BaseException) -> str:
    """One line an operator can act on: which database (password hidden), and the driver's
    own first reason ("database \"x\" does not exist", "Connection refused")."""
    from sqlalchemy.engine import make_url

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL SQLAlchemy cannot parse is shown as it was given
        shown = url
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    reason = " ".join(lines[:2]) if lines else type(cause).__name__
    return f"cannot use the database {shown} (GRADER_DATABASE_URL): {reason}"


def _alembic(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


# The newest migration; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0010"


def at_head(url: str) -> bool:
    """Whether the database is migrated to the newest revision (one query, no Alembic)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return False
            current = connection.scalar(text("SELECT version_num FROM alembic_version"))
        return bool(current == HEAD_REVISION)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` on ``url`` (nothing to do at the head:
    then Alembic is not even imported, which keeps a restart fast)."""
    if revision == "head" and at_head(url):
        return
    from alembic import command

    command.upgrade(_alembic(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Undo the Alembic migrations down to ``revision`` on ``url``."""
    from alembic import command

    command.downgrade(_alembic(url), revision)
