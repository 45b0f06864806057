"""Engines and sessions, built from the settings' database URL (nothing at import time)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

# What the API layer needs from SQLAlchemy, so that only this package imports it.
DatabaseUnavailable = OperationalError
SessionFactory = sessionmaker[Session]
__all__ = [
    "DatabaseUnavailable",
    "Session",
    "SessionFactory",
    "database_reachable",
    "make_engine",
    "make_sessions",
    "open_database",
]

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_database(url: str) -> tuple[sessionmaker[Session], Engine]:
    """Sessions for a command line tool; the embedded SQLite database migrates itself first."""
    if url.startswith("sqlite"):
        upgrade(url)
    engine = make_engine(url)
    return make_sessions(engine), engine


def database_reachable(sessions: sessionmaker[Session]) -> bool:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False


def _alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` on ``url``."""
    from alembic import command

    command.upgrade(_alembic(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Undo the Alembic migrations down to ``revision`` on ``url``."""
    from alembic import command

    command.downgrade(_alembic(url), revision)
