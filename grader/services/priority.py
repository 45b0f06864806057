"""Heavy instructor work (parsing, validating and embedding a saved rubric) at the lowest CPU
priority, so that it takes what students' grading leaves and never the other way round.

Linux gives each thread its own nice value (``setpriority`` on the thread's id); a thread can
lower its priority but, unprivileged, never raise it again, so the work runs on a new thread of
its own that ends with it: the server's pool threads, which grade students, keep theirs. The
model runs in the calling thread (one ONNX Runtime thread per run), so the embedding is at that
priority too. Elsewhere (no per-thread nice) the work simply runs.

Pure-Python work (parsing and checking a large rubric: 0.6 s of CPU for 256 KB) goes further,
to a helper process at nice 19 (:func:`in_low_priority_process`). On a thread, however low its
priority, it holds the interpreter's lock while it runs; the students' threads need that lock
too, and wait for a thread the kernel runs last (priority inversion): a 256 KB rubric saved
alternately with the original, twice a second, raised the students' p50 by 37% in the fault
harness. The model's work releases the lock, so embedding stays on a thread."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from grader.scoring.embedder import lower_this_thread

T = TypeVar("T")
LOWEST = 19


def at_low_priority(work: Callable[[], T]) -> T:
    """``work()``'s result (or its exception), computed on a thread at nice 19."""
    outcome: dict[str, object] = {}

    def run() -> None:
        lower_this_thread(LOWEST)
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller, raised there
            outcome["error"] = error

    thread = threading.Thread(target=run, name="low-priority-work", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


_helper_lock = threading.Lock()
_helper: ProcessPoolExecutor | None = None


def _start_helper(parent: int) -> None:
    """In the helper: the lowest priority, and an end when the server ends, however it ends
    (a server killed with SIGKILL runs no exit handler, and its helper would live on)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(LOWEST)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def in_low_priority_process(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in a helper process at nice 19 (one, started on first use and kept, so
    only the first call pays its start, about half a second). ``work`` and its arguments and
    result must pickle. Where no helper process can run (it died, or none can be started),
    the work runs on a low-priority thread instead."""
    global _helper
    with _helper_lock:
        if _helper is None:
            # spawn, not fork: the server is multi-threaded, and a forked child would inherit
            # locks held by threads it does not have.
            _helper = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_helper, initargs=(os.getpid(),),
            )  # fmt: skip
        helper = _helper
    try:
        return helper.submit(work, *args).result()
    except BrokenProcessPool:
        with _helper_lock:
            if _helper is helper:
                _helper = None  # the next call starts a new one
        return at_low_priority(lambda: work(*args))
