"""The migrations build the schema from empty, match the models, and undo cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import inspect

from grader.store.models import Base
from grader.store.session import downgrade, make_engine, upgrade
from tests.database import empty_postgres_database


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
