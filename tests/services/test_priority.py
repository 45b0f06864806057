"""Heavy instructor work runs at the lowest CPU priority, on a thread of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.demos.registry import demo_ids
from grader.rubrics.loader import rubric_from_bytes
from grader.services.priority import LOWEST, at_low_priority, in_low_priority_process


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


def test_pure_python_work_runs_in_a_helper_process_at_nice_19() -> None:
    """A thread at nice 19 still holds the interpreter's lock while it parses; a process does
    not share it."""
    assert in_low_priority_process(os.getpid) != os.getpid()
    assert in_low_priority_process(os.getpriority, os.PRIO_PROCESS, 0) == LOWEST
    assert os.getpriority(os.PRIO_PROCESS, 0) != LOWEST


def test_a_rubric_is_parsed_and_checked_in_the_helper_as_in_process() -> None:
    source = Path("rubrics/what-is-echo-state-network.yaml")
    data = source.read_bytes()
    apart = in_low_priority_process(rubric_from_bytes, data, source, frozenset(demo_ids()))
    assert apart == rubric_from_bytes(data, source, demo_ids())
    broken = in_low_priority_process(rubric_from_bytes, b"id: x\nprompt: [", source, None)
    assert isinstance(broken, list) and broken[0].line >= 1


def test_the_helper_ends_when_the_server_is_killed() -> None:
    """A server killed with SIGKILL runs no exit handler: its helper must not live on."""
    server = subprocess.run(
        [sys.executable, "-c", "import os, signal\n"
         "from grader.services.priority import in_low_priority_process\n"
         "print(in_low_priority_process(os.getpid), flush=True)\n"
         "os.kill(os.getpid(), signal.SIGKILL)\n"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    helper = int(server.stdout.strip())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{helper}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{helper}").exists()
