"""A bound on heavy work at once: a caller that finds every slot taken is told so at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from grader.errors import GraderError


class Busy(GraderError):
    """Every slot is taken; try again shortly."""


class Slots:
    def __init__(self, size: int, what: str) -> None:
        self.size = size
        self.what = what
        self._semaphore = threading.BoundedSemaphore(size)

    @contextmanager
    def take(self) -> Iterator[None]:
        """Hold one slot for the block; raises :class:`Busy` when there is none free."""
        if not self._semaphore.acquire(blocking=False):
            raise Busy(f"{self.size} {self.what} already running; try again shortly")
        try:
            yield
        finally:
            self._semaphore.release()
