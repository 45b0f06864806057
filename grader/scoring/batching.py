"""Micro-batching with fair shares: concurrent requests' encodes become few calls of the model,
and no student's long answers make the others wait.

Two lanes, each one worker thread that serves its queued texts in rounds, one model call a
round. Alone, a request waits for nobody; under load, requests that arrive while the model is
busy ride together in the next round, so concurrency raises throughput instead of queueing
behind one encode at a time.

Long texts (over ``LONG_TOKENS``, estimated: about 770 characters, so a paragraph answer is
still a short text) go to a lane of their own, whose thread runs at the lowest CPU priority
(nice 19): a 256-token text takes the model about 45 ms of a core, and a short answer's encodes
(a few ms each, two or three an answer) must not wait behind one, nor lose their CPU to it.
Both lanes run at once, and the long lane gets what the short lane and the interpreter leave;
a busy 2-core server leaves plenty (the long answers in ``docs/reliability.md`` were answered
in about 0.2 s). Only on a machine saturated by the model (several worker processes) does a
long text wait, for seconds, never for good (nice 19 still gets its small share).

Fair share inside a lane (deficit round robin, counted in tokens): the texts encoded inside
:func:`fair_share` count against its key (the service uses the student), one queue a key.
Each round every waiting key may spend up to a quantum of tokens (the round's budget split
between the waiting keys, never under ``MIN_QUANTUM``); what a key cannot spend on its next
text it keeps for the next round, and a key with nothing waiting keeps nothing. A student
sending many answers at once thus gets one share, as each other student does. Each request is
handed its rows as soon as they are all encoded. Encodes outside any share (a benchmark, a
command) are each their own key.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

from grader.scoring.embedder import (
    Embedder,
    Vectors,
    lower_this_thread,
    lowered_priority,
    token_embedder,
)
from grader.scoring.token_recall import TokenVectors

ROUND_TOKENS = 512  # a round's budget, split between the keys waiting (one key: all of it)
MIN_QUANTUM = 64  # about a short answer's texts: it is done in one round even under load
MAX_TEXT_TOKENS = 258  # the model cuts a text at 256 tokens, plus its two markers
CHARS_PER_TOKEN = 4  # English word pieces average about four characters
LONG_TOKENS = 192  # a text over this (about 770 characters) is served by the long lane
LONG_NICE = 19  # the long lane's thread: it gets what the short one leaves (module doc)

_share: ContextVar[Hashable | None] = ContextVar("grader_fair_share", default=None)


@contextmanager
def fair_share(key: Hashable) -> Iterator[None]:
    """Encodes inside the block are served as ``key``'s share of the model (one student)."""
    token = _share.set(key)
    try:
        yield
    finally:
        _share.reset(token)


