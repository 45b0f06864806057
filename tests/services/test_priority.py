"""Heavy instructor work runs at the lowest CPU priority, on a thread of its own."""

from __future__ import annotations

import os
import threading

import pytest

from grader.services.priority import LOWEST, at_low_priority


def test_the_work_runs_at_nice_19_and_the_caller_keeps_its_priority() -> None:
    caller = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = at_low_priority(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert seen == LOWEST
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == caller


def test_the_works_error_reaches_the_caller() -> None:
    def broken() -> None:
        raise ValueError("bad rubric")

    with pytest.raises(ValueError, match="bad rubric"):
        at_low_priority(broken)
