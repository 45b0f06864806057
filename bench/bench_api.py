"""POST /questions/{id}/attempts over real HTTP on loopback: embedder backends side by side,
on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_api.py [--requests 200] [--backends torch,onnx-fp32:2]
                                        [--databases sqlite,postgresql]

The course is Mohler's (81 questions, rubrics made from their reference answers as `grader eval`
makes them, written to a temporary rubrics folder) and every request sends a different real
student answer to its own question (in a fixed random order), so no answer is embedded once for
several requests. Starts `grader serve` in a subprocess per backend and database, creates eight
students' tokens, and sends answers at concurrency 1 and 8 (one student and one HTTP client per
worker thread: eight students answering at once, as in a class). Prints answers/second,
p50/p99 latency, the overhead on top of grading (each request's latency minus the grading time
the server reports for it, Server-Timing), the serving process's CPU time per answer (with
one process; `/proc`), the cold start (process start to /health ready, with
the rubric embeddings on disk from an earlier start) and the serving process's peak memory
(with several API processes, the supervisor's: not comparable).
PostgreSQL: a fresh database on 127.0.0.1:5432, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_scoring import mohler_answers
from bench.live import start_server, stop_server
from grader.rubrics.render import render_rubric
from grader.store.practice import create_student, create_token
from grader.store.session import make_engine, make_sessions, upgrade
from tests.database import empty_postgres_database


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
    server_cpu_ms: float = float("nan")  # the serving process's CPU time per answer

    @property
    def overhead(self) -> list[float]:
        """Everything but the grading: HTTP, auth, storage, commit, serialisation."""
        return [total - grade for total, grade in zip(self.latencies, self.grading, strict=True)]


def _mohler_course(folder: Path) -> list[tuple[str, str]]:
    """Write Mohler's rubrics into ``folder``; its answers, (question id, answer), shuffled."""
    answers = mohler_answers()
    for rubric in {rubric.id: rubric for rubric, _ in answers}.values():
        (folder / f"{rubric.id}.yaml").write_text(render_rubric(rubric), encoding="utf-8")
    return [(rubric.id, answer) for rubric, answer in answers]


def _load(
    base: str, tokens: list[str], posts: Iterator[tuple[str, str]], requests: int, concurrency: int
) -> Run:
    latencies: list[float] = []
    grading: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker(token: str) -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for _ in counter:
                with lock:
                    question, answer = next(posts)
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

    threads = [threading.Thread(target=worker, args=(tokens[i],)) for i in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(requests / (time.perf_counter() - start), latencies, grading)


@dataclass
class Served:
    runs: dict[int, Run]
    cold_start_s: float  # process start to /health ready (rubric embeddings cached on disk)
    peak_rss_mb: float  # the serving process's high-water mark, after the load


def _start(
    url: str, backend: str, cache: str, rubrics: Path, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str, float]:
    env = {
        "GRADER_DATABASE_URL": url, "GRADER_CACHE_DIR": cache, "GRADER_EMBEDDER": backend,
        "GRADER_EMBEDDER_THREADS": str(max(1, 2 // workers)), "GRADER_RUBRICS_DIR": str(rubrics),
    }  # fmt: skip
    return start_server(env, "--workers", str(workers))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _serve_and_measure(url: str, requests: int, backend: str, workers: int = 1) -> Served:
    cache, rubrics = tempfile.mkdtemp(), Path(tempfile.mkdtemp())
    posts = iter(_mohler_course(rubrics))
    server, _, _ = _start(url, backend, cache, rubrics)  # a first start fills the embedding cache
    stop_server(server)
    server, base, cold = _start(url, backend, cache, rubrics, workers)
    try:
        tokens = [_token(url) for _ in range(8)]  # concurrency 8: eight students at once
        _load(base, tokens, posts, 12, 1)  # warm up
        runs = {}
        for concurrency in (1, 8):
            cpu = _cpu_seconds(server.pid)
            runs[concurrency] = _load(base, tokens, posts, requests, concurrency)
            if workers == 1:  # the workers of --workers are children still running: not counted
                spent = _cpu_seconds(server.pid) - cpu
                runs[concurrency].server_cpu_ms = spent / requests * 1000
        return Served(runs, cold, _peak_rss_mb(server.pid))
    finally:
        stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--backends",
        default="torch,onnx-fp32,onnx-q8,onnx-int8,onnx-fp32:2,onnx-q8:2",
        help="backend[:API processes], comma-separated",
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()

    results: dict[tuple[str, str], Served] = {}
    for config in args.backends.split(","):
        backend, _, processes = config.partition(":")
        workers = int(processes or 1)
        if "sqlite" in args.databases:
            with tempfile.TemporaryDirectory() as folder:
                sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
                results[("SQLite", config)] = _serve_and_measure(
                    sqlite_url, args.requests, backend, workers
                )
        if "postgresql" in args.databases:
            with empty_postgres_database() as postgres_url:
                upgrade(postgres_url)
                results[("PostgreSQL", config)] = _serve_and_measure(
                    postgres_url, args.requests, backend, workers
                )

    print(
        "| database | backend | concurrency | answers/s | p50 ms | p99 ms | overhead p50 ms "
        "| server CPU ms per answer | cold start s | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (database, backend), served in results.items():
        for concurrency, run in served.runs.items():
            print(
                f"| {database} | {backend} | {concurrency} | {run.rate:.0f} "
                f"| {statistics.median(run.latencies):.1f} "
                f"| {_percentile(run.latencies, 0.99):.1f} | {statistics.median(run.overhead):.1f} "
                f"| {run.server_cpu_ms:.1f} | {served.cold_start_s:.2f} | {served.peak_rss_mb:.0f} |"
            )


if __name__ == "__main__":
    main()
