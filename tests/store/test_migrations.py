"""The migrations build the schema from empty, match the models, and undo cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, text

from grader.store import practice
from grader.store.models import Attempt, Base, Student
from grader.store.session import downgrade, make_engine, make_sessions, upgrade
from tests.database import empty_postgres_database, stored_grade


@contextmanager
def _empty(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'migrations.db'}"
    else:
        with empty_postgres_database() as url:
            yield url


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_from_empty_then_downgrade_to_base(kind: str, tmp_path: Path) -> None:
    with _empty(kind, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        for name, table in Base.metadata.tables.items():
            columns = {c["name"] for c in inspect(engine).get_columns(name)}
            assert columns == set(table.columns.keys()), name
        downgrade(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(url)  # and back up again
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        engine.dispose()


GRADE = stored_grade()


def test_sqlite_never_hands_out_an_id_twice(tmp_path: Path) -> None:
    """The newest attempt lost (crash before commit, or deleted): its id is not given again."""
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    upgrade(url, "0003")
    with make_engine(url).begin() as connection:  # rows written before the upgrade survive it
        connection.execute(
            text("INSERT INTO students (id, name, created_at) VALUES (7, 'x', '2026-01-01')")
        )
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessions(engine)

    def attempt(answer: str) -> int:
        with sessions.begin() as session:
            return practice.record_attempt(
                session, student_id=7, question_id="q", topic="t", answer=answer, grade=GRADE,
                rubric_version="v", now=datetime.now(UTC),
            ).id  # fmt: skip

    with sessions() as session:
        assert session.get(Student, 7) is not None
    first = attempt("a")
    with sessions.begin() as session:
        session.execute(delete(Attempt).where(Attempt.id == first))
    assert attempt("b") > first
    engine.dispose()


def test_the_declared_head_is_alembics_head(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from grader.store.session import HEAD_REVISION, _alembic, at_head

    assert ScriptDirectory.from_config(_alembic("sqlite://")).get_current_head() == HEAD_REVISION
    url = f"sqlite:///{tmp_path / 'head.db'}"
    assert not at_head(url)
    upgrade(url)
    assert at_head(url)
