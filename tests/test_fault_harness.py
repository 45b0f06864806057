"""The fault harness fails (non-zero) when a phase could not complete, not only on lost data."""

from __future__ import annotations

from typing import Any

from bench.fault_harness import held_receivers, incomplete_phases


def test_a_rubric_edit_window_whose_saves_never_came_back_is_a_failure() -> None:
    """Its first 256 KB save timed out on a loaded machine: "saves: {}" and exit 0."""
    report: dict[str, Any] = {
        "postgresql": {"rubric_edits_under_load": {
            "none": {"saves": {}},
            "nesting_bomb": {"saves": {"422": 16}},
            "valid_256kb": {"saves": {"ReadTimeout": 1}},
        }},
        "sqlite": {"rubric_edits_under_load": {"valid_256kb": {"saves": {}}}},
    }  # fmt: skip
    assert incomplete_phases(report) == [
        "postgresql: the valid_256kb saves never completed ({'ReadTimeout': 1})",
        "sqlite: the valid_256kb saves never completed (none)",
    ]
    report["postgresql"]["rubric_edits_under_load"]["valid_256kb"]["saves"] = {"204": 3}
    report["sqlite"]["rubric_edits_under_load"]["valid_256kb"]["saves"] = {"503": 2, "204": 1}
    assert incomplete_phases(report) == []


def test_a_receiver_holding_a_try_past_the_deadline_or_the_workers_memory_is_a_failure() -> None:
    report: dict[str, Any] = {
        "trickle": {"tries": 3, "longest_try_s": 2.4},
        "huge": {"tries": 0, "longest_try_s": 0.0},
        "deadline_s": 2.0,
        "worker_peak_rss_mb_before": 93.0,
        "worker_peak_rss_mb_after": 1851.0,
    }
    assert held_receivers(report) == [
        "the huge receiver was never tried",
        "the worker's memory grew from 93.0 to 1851.0 MB",
    ]
    report["trickle"]["longest_try_s"] = 58.0
    report["huge"] = {"tries": 2, "longest_try_s": 0.4}
    assert held_receivers(report) == ["the trickle receiver held a try 58.0 s",
                                      "the worker's memory grew from 93.0 to 1851.0 MB"]  # fmt: skip
    report["trickle"]["longest_try_s"], report["worker_peak_rss_mb_after"] = 2.1, 101.0
    assert held_receivers(report) == []
