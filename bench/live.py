"""A real `grader serve` process on a free loopback port, for benchmarks, the browser tests and
the screenshots: started with the given environment, ready once `/health` answers 200."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    env: Mapping[str, str],
    *args: str,
    timeout_s: float = 120,
    quiet: bool = True,
    log: IO[bytes] | None = None,
) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start `grader serve` with ``env`` added to this process's environment; returns the
    process, its base URL and the seconds it took to be ready (``log``: a file that gets the
    server's output, its access log included)."""
    port = free_port()
    started = time.monotonic()
    output: IO[bytes] | int | None = (
        log if log is not None else (subprocess.DEVNULL if quiet else None)
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "serve", "--port", str(port), *args],
        env={**os.environ, **env}, stdout=output, stderr=output,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base, time.monotonic() - started
        except httpx.TransportError:
            pass
        if time.monotonic() > started + timeout_s or server.poll() is not None:
            stop_server(server)
            raise RuntimeError(f"the server did not start (exit code {server.returncode})")
        time.sleep(0.02)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def live_server(env: Mapping[str, str], *args: str) -> Iterator[str]:
    """The base URL of a ready server, stopped on exit."""
    server, base, _ = start_server(env, *args)
    try:
        yield base
    finally:
        stop_server(server)
