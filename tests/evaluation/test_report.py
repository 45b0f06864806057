"""Figures printed as JSON and saved where asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.evaluation.report import emit


def test_a_report_is_printed_and_saved_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = {"mohler": {"pearson_r": 0.584}, "answers": 2273}
    emit(report, None)
    assert json.loads(capsys.readouterr().out) == report
    assert not list(tmp_path.iterdir())
    saved = tmp_path / "figures.json"
    emit(report, saved)
    assert json.loads(capsys.readouterr().out) == report
    text = saved.read_text(encoding="utf-8")
    assert json.loads(text) == report and text.endswith("}\n")
