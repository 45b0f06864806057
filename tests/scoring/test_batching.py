"""Micro-batching: concurrent callers share model calls and each gets exactly its own rows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from grader.scoring.batching import BatchingEmbedder, fair_share
from grader.scoring.embedder import HashingEmbedder, Vectors
from grader.scoring.token_recall import TokenVectors


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


class GatedEmbedder(HashingEmbedder):
    """Holds every call with a long text until the test opens the gate; logs every call."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        if any(len(text) > 500 for text in texts):
            self.gate.wait(5)
        return super().encode(texts)


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def _encode_as(batching: BatchingEmbedder, key: str, texts: list[str]) -> Vectors:
    with fair_share(key):
        return batching.encode(texts)


def _long(name: str) -> str:
    return f"{name} " + "word " * 200  # about 250 tokens: the long lane


def test_a_students_long_answer_does_not_hold_back_anothers_short_one() -> None:
    inner = GatedEmbedder()
    batching = BatchingEmbedder(inner)
    long_answer = [_long(f"long {n}") for n in range(12)] + ["its short sentence"]
    with ThreadPoolExecutor(2) as pool:
        looping = pool.submit(_encode_as, batching, "looper", long_answer)
        _wait_for(lambda: any(len(t) > 500 for call in inner.calls for t in call))
        # The long answer's first long text is in the model (held there): another student's
        # short answer is encoded and handed back meanwhile, not after it.
        other = pool.submit(_encode_as, batching, "other", ["a short answer", "short"])
        np.testing.assert_array_equal(
            other.result(timeout=2), HashingEmbedder().encode(["a short answer", "short"])
        )
        assert not looping.done()
        inner.gate.set()
        np.testing.assert_array_equal(looping.result(), HashingEmbedder().encode(long_answer))
    assert not any("short" in call and any(len(t) > 500 for t in call) for call in inner.calls)


def test_one_keys_concurrent_requests_share_one_share() -> None:
    inner = GatedEmbedder()
    batching = BatchingEmbedder(inner)
    texts = {key: [_long(f"{key} {n}") for n in range(10)] for key in ("a1", "a2", "b")}
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(_encode_as, batching, "a", [_long("first")])
        _wait_for(lambda: len(inner.calls) == 1)
        results = [
            pool.submit(_encode_as, batching, "a" if name.startswith("a") else "b", texts[name])
            for name in ("a1", "a2", "b")
        ]
        _wait_for(lambda: batching.long.waiting("a") == 2 and batching.long.waiting("b") == 1)
        inner.gate.set()
        for name, result in zip(("a1", "a2", "b"), results, strict=True):
            np.testing.assert_array_equal(result.result(), HashingEmbedder().encode(texts[name]))
        first.result()
    # While both keys waited, key a (two requests) got as many texts as key b (one request).
    served = {"a": 0, "b": 0}
    for call in inner.calls[1:]:
        if served["b"] == len(texts["b"]):
            break
        for text in call:
            served["b" if text.startswith("b") else "a"] += 1
    assert abs(served["a"] - served["b"]) <= 2


def test_a_failed_round_fails_the_whole_request_and_the_rest_still_works() -> None:
    class FailsOnce(HashingEmbedder):
        calls = 0

        def encode(self, texts: Sequence[str]) -> Vectors:
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("model broke")
            return super().encode(texts)

    batching = BatchingEmbedder(FailsOnce())
    long_texts = [_long(f"long {n}") for n in range(6)]  # several rounds
    with pytest.raises(RuntimeError, match="model broke"), fair_share("s"):
        batching.encode(long_texts)
    assert batching.encode(["after", _long("after")]).shape == (2, 256)
    assert batching.long.waiting("s") == 0


def test_long_texts_are_encoded_at_the_lowest_priority_and_short_ones_are_not() -> None:
    class Priorities(HashingEmbedder):
        seen: dict[str, int] = {}  # noqa: RUF012 - one instance

        def encode(self, texts: Sequence[str]) -> Vectors:
            nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            for text in texts:
                self.seen[text] = nice
            return super().encode(texts)

    inner = Priorities()
    batching = BatchingEmbedder(inner)
    texts = ["a short answer", _long("a 5,000-character answer")]
    np.testing.assert_array_equal(batching.encode(texts), HashingEmbedder().encode(texts))
    assert inner.seen == {texts[0]: os.getpriority(os.PRIO_PROCESS, 0), texts[1]: 19}


def test_a_long_texts_token_run_is_at_the_lowest_priority_too() -> None:
    class Priorities(HashingEmbedder):
        seen: dict[str, int] = {}  # noqa: RUF012 - one instance

        def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
            nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            for text in texts:
                self.seen[text] = nice
            return super().token_vectors(texts)

    inner = Priorities()
    batching = BatchingEmbedder(inner)
    texts = [_long("a 5,000-character answer"), "a short answer", "another"]
    found = batching.token_vectors(texts)
    assert [t.pieces for t in found] == [t.pieces for t in HashingEmbedder().token_vectors(texts)]
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert inner.seen == {texts[0]: 19, texts[1]: mine, texts[2]: mine}


_UNDER_NICE = """
import os, threading, time
from concurrent.futures import ThreadPoolExecutor
os.nice(5)  # as `nice make run`, or systemd's Nice=, starts the whole server
from grader.scoring.batching import BatchingEmbedder
from grader.scoring.embedder import HashingEmbedder

class Slow(HashingEmbedder):
    def encode(self, texts):
        time.sleep(0.02)
        return super().encode(texts)

batching = BatchingEmbedder(Slow())
start = threading.Barrier(16)
def call(n):
    start.wait()
    return batching.encode([f"answer {n}"])
with ThreadPoolExecutor(16) as pool:
    list(pool.map(call, range(16)))
print(batching.requests, batching.calls)
"""


def test_a_server_started_under_nice_still_shares_model_calls() -> None:
    # Background work is a thread that lowered itself, not any thread above nice 0: read from
    # the nice value, a server started under `nice` batched nothing (each of the 16 requests
    # ran its own model call, past the rounds: none was even counted).
    ran = subprocess.run(
        [sys.executable, "-c", _UNDER_NICE], capture_output=True, text=True, check=True
    )
    requests, calls = map(int, ran.stdout.split())
    assert requests == 16
    assert calls < 16 / 3