def text_tokens(text: str) -> int:
    """A text's cost in the model, estimated without tokenizing it (the tokenizer is the
    embedder's): a share only needs the right order of magnitude."""
    return min(MAX_TEXT_TOKENS, 2 + len(text) // CHARS_PER_TOKEN)


@dataclass(eq=False)
class _Request:
    texts: list[str]
    key: Hashable
    left: int = 0  # texts not yet encoded, in both lanes
    rows: Vectors | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.left = len(self.texts)

    def fill(self, indices: list[int], vectors: Vectors) -> bool:
        """Store rows (from either lane); whether that was the last of them."""
        with self.lock:
            if self.rows is None:
                self.rows = np.empty((len(self.texts), vectors.shape[1]), vectors.dtype)
            self.rows[indices] = vectors
            self.left -= len(indices)
            finished = self.left == 0 and self.error is None
        if finished:
            self.done.set()
        return finished

    def fail(self, error: BaseException) -> None:
        with self.lock:
            self.error = error
        self.done.set()


@dataclass(eq=False)
class _Part:
    """The texts of a request one lane serves (their indices in the request)."""

    request: _Request
    indices: list[int]
    taken: int = 0  # handed to a round so far


@dataclass(eq=False)
class _Flow:
    """One key's queue of parts and its unspent tokens."""

    parts: deque[_Part] = field(default_factory=deque)
    credit: int = 0


class _Lane:
    """One worker thread serving its keys' texts in fair rounds (module doc)."""

    def __init__(self, owner: BatchingEmbedder, name: str, nice: int = 0) -> None:
        self.owner, self.name, self.nice = owner, name, nice
        self._flows: dict[Hashable, _Flow] = {}  # keys with texts waiting, in serving order
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None

    def add(self, part: _Part) -> None:
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._worker.start()
            self._flows.setdefault(part.request.key, _Flow()).parts.append(part)
            self._wake.notify()

    def waiting(self, key: Hashable) -> int:
        """How many parts ``key`` has queued in this lane (for tests)."""
        with self._lock:
            flow = self._flows.get(key)
            return len(flow.parts) if flow is not None else 0

    def _serve(self) -> None:
        if self.nice:
            lower_this_thread(self.nice)
        while True:
            with self._lock:
                while not self._flows:
                    self._wake.wait()
                round_ = self._take_round()
            self._encode_round(round_)

    def _take_round(self) -> list[tuple[_Part, list[int]]]:
        """The next round's texts (each part with the indices of its texts taken): each
        waiting key's next texts, as far as its credit goes. Called with the lock held; takes
        at least one text."""
        taken: list[tuple[_Part, list[int]]] = []
        count = 0
        limit = self.owner.max_texts
        while not taken:  # a key whose next text costs more than one quantum saves up for it
            quantum = max(MIN_QUANTUM, ROUND_TOKENS // len(self._flows))
            for key, flow in list(self._flows.items()):
                flow.credit += quantum
                while flow.parts and count < limit:
                    part = flow.parts[0]
                    texts = part.request.texts
                    start = part.taken
                    while part.taken < len(part.indices) and count < limit:
                        cost = text_tokens(texts[part.indices[part.taken]])
                        if cost > flow.credit:
                            break
                        flow.credit -= cost
                        part.taken += 1
                        count += 1
                    if part.taken > start:
                        taken.append((part, part.indices[start : part.taken]))
                    if part.taken < len(part.indices):
                        break  # out of credit (or the call is full): the rest waits
                    flow.parts.popleft()
                if not flow.parts:
                    del self._flows[key]  # nothing waiting: no credit kept
                else:
                    # Served: to the back of the line, so that a full call cuts others first.
                    self._flows[key] = self._flows.pop(key)
        return taken

    def _encode_round(self, wanted: list[tuple[_Part, list[int]]]) -> None:
        texts = [part.request.texts[i] for part, indices in wanted for i in indices]
        # A text asked for twice (a unit that is the whole answer, two students writing the
        # same words) is encoded once.
        unique = list(dict.fromkeys(texts))
        try:
            encoded = self.owner.inner.encode(unique)
            if len(unique) < len(texts):
                row = {text: index for index, text in enumerate(unique)}
                encoded = encoded[[row[text] for text in texts]]
        except BaseException as error:  # every caller in the round gets the error, not a hang
            self._fail({part.request for part, _ in wanted}, error)
            return
        self.owner.count(calls=1)
        start = 0
        for part, indices in wanted:
            end = start + len(indices)
            if part.request.fill(indices, encoded[start:end]):
                self.owner.count(requests=1)
            start = end

    def _fail(self, requests: set[_Request], error: BaseException) -> None:
        """Hand ``error`` to these requests and drop what is left of them in this lane."""
        with self._lock:
            for request in requests:
                flow = self._flows.get(request.key)
                if flow is not None:
                    for part in [p for p in flow.parts if p.request is request]:
                        flow.parts.remove(part)
                    if not flow.parts:
                        del self._flows[request.key]
        for request in requests:
            request.fail(error)


class BatchingEmbedder:
    """Wraps an embedder; ``encode`` may be called from any number of threads."""

    def __init__(self, inner: Embedder, max_texts: int = 256) -> None:
        self.inner = inner
        self.max_texts = max_texts  # texts in one model call at most
        self.short = _Lane(self, "grader-embedder")
        self.long = _Lane(self, "grader-embedder-long", nice=LONG_NICE)
        self.calls = 0  # inner encode calls, and requests served: their ratio is the batching
        self.requests = 0
        self._counting = threading.Lock()  # both lanes count
        self._long_tokens: ThreadPoolExecutor | None = None  # long texts' token runs (nice 19)

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def loaded(self) -> bool:
        return bool(getattr(self.inner, "loaded", True))

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        """The inner embedder's token vectors. Each text runs alone (no padding to share, so no
        round to join): a short one in the caller's thread, a long one in a thread at the long
        lane's priority, so that a long answer's extra run waits for the others' as its
        encodes do (module doc)."""
        inner = token_embedder(self.inner)
        long = [i for i, text in enumerate(texts) if text_tokens(text) > LONG_TOKENS]
        if not long or lowered_priority():
            return inner.token_vectors(texts)
        with self._counting:
            if self._long_tokens is None:
                self._long_tokens = ThreadPoolExecutor(
                    1,
                    thread_name_prefix="grader-tokens-long",
                    initializer=lower_this_thread,
                    initargs=(LONG_NICE,),
                )
        pending = self._long_tokens.submit(inner.token_vectors, [texts[i] for i in long])
        long_set = set(long)
        short = [i for i in range(len(texts)) if i not in long_set]
        found = dict(zip(short, inner.token_vectors([texts[i] for i in short]), strict=True))
        found.update(zip(long, pending.result(), strict=True))
        return [found[i] for i in range(len(texts))]

    def count(self, calls: int = 0, requests: int = 0) -> None:
        with self._counting:
            self.calls += calls
            self.requests += requests

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts or lowered_priority():
            # Background work (a rubric save) never rides in a student's round: it would
            # make the student wait for its hundreds of texts. It runs in its own thread.
            return self.inner.encode(texts)
        key = _share.get()
        request = _Request(list(texts), key if key is not None else object())
        long = [i for i, text in enumerate(request.texts) if text_tokens(text) > LONG_TOKENS]
        short = sorted(set(range(len(request.texts))) - set(long))
        if short:
            self.short.add(_Part(request, short))
        if long:
            self.long.add(_Part(request, long))
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.rows is not None
        return request.rows
