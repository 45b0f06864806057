"""Heavy instructor work (parsing, validating and embedding a saved rubric) at the lowest CPU
priority, so that it takes what students' grading leaves and never the other way round.

Linux gives each thread its own nice value (``setpriority`` on the thread's id); a thread can
lower its priority but, unprivileged, never raise it again, so the work runs on a new thread of
its own that ends with it: the server's pool threads, which grade students, keep theirs. The
model runs in the calling thread (one ONNX Runtime thread per run), so the embedding is at that
priority too. Elsewhere (no per-thread nice) the work simply runs."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
LOWEST = 19


def at_low_priority(work: Callable[[], T]) -> T:
    """``work()``'s result (or its exception), computed on a thread at nice 19."""
    outcome: dict[str, object] = {}

    def run() -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST)
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
