"""The fault harness fails (non-zero) when a phase could not complete, not only on lost data."""

from __future__ import annotations

from typing import Any

from bench.fault_harness import incomplete_phases


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
