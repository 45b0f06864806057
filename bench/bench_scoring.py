"""Grading speed on this machine: per-answer latency, the non-model share, and throughput.

    .venv/bin/python bench/bench_scoring.py [--repeat 200] [--embedder onnx-q8]

Prints p50/p99 latency of grading one 1-3 sentence answer (one batched encode of its units,
and token recall's runs of its parts when the calibration reads it),
the time of everything but the model per answer (splitting, similarity, selection, features,
feedback; measured by replaying the model's vectors), the number of encode calls per answer,
answers/second when grading batches of 64, and answers/second and CPU time per answer with 8
threads grading at once through the micro-batching embedder (as 8 concurrent requests do). The
batches and the concurrent run grade real, distinct Mohler answers against their own questions'
rubrics (as `grader eval` makes them), so no text is encoded once for several answers, as the
six bench answers repeated would be.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from grader.config import Settings
from grader.evaluation.datasets import load_mohler
from grader.rubrics.loader import load_rubric_set
from grader.rubrics.schema import Rubric
from grader.scorer_setup import build_scorer

ANSWERS = [
    (
        "write-any-two-differences-between-rnn-and-cnn",
        "A CNN processes grids such as images, while an RNN processes sequences of variable length.",
    ),
    ("what-are-the-challenges-of-long-term-dependencies", "Vanishing and exploding gradients."),
    (
        "what-is-echo-state-network",
        "An echo state network is a recurrent network whose input and reservoir weights are random and fixed; only the readout is trained.",
    ),
    (
        "what-is-vanishing-and-exploding-gradient-descent",
        "The tanh derivative is below one, so the gradient vanishes over many steps. Large weights make it explode.",
    ),
    (
        "give-a-real-world-application-of-visual-attention",
        "Reading house numbers in Google Street View.",
    ),
    (
        "what-are-the-learning-models-used-for-creating-adversarial",
        "A generative model and a discriminative model.",
    ),
]


class ReplayEmbedder:
    """Returns vectors recorded from the real model: times everything but the model."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.recorded: dict[tuple[str, ...], object] = {}

    @property
    def model_id(self) -> str:
        return self.inner.model_id  # type: ignore[attr-defined, no-any-return]

    def encode(self, texts):  # type: ignore[no-untyped-def]
        key = tuple(texts)
        if key not in self.recorded:
            self.recorded[key] = self.inner.encode(texts)  # type: ignore[attr-defined]
        return self.recorded[key]

    def token_vectors(self, texts):  # type: ignore[no-untyped-def]
        key = ("tokens", *texts)
        if key not in self.recorded:
            self.recorded[key] = self.inner.token_vectors(texts)  # type: ignore[attr-defined]
        return self.recorded[key]


class CountingEmbedder:
    """Wraps the embedder to count encode calls and time them."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.calls = 0
        self.token_runs = 0
        self.seconds = 0.0

    @property
    def model_id(self) -> str:
        return self.inner.model_id  # type: ignore[attr-defined, no-any-return]

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        start = time.perf_counter()
        try:
            return self.inner.encode(texts)  # type: ignore[attr-defined]
        finally:
            self.seconds += time.perf_counter() - start

    def token_vectors(self, texts):  # type: ignore[no-untyped-def]
        """Token recall's runs (one text each): model time, not an encode call."""
        self.token_runs += len(texts)
        start = time.perf_counter()
        try:
            return self.inner.token_vectors(texts)  # type: ignore[attr-defined]
        finally:
            self.seconds += time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--embedder", default=Settings().embedder)
    args = parser.parse_args()

    scorer = build_scorer(Settings(cache_dir=None, embedder=args.embedder))
    rubrics = {k: v.rubric for k, v in load_rubric_set([Path("rubrics")]).rubrics.items()}
    items = [(rubrics[q], a) for q, a in ANSWERS]
    scorer.grade_many(items)  # load the model, prepare the rubrics, warm up
    serving = scorer.embedder  # the micro-batching embedder the service runs
    counting = CountingEmbedder(serving)
    scorer.embedder = counting

    # The backend's own count of parts whose token vectors took a run of their own (ONNX: a part
    # its answer's encode already ran needs none).
    backend: Any = getattr(serving, "inner", serving)
    runs_before = getattr(backend, "token_runs", None)  # None: this backend does not count them
    latencies = []
    for index in range(args.repeat):
        rubric, answer = items[index % len(items)]
        calls = counting.calls
        # The six answers repeat here, a student's answer does not: no token recall is reused.
        scorer._recalls.clear()
        start = time.perf_counter()
        scorer.grade(rubric, answer)
        latencies.append((time.perf_counter() - start) * 1000)
        assert counting.calls - calls == 1, "more than one encode for one answer"

    token_runs = counting.token_runs
    own_runs = ""
    if runs_before is not None:
        alone = backend.token_runs - runs_before
        own_runs = f", run on their own: {alone / args.repeat:.1f}"
    # Everything but the model: the same requests, with the model's vectors replayed.
    replay = ReplayEmbedder(counting.inner)
    scorer.embedder = replay
    for item in items:
        scorer.grade(*item)
    outside = []
    for index in range(args.repeat * 5):
        rubric, answer = items[index % len(items)]
        scorer._recalls.clear()
        start = time.perf_counter()
        scorer.grade(rubric, answer)
        outside.append((time.perf_counter() - start) * 1000)
    scorer.embedder = counting
    mohler = mohler_answers()
    for rubric in {rubric.id: rubric for rubric, _ in mohler}.values():
        scorer.prepare(rubric)  # a course's rubrics are prepared before its answers come
    misses_before = scorer.cache.misses
    rounds = max(3, args.repeat // 64)
    start = time.perf_counter()
    for round_ in range(rounds):
        scorer.grade_many(mohler[round_ * 64 : (round_ + 1) * 64])
    batch_seconds = time.perf_counter() - start
    assert scorer.cache.misses == misses_before, "rubric embeddings recomputed"

    scorer.embedder = serving
    concurrent = min(args.repeat * 2, len(mohler) - rounds * 64)
    queue = iter(mohler[rounds * 64 : rounds * 64 + concurrent])

    def grade_in_turn() -> None:
        for rubric, answer in queue:
            scorer.grade(rubric, answer)

    threads = [threading.Thread(target=grade_in_turn) for _ in range(8)]
    cpu, start = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent_seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu

    print(
        f"single answer latency (ms): p50 {statistics.median(latencies):.1f}  p99 {percentile(latencies, 0.99):.1f}  (n={args.repeat})"
    )
    print(
        f"everything but the model per answer (ms): p50 {statistics.median(outside):.2f}  p99 {percentile(outside, 0.99):.2f}"
    )
    print(
        "encode calls per answer: 1; token-recall parts per answer: "
        f"{token_runs / args.repeat:.1f}{own_runs}; rubric embeddings recomputed per request: 0"
    )
    print(f"batches of 64: {64 * rounds / batch_seconds:.0f} answers/s")
    print(
        f"8 threads at once: {concurrent / concurrent_seconds:.0f} answers/s, "
        f"{cpu_seconds / concurrent * 1000:.1f} ms of CPU per answer ({args.embedder})"
    )


def mohler_answers() -> list[tuple[Rubric, str]]:
    """Mohler's answers with their questions' rubrics (as `grader eval` makes them), in a fixed
    random order: real, distinct answers for the benches."""
    data = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "asag"
    items = [(a.rubric, a.answer) for a in load_mohler(data / "mohler2011.csv") if a.answer.strip()]
    random.Random(2026).shuffle(items)
    return items


if __name__ == "__main__":
    main()
