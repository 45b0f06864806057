"""How long each demo takes: cold (a fresh `grader demo run`, imports included, as the first
request after a start pays) and warm (in process, after a first run), plus drawing its PNG.

    .venv/bin/python bench/bench_demos.py [--repeat 3]

The numbers go in docs/demos.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.demos.registry import DEMOS, render_png


def _cold(demo_id: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "grader.cli", "demo", "run", demo_id],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| demo | cold `grader demo run` s | warm run s | drawing the PNG s |")
    print("|---|---|---|---|")
    for demo_id, demo in DEMOS.items():
        cold = statistics.median(_cold(demo_id) for _ in range(args.repeat))
        demo.run(demo.params())  # imports and first-run costs paid
        warm, draw = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = demo.run(demo.params())
            warm.append(time.perf_counter() - started)
            started = time.perf_counter()
            render_png(demo, result)
            draw.append(time.perf_counter() - started)
        print(
            f"| {demo_id} | {cold:.1f} | {statistics.median(warm):.2f} "
            f"| {statistics.median(draw):.2f} |"
        )


if __name__ == "__main__":
    main()
