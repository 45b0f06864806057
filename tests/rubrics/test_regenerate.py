"""Regeneration is idempotent and never clobbers an instructor's edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.errors import ContentError
from grader.rubrics.loader import load_rubric_set
from grader.rubrics.regenerate import generate_rubrics
from tests.conftest import EXAM, REPO_ROOT

RNN_CNN = "write-any-two-differences-between-rnn-and-cnn"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    copy = tmp_path / "exam.md"
    shutil.copy(EXAM, copy)
    return copy


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_generation_writes_six_valid_rubrics(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    report = generate_rubrics(source, out)
    assert len(report.created) == 6
    rubric_set = load_rubric_set([out], known_demos=set())
    assert rubric_set.problems == []
    assert len(rubric_set.rubrics) == 6


def test_regeneration_is_idempotent_and_touches_nothing(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    generate_rubrics(source, out)
    before = _snapshot(out)
    report = generate_rubrics(source, out)
    assert len(report.unchanged) == 6
    assert report.created == report.updated == report.edited == []
    assert _snapshot(out) == before


def test_a_hand_edited_rubric_survives_regeneration_byte_for_byte(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rubrics"
    generate_rubrics(source, out)
    path = out / f"{RNN_CNN}.yaml"
    edited = (
        path.read_text(encoding="utf-8")
        .replace(
            "topic: RNN vs CNN", "topic: RNN vs CNN  # renamed by the instructor\n# a note of mine"
        )
        .replace("hints:\n", "hints:\n  - Think about images versus text.\n")
    )
    path.write_text(edited, encoding="utf-8")
    original_bytes = path.read_bytes()

    report = generate_rubrics(source, out)
    assert report.edited == [RNN_CNN]
    assert path.read_bytes() == original_bytes

    # Even when its question changes in the source, the edit wins; the report says so.
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "Process longer sequences", "Process long sequences"
        ),
        encoding="utf-8",
    )
    report = generate_rubrics(source, out)
    assert report.edited_and_source_changed == [RNN_CNN]
    assert path.read_bytes() == original_bytes
    assert load_rubric_set([path]).problems == []


def test_an_unedited_rubric_follows_changes_in_the_source(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    generate_rubrics(source, out)
    source.write_text(
        source.read_text(encoding="utf-8").replace(
            "Google Street view", "Google Street View house numbers"
        ),
        encoding="utf-8",
    )
    report = generate_rubrics(source, out)
    (updated,) = report.updated
    assert "Google Street View house numbers" in (out / f"{updated}.yaml").read_text(
        encoding="utf-8"
    )


def test_new_questions_merge_in_and_removed_ones_are_reported_not_deleted(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rubrics"
    generate_rubrics(source, out)
    text = source.read_text(encoding="utf-8")
    text = text.replace(
        "- 3. Give a real world application of visual attention Google Street view\n", ""
    )
    text = text.replace("- 4.", "- 3.").replace("5. What", "4. What").replace("6. what", "5. what")
    text += "\n\n6. What does BPTT stand for? Backpropagation through time\n"
    source.write_text(text, encoding="utf-8")
    report = generate_rubrics(source, out)
    assert report.created == ["what-does-bptt-stand-for"]
    assert report.orphaned == ["give-a-real-world-application-of-visual-attention"]
    assert (out / "give-a-real-world-application-of-visual-attention.yaml").exists()
    assert len(report.unchanged) + len(report.updated) == 5


def test_an_unparseable_document_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("1. First? a\n3. Third? c\n", encoding="utf-8")
    out = tmp_path / "rubrics"
    with pytest.raises(ContentError):
        generate_rubrics(bad, out)
    assert not out.exists() or not any(out.iterdir())


def test_the_committed_rubrics_are_what_generation_produces(tmp_path: Path) -> None:
    """The shipped rubrics/ either match a fresh generation or were edited by hand on purpose."""
    out = tmp_path / "rubrics"
    generate_rubrics(EXAM, out, document_name="content/deep-learning-exam.md")
    committed = REPO_ROOT / "rubrics"
    for generated in out.iterdir():
        shipped = committed / generated.name
        assert shipped.exists(), f"{generated.name} is missing from rubrics/"
    assert load_rubric_set([committed]).problems == []


def test_the_seed_exam_still_generates_its_six_rubrics_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    from grader.demos.registry import demo_for_questions

    report = generate_rubrics(
        EXAM, out, document_name="content/deep-learning-exam.md", demos=demo_for_questions()
    )
    assert len(report.created) == 6
    for generated in out.iterdir():
        assert generated.read_bytes() == (REPO_ROOT / "rubrics" / generated.name).read_bytes()
