"""What the API tests do straight on the database: make tokens, count rows."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from standardwebhooks import Webhook

from grader.store import practice
from grader.store.session import make_engine, make_sessions


def token_headers(database_url: str, role: str, name: str | None = None) -> dict[str, str]:
    """An Authorization header for a new token (and a new student ``name`` for role student)."""
    engine = make_engine(database_url)
    with make_sessions(engine).begin() as session:
        student_id = practice.create_student(session, name=name).id if name else None
        token = practice.create_token(session, role=role, student_id=student_id)
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def count_rows(database_url: str, model: type) -> int:
    engine = make_engine(database_url)
    with make_sessions(engine)() as session:
        count = session.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return count


def signed_headers(
    secret: str, body: str, message_id: str, at: datetime | None = None
) -> dict[str, str]:
    """Standard Webhooks headers signing ``body`` as the LMS does."""
    at = at or datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
    }


def copy_rubrics(folder: Path) -> Path:
    """``folder`` holding a copy of the bundled rubrics (tests that edit rubrics edit these)."""
    from tests.conftest import REPO_ROOT

    for path in (REPO_ROOT / "rubrics").glob("*.yaml"):
        shutil.copy(path, folder)
    return folder


@contextmanager
def app_on_copied_rubrics(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app on ``database_url`` with a copy of the bundled rubrics, no embedding cache."""
    from grader.config import Settings
    from grader.main import create_app

    folder = copy_rubrics(tmp_path_factory.mktemp("rubrics"))
    settings = Settings(rubrics_dir=folder, cache_dir=None, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        yield client
