"""Page speed, server side: the question page and the answer's result partial (htmx), p50/p99.

Runs a real `grader serve` (ONNX int8, an embedded SQLite file; `--postgres` adds a run on a
fresh PostgreSQL database), signs a student in through the sign-in form and measures, per
request, the time the server reports for each step (``Server-Timing``: grading, storing,
rendering the template) and the whole request as the client saw it over loopback HTTP.
Figures: docs/ui.md.

    .venv/bin/python bench/bench_pages.py --requests 200 [--postgres] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_api import _percentile, _token
from bench.bench_scoring import ANSWERS
from bench.live import live_server, start_server, stop_server
from grader.store.session import upgrade
from tests.database import empty_postgres_database

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def _server_ms(response: httpx.Response) -> dict[str, float]:
    steps = {}
    for part in response.headers.get("server-timing", "").split(","):
        name, _, value = part.strip().partition(";dur=")
        if value:
            steps[name] = float(value)
    return steps


def _signed_in(base: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/app/sign-in")
    found = _CSRF.search(form.text)
    assert found is not None
    signed = client.post("/app/sign-in", data={"token": token, "csrf": found.group(1)})
    assert signed.status_code in (200, 303), signed.status_code
    return client


def _summary(samples: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    names = sorted({name for sample in samples for name in sample})
    return {
        name: {
            "p50_ms": round(_percentile([s[name] for s in samples if name in s], 0.5), 2),
            "p99_ms": round(_percentile([s[name] for s in samples if name in s], 0.99), 2),
        }
        for name in names
    }


def measure(url: str, requests: int) -> dict[str, dict[str, dict[str, float]]]:
    """Question pages and result partials against a server on the database at ``url``."""
    upgrade(url)
    cache = tempfile.mkdtemp()
    env = {"GRADER_DATABASE_URL": url, "GRADER_CACHE_DIR": cache}
    server, _, _ = start_server(env)  # fills the embedding cache, as a deployed server has
    stop_server(server)
    try:
        with live_server(env) as base, closing(_signed_in(base, _token(url))) as client:
            pages: list[dict[str, float]] = []
            partials: list[dict[str, float]] = []
            csrf = ""
            for n in range(requests + 10):  # the first 10 warm up, unmeasured
                question, answer = ANSWERS[n % len(ANSWERS)]
                started = time.perf_counter()
                page = client.get(f"/app/questions/{question}")
                page_ms = (time.perf_counter() - started) * 1000
                assert page.status_code == 200, page.status_code
                found = _CSRF.search(page.text)
                csrf = found.group(1) if found else csrf
                started = time.perf_counter()
                partial = client.post(
                    f"/app/questions/{question}/answer", data={"answer": answer, "csrf": csrf},
                    headers={"HX-Request": "true"},
                )  # fmt: skip
                partial_ms = (time.perf_counter() - started) * 1000
                assert partial.status_code == 200, partial.text[:200]
                if n >= 10:
                    pages.append({**_server_ms(page), "request": page_ms})
                    partials.append({**_server_ms(partial), "request": partial_ms})
            return {"question_page": _summary(pages), "result_partial": _summary(partials)}
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="also on a fresh PostgreSQL")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    results = {}
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp())
        stack.callback(shutil.rmtree, folder, True)
        databases = {"sqlite": f"sqlite:///{folder / 'pages.db'}"}
        if args.postgres:
            databases["postgresql"] = stack.enter_context(empty_postgres_database())
        for name, url in databases.items():
            results[name] = measure(url, args.requests)
    print(f"{args.requests} requests each, one client (ms; server = Server-Timing)")
    print("| database | what | step | p50 | p99 |\n|---|---|---|---|---|")
    for database, kinds in results.items():
        for kind, steps in kinds.items():
            for step, figures in steps.items():
                print(f"| {database} | {kind} | {step} | {figures['p50_ms']} | "
                      f"{figures['p99_ms']} |")  # fmt: skip
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
