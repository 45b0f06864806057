"""POST /questions/{id}/attempts over real HTTP on loopback, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_api.py [--requests 200]

Starts `grader serve` in a subprocess per database, creates a student token, and sends answers
at concurrency 1 and 8 (one HTTP client per worker thread). Prints answers/second, p50/p99
latency, and the overhead on top of grading: each request's latency minus the grading time the
server reports for it (Server-Timing). PostgreSQL: a fresh database on 127.0.0.1:5432, dropped
afterwards.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_scoring import ANSWERS
from grader.store.practice import create_student, create_token
from grader.store.session import make_engine, make_sessions, upgrade
from tests.database import empty_postgres_database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _token(url: str) -> str:
    engine = make_engine(url)
    with make_sessions(engine).begin() as session:
        student = create_student(session, name=f"bench-{time.time_ns()}")
        token = create_token(session, role="student", student_id=student.id)
    engine.dispose()
    return token


@dataclass
class Run:
    rate: float  # answers per second
    latencies: list[float]  # ms, as the client saw them
    grading: list[float]  # ms spent grading, as the server reports (Server-Timing)

    @property
    def overhead(self) -> list[float]:
        """Everything but the grading: HTTP, auth, storage, commit, serialisation."""
        return [total - grade for total, grade in zip(self.latencies, self.grading, strict=True)]


def _load(base: str, token: str, requests: int, concurrency: int) -> Run:
    latencies: list[float] = []
    grading: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for index in counter:
                question, answer = ANSWERS[index % len(ANSWERS)]
                start = time.perf_counter()
                response = client.post(f"/questions/{question}/attempts", json={"answer": answer})
                elapsed = (time.perf_counter() - start) * 1000
                response.raise_for_status()
                timing = dict(
                    part.strip().split(";dur=")
                    for part in response.headers["server-timing"].split(",")
                )
                with lock:
                    latencies.append(elapsed)
                    grading.append(float(timing["grade"]))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(requests / (time.perf_counter() - start), latencies, grading)


def _serve_and_measure(url: str, requests: int) -> dict[int, Run]:
    port = _free_port()
    env = {**os.environ, "GRADER_DATABASE_URL": url, "GRADER_CACHE_DIR": tempfile.mkdtemp()}
    server = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        token = _token(url)
        _load(base, token, 12, 1)  # warm up
        return {c: _load(base, token, requests, c) for c in (1, 8)}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        results = {"SQLite": _serve_and_measure(sqlite_url, args.requests)}
    with empty_postgres_database() as postgres_url:
        upgrade(postgres_url)
        results["PostgreSQL"] = _serve_and_measure(postgres_url, args.requests)

    print(
        "| database | concurrency | answers/s | p50 ms | p99 ms | overhead p50 ms | overhead p99 ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for database, runs in results.items():
        for concurrency, run in runs.items():
            print(
                f"| {database} | {concurrency} | {run.rate:.0f} | {statistics.median(run.latencies):.1f} | "
                f"{_percentile(run.latencies, 0.99):.1f} | {statistics.median(run.overhead):.1f} | "
                f"{_percentile(run.overhead, 0.99):.1f} |"
            )


if __name__ == "__main__":
    main()
