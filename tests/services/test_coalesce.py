"""Refits that arrive while one runs fold into one more run, with the newest request."""

from __future__ import annotations

import threading

import pytest

from grader.services.coalesce import Coalescing


def test_requests_during_a_run_fold_into_one_more_run_with_the_newest() -> None:
    coalescing: Coalescing[int] = Coalescing()
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def work(value: int) -> None:
        ran.append(value)
        if value == 1:
            started.set()
            release.wait(10)

    first = threading.Thread(target=coalescing.run, args=("q", 1, work))
    first.start()
    assert started.wait(10)
    assert [coalescing.run("q", n, work) for n in (2, 3, 4)] == [False, False, False]
    assert coalescing.run("other", 9, work)  # another key runs at once
    release.set()
    first.join(10)
    assert ran == [1, 9, 4]
    assert coalescing.run("q", 5, work) and ran[-1] == 5  # idle again: runs at once


def test_a_failed_run_frees_its_key() -> None:
    coalescing: Coalescing[int] = Coalescing()

    def fails(value: int) -> None:
        raise RuntimeError("no database")

    with pytest.raises(RuntimeError):
        coalescing.run("q", 1, fails)
    seen: list[int] = []
    assert coalescing.run("q", 2, seen.append) and seen == [2]
