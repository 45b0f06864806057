"""Background work that only the latest request matters for: one run at a time per key, and
requests that arrive meanwhile fold into a single run after it.

An instructor grading an answer every few seconds asks for a refit of the question after each
grade; each refit embeds the question's graded answers and grades its waiting ones. Run one
after the other, or side by side, they would take the CPU from the students; folded, the
question is refitted at most once more after the run in progress, with the newest grades.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Coalescing(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, T | None] = {}  # key -> the argument of the next run, if any

    def run(self, key: str, argument: T, work: Callable[[T], None]) -> bool:
        """``work(argument)`` now, unless a run for ``key`` is in progress: then it runs once
        more when that one ends, with the newest argument. Returns whether this call ran it."""
        with self._lock:
            if key in self._waiting:
                self._waiting[key] = argument
                return False
            self._waiting[key] = None
        while True:
            try:
                work(argument)
            except BaseException:
                with self._lock:
                    self._waiting.pop(key, None)
                raise
            with self._lock:
                following = self._waiting[key]
                if following is None:
                    del self._waiting[key]
                    return True
                self._waiting[key], argument = None, following
