"""Browser tests drive Debian's Chromium (installed by .ci/run) through pytest-playwright:
`playwright install` cannot download browsers here, so the launch names the executable. A
missing browser fails the tests, never skips them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.database import migrated_database

CHROMIUM = Path(os.environ.get("GRADER_TEST_CHROMIUM", "/usr/bin/chromium"))
# As root (CI) Chromium needs --no-sandbox; the rest keep it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's (apt-get install chromium; .ci/run "
            "does) or set GRADER_TEST_CHROMIUM"
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """None: each database's live server has its own address, so pages are opened by their
    full URL. (Also replaces pytest-playwright's own fixture, which pytest 9 warns about.)"""
    return None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database per module and backend: the pages' tests grade by hand, and the course
    learns from those grades (docs/learning.md), so another module's overrides in a shared
    database would change the machine's verdicts here."""
    with migrated_database(request.param, tmp_path_factory) as url:
        yield url
