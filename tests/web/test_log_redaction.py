"""A one-time sign-in link's code never reaches the server's log (a real `grader serve`, whose
access log writes every path)."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from bench.live import start_server, stop_server
from grader.api.redaction import redact
from grader.cli import app as cli
from grader.config import get_settings
from grader.store.session import upgrade


def test_sign_in_codes_are_redacted_from_the_access_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'grader.db'}"
    upgrade(url)
    get_settings.cache_clear()
    made = CliRunner().invoke(
        cli, ["tokens", "create", "--role", "instructor", "--link"],
        env={"GRADER_DATABASE_URL": url, "GRADER_PUBLIC_URL": "http://x"},
    )  # fmt: skip
    get_settings.cache_clear()
    assert made.exit_code == 0, made.output
    code = made.stdout.split()[1].rsplit("/", 1)[1]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server, base, _ = start_server(
            {"GRADER_DATABASE_URL": url, "GRADER_CACHE_DIR": str(tmp_path / "cache")}, log=log
        )
        try:
            page = httpx.get(f"{base}/app/sign-in/link/{code}", timeout=30)
            assert page.status_code == 200
            assert page.headers["Referrer-Policy"] == "same-origin"  # nor sent onwards
        finally:
            stop_server(server)
    written = log_path.read_text(encoding="utf-8", errors="replace")
    assert "/app/sign-in/link/[redacted]" in written  # the request was logged, without it
    assert code not in written


def test_a_code_behind_an_encoded_slash_is_redacted_too() -> None:
    code = "s3cretC0de-_x"
    for path in (
        f"/app/sign-in/link/{code}", f"/app/sign-in/link%2F{code}", f"/app/sign-in/link%2f{code}",
        f"/app/sign-in%2Flink%2F{code}", f"/app%2Fsign-in%2flink%2F{code}",
        f"/app/sign-in/link%252F{code}",
    ):  # fmt: skip
        line = f'127.0.0.1:5000 - "GET {path} HTTP/1.1" 200'
        assert code not in redact(line), path
        assert "[redacted]" in redact(line)
