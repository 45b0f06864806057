"""A migrated test database on each backend: a SQLite file and a fresh PostgreSQL database.

PostgreSQL is required, never skipped: this machine and CI run it on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from grader.store.session import upgrade

POSTGRES = os.environ.get("GRADER_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres")


@contextmanager
def empty_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    name = f"grader_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    params = dict(part.split("=", 1) for part in POSTGRES.split())
    url = f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:{params.get('port', '5432')}/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new database at the latest migration: a SQLite file, or a PostgreSQL database."""
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "grader.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
    else:
        with empty_postgres_database() as url:
            upgrade(url)
            yield url


def _database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with migrated_database(request.param, tmp_path_factory) as url:
        yield url


# One database per backend for the whole run; and one of a test module's own, for tests that
# count every row of a question (like its answer groups).
database_url = pytest.fixture(scope="session", params=["sqlite", "postgresql"])(_database)
own_database_url = pytest.fixture(scope="module", params=["sqlite", "postgresql"])(_database)


def stored_grade(**fields: object) -> dict[str, object]:
    """A machine grade as an attempt stores it (a whole Grade, no key points), with ``fields``
    set: what store tests record without grading anything."""
    grade: dict[str, object] = {
        "question_id": "q", "score": 0.5, "points": 1.0, "max_points": 2.0, "verdict": "partial",
        "criteria": [], "misconceptions_triggered": [], "feedback": "", "confidence": 1.0,
        "needs_review": False, "model_id": "m", "calibration_version": "c",
    }  # fmt: skip
    return {**grade, **fields}
