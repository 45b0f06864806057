"""Do the embedder backends grade alike? torch, ONNX fp32, q8 and int8, each with its own
shipped calibration, on the trap set and a fixed sample of Mohler answers.

    .venv/bin/python bench/bench_backends.py [--sample 500] [--json-out FILE]

For each backend against torch: mean and largest |score difference| (score = points / max
points) and the share of answers given the same verdict. Quality on the full data sets with
the default backend: `grader eval all`.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.config import Settings
from grader.evaluation.datasets import load_mohler
from grader.evaluation.report import emit
from grader.evaluation.seed import load_seed_answers
from grader.rubrics.loader import load_rubric_set
from grader.rubrics.schema import Rubric
from grader.scorer_setup import build_scorer
from grader.scoring.grade import Grade

REPO = Path(__file__).resolve().parent.parent
Backend = Literal["torch", "onnx-fp32", "onnx-q8", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx-fp32", "onnx-q8", "onnx-int8")


def _items(data_dir: Path, sample: int) -> dict[str, list[tuple[Rubric, str]]]:
    rubrics = {
        question_id: loaded.rubric
        for question_id, loaded in load_rubric_set([REPO / "rubrics"]).rubrics.items()
    }
    traps = [
        (rubrics[seed.question], seed.answer)
        for seed in load_seed_answers(REPO / "tests" / "data" / "seed_answers.yaml")
    ]
    mohler = load_mohler(data_dir / "mohler2011.csv")
    chosen = random.Random(2026).sample(mohler, min(sample, len(mohler)))
    return {
        "trap set": traps,
        f"Mohler sample ({len(chosen)})": [(a.rubric, a.answer) for a in chosen],
    }


def _grades(backend: Backend, items: list[tuple[Rubric, str]]) -> list[Grade]:
    scorer = build_scorer(Settings(embedder=backend, cache_dir=None))
    return scorer.grade_many(items)


def compare(data_dir: Path, sample: int) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name, items in _items(data_dir, sample).items():
        grades = {backend: _grades(backend, items) for backend in BACKENDS}
        base = grades["torch"]
        report[name] = {
            backend: {
                "mean_abs_score_difference": round(
                    sum(abs(a.score - b.score) for a, b in zip(base, other, strict=True))
                    / len(base),
                    4,
                ),
                "max_abs_score_difference": round(
                    max(abs(a.score - b.score) for a, b in zip(base, other, strict=True)), 4
                ),
                "verdict_agreement": round(
                    sum(a.verdict == b.verdict for a, b in zip(base, other, strict=True))
                    / len(base),
                    4,
                ),
            }
            for backend, other in grades.items()
            if backend != "torch"
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "asag")
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    report = compare(args.data_dir, args.sample)
    emit(report, args.json_out)


if __name__ == "__main__":
    main()
