"""Micro-batching: concurrent callers share model calls and each gets exactly its own rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from grader.scoring.batching import BatchingEmbedder
from grader.scoring.embedder import HashingEmbedder, Vectors


class SlowEmbedder(HashingEmbedder):
    """Takes 20 ms a call, as a model does, and remembers how many texts each call had."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.sizes.append(len(texts))
        time.sleep(0.02)
        return super().encode(texts)


def test_concurrent_callers_ride_together_and_get_their_own_rows() -> None:
    inner = SlowEmbedder()
    batching = BatchingEmbedder(inner)
    texts = [
        [f"answer {n} word{n}", f"unit {n} of it", f"another{n}"][: 1 + n % 3] for n in range(48)
    ]
    start = threading.Barrier(16)

    def call(mine: list[str]) -> Vectors:
        start.wait() if texts.index(mine) < 16 else None
        return batching.encode(mine)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(call, texts))
    plain = HashingEmbedder()
    for mine, got in zip(texts, results, strict=True):
        np.testing.assert_array_equal(got, plain.encode(mine))
    assert batching.requests == 48
    assert batching.calls < 48 / 3  # most calls carried several requests
    assert max(inner.sizes) <= batching.max_texts + 3


def test_an_error_reaches_every_waiting_caller_and_the_next_call_works() -> None:
    class Failing(HashingEmbedder):
        fail = True

        def encode(self, texts: Sequence[str]) -> Vectors:
            if self.fail:
                raise RuntimeError("model broke")
            return super().encode(texts)

    inner = Failing()
    batching = BatchingEmbedder(inner)
    with pytest.raises(RuntimeError, match="model broke"):
        batching.encode(["a"])
    inner.fail = False
    assert batching.encode(["a", "b"]).shape == (2, inner.dimensions)


def test_a_text_asked_for_twice_is_encoded_once() -> None:
    inner = SlowEmbedder()
    batching = BatchingEmbedder(inner)
    vectors = batching.encode(["same words", "other words", "same words"])
    assert inner.sizes == [2]
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(
        vectors, HashingEmbedder().encode(["same words", "other words", "same words"])
    )
