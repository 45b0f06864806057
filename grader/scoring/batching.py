"""Micro-batching: concurrent requests' encodes become one call of the model.

One worker thread owns the embedder. A caller queues its texts and waits; the worker takes
every request queued by then (up to ``max_texts``), encodes them in one call and hands each
caller its rows. Alone, a request waits for nobody (no added latency); under load, requests
that arrive while the model is busy ride together in the next call, so concurrency raises
throughput instead of queueing behind one encode at a time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from grader.scoring.embedder import Embedder, Vectors, lowered_priority


@dataclass
class _Request:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: Vectors | None = None
    error: BaseException | None = None


class BatchingEmbedder:
    """Wraps an embedder; ``encode`` may be called from any number of threads."""

    def __init__(self, inner: Embedder, max_texts: int = 256, max_wait_s: float = 0.002) -> None:
        self.inner = inner
        self.max_texts = max_texts
        self.max_wait_s = max_wait_s  # how long to wait for callers already on their way
        self._queue: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._arriving = 0  # callers inside encode whose request is not yet taken
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.calls = 0  # inner encode calls, and requests served: their ratio is the batching
        self.requests = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def loaded(self) -> bool:
        return bool(getattr(self.inner, "loaded", True))

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts or lowered_priority():
            # Background work (a rubric save) never rides in a student's batch: it would
            # make the student wait for its hundreds of texts. It runs in its own thread.
            return self.inner.encode(texts)
        request = _Request(list(texts))
        with self._lock:
            self._arriving += 1
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._serve, name="grader-embedder", daemon=True
                )
                self._worker.start()
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _take(self) -> list[_Request]:
        """The first queued request, every other one queued now, and, for a moment, those
        whose callers are already inside ``encode``."""
        batch = [self._queue.get()]
        count = len(batch[0].texts)
        while count < self.max_texts:
            try:
                with self._lock:
                    waiting_for_more = self._arriving > len(batch)
                timeout = self.max_wait_s if waiting_for_more else 0.0
                following = (
                    self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            batch.append(following)
            count += len(following.texts)
        with self._lock:
            self._arriving -= len(batch)
        return batch

    def _serve(self) -> None:
        while True:
            batch = self._take()
            texts = [text for request in batch for text in request.texts]
            # A text asked for twice (a unit that is the whole answer, two students writing
            # the same words) is encoded once.
            unique = list(dict.fromkeys(texts))
            try:
                encoded = self.inner.encode(unique)
                if len(unique) < len(texts):
                    row = {text: index for index, text in enumerate(unique)}
                    encoded = encoded[[row[text] for text in texts]]
            except BaseException as error:  # every waiting caller gets the error, not a hang
                for request in batch:
                    request.error = error
                    request.done.set()
                continue
            self.calls += 1
            self.requests += len(batch)
            start = 0
            for request in batch:
                end = start + len(request.texts)
                request.vectors = np.ascontiguousarray(encoded[start:end])
                start = end
                request.done.set()
