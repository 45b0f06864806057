"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.config import Settings, get_settings
from tests.database import (  # noqa: F401 - fixtures for store and API tests
    database_url,
    own_database_url,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAM = REPO_ROOT / "content" / "deep-learning-exam.md"


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test reads settings anew, so a test's environment never leaks into another."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"GRADER_{name.upper()}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
