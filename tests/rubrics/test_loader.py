"""Rubric validation: precise errors for bad files, the rest of the set still loads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.rubrics.loader import Problem, load_rubric_file, load_rubric_set
from tests.conftest import REPO_ROOT

GOOD = """\
id: sample
prompt: What are the challenges?
topic: Gradients
max_points: 2
reference_answer: Vanishing and exploding gradients
criteria:
  - id: vanishing
    text: Vanishing gradients
    points: 1
  - id: exploding
    text: Exploding gradients
    points: 1
"""


def _problems(tmp_path: Path, text: str | bytes, name: str = "sample.yaml") -> list[Problem]:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = load_rubric_file(path, known_demos={"echo-state-network"}, max_bytes=64 * 1024)
    assert isinstance(result, list), "expected the rubric to be refused"
    return result


def test_a_good_rubric_loads_with_a_version_hash(tmp_path: Path) -> None:
    path = tmp_path / "sample.yaml"
    path.write_text(GOOD, encoding="utf-8")
    loaded = load_rubric_file(path)
    assert not isinstance(loaded, list)
    assert loaded.rubric.max_points == 2
    path.write_text(GOOD + "# a comment changes the version\n", encoding="utf-8")
    again = load_rubric_file(path)
    assert not isinstance(again, list)
    assert again.version != loaded.version


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        (
            GOOD.replace("    points: 1\n  - id: exploding", "    pionts: 1\n  - id: exploding"),
            9,
            "criteria[0].pionts",
            "unknown field",
        ),
        (GOOD.replace("max_points: 2", "max_points: two"), 4, "max_points", "valid number"),
        (GOOD.replace("max_points: 2", "max_points: 3"), 4, "max_points", "add up to 2"),
        (GOOD.replace("id: exploding", "id: vanishing"), 10, "criteria[1].id", "duplicate id"),
        (GOOD + "select:\n  any: 3\n", 14, "select.any", "only 2 criteria"),
        (
            GOOD + "select:\n  any: 1\n  of: [vanishing, nope]\n",
            15,
            "select.of[1]",
            "no criterion with id 'nope'",
        ),
        (GOOD + "demo: no-such-demo\n", 13, "demo", "unknown demo"),
        (GOOD.replace("id: sample", "id: other"), 1, "id", "file is named 'sample.yaml'"),
        (
            GOOD.replace("    text: Exploding gradients\n", ""),
            10,
            "criteria[1].text",
            "Field required",
        ),
        (
            GOOD + "misconceptions:\n  - id: m\n    text: x\n    criterion: ghost\n",
            16,
            "misconceptions[0].criterion",
            "no criterion",
        ),
    ],
)
def test_field_problems_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, fragment: str
) -> None:
    problems = _problems(tmp_path, text)
    assert any(p.line == line and p.field == field and fragment in p.message for p in problems), (
        problems
    )
    assert str(problems[0]).startswith(f"{tmp_path / 'sample.yaml'}:")


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        ("id: [unclosed\n", 2, "flow sequence"),
        ("a: &x [1, 2]\nb: *x\n", 1, "anchors and aliases"),
        (b"id: caf\xe9\n", 1, "not UTF-8"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("", 1, "must be a mapping"),
        ("id: a\nid: b\n", 2, "duplicate key"),
        # Past Python's 4,300-digit limit an integer is a ValueError with no line: refused first.
        ("id: a\n\nmax_points: " + "9" * 5_000 + "\n", 3, "a number of over 40 digits"),
        # A NUL through a YAML escape: no database column holds it (500s on PostgreSQL pages).
        ('id: a\ncriteria:\n  - text: "Google\\0 Street view"\n', 3, "control character (U+0000)"),
        ('id: a\nprompt: "bell\\a"\n', 2, "control character (U+0007)"),
    ],
)
def test_unreadable_documents_are_refused_with_a_line(
    tmp_path: Path, data: str | bytes, line: int, fragment: str
) -> None:
    (problem,) = _problems(tmp_path, data)
    assert (problem.line, fragment in problem.message) == (line, True), problem


def test_a_yaml_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    (problem,) = _problems(tmp_path, "\n".join(levels) + "\n")
    assert "anchors and aliases" in problem.message


@pytest.mark.parametrize(
    ("bomb", "line"),
    [
        ("id: x\nprompt: " + "[" * 20_000 + "]" * 20_000 + "\n", 2),
        ("id: x\ncriteria: " + "{a: " * 2_000 + "\n", 2),
        ("id: x\nhints:\n" + "".join("  " * i + "- \n" for i in range(40)), 14),
    ],
)
def test_a_nesting_bomb_is_refused_at_its_line_before_it_is_parsed(
    tmp_path: Path, bomb: str, line: int
) -> None:
    (problem,) = _problems(tmp_path, bomb)
    assert "nested over 12 levels deep" in problem.message and problem.line == line


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("max_points: 2\n", "max_points: 2\npoints_step: 1.0e-309\n", "points_step"),
        ("    points: 1\n", "    points: 0.001\n", "criteria[0].points"),
        ("max_points: 2\n", "max_points: .inf\n", "max_points"),
    ],
)
def test_every_number_a_rubric_holds_is_bounded(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    """A step of 1e-309 was accepted, then every answer's rounding overflowed (a 500)."""
    problems = _problems(tmp_path, GOOD.replace(old, new, 1))
    assert any(p.field == field for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ("    points: 1\n", "    points: true\n", "criteria[0].points", "not true"),
        (
            "max_points: 2\n",
            "max_points: 2\nreference_after_attempts: false\n",
            "reference_after_attempts",
            "not false",
        ),
        ("max_points: 2\n", "max_points: 2\npoints_step: yes\n", "points_step", "valid number"),
        ("max_points: 2\n", "max_points: 2\npoints_step: 5\n", "points_step", "more than"),
    ],
)
def test_a_number_is_a_number_and_a_step_fits_the_question(
    tmp_path: Path, old: str, new: str, field: str, says: str
) -> None:
    """`points: true` was read as 1 and a step of 5 on a 2-point question as every grade 0 or 2,
    silently."""
    problems = _problems(tmp_path, GOOD.replace(old, new, 1))
    assert any(p.field == field and says in p.message for p in problems), problems
    assert not any("Value error" in p.message for p in problems), problems  # for a person


def test_a_number_written_as_text_is_still_a_number(tmp_path: Path) -> None:
    """Rubrics that quoted their numbers loaded before; they still do."""
    path = tmp_path / "sample.yaml"
    path.write_text(GOOD.replace("    points: 1\n", '    points: "1"\n'))
    loaded = load_rubric_file(path, known_demos=set(), max_bytes=65536)
    assert not isinstance(loaded, list) and loaded.rubric.criteria[0].points == 1.0


def test_a_step_of_the_whole_question_grades_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sample.yaml"
    path.write_text(GOOD.replace("max_points: 2\n", "max_points: 2\npoints_step: 2\n", 1))
    assert not isinstance(load_rubric_file(path, known_demos=set(), max_bytes=65536), list)


def test_tabs_and_line_breaks_are_text(tmp_path: Path) -> None:
    path = tmp_path / "sample.yaml"
    path.write_text(GOOD.replace("prompt: What", 'prompt: "Tab\\there: what', 1).replace(
        "challenges?", 'challenges?"', 1), encoding="utf-8")  # fmt: skip
    assert not isinstance(load_rubric_file(path, known_demos=set(), max_bytes=65536), list)


def test_brackets_in_prose_open_nothing(tmp_path: Path) -> None:
    prose = GOOD.replace("prompt: ", "prompt: see " + "[1] and {2} and " * 20, 1)
    path = tmp_path / "sample.yaml"
    path.write_text(prose, encoding="utf-8")
    loaded = load_rubric_file(path, known_demos=set(), max_bytes=64 * 1024)
    assert not isinstance(loaded, list), loaded


def test_too_many_values_are_refused(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, GOOD + "notes: [" + "n, " * 6_000 + "n]\n")
    assert "over 5000 values" in problem.message


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, GOOD + "# padding\n" * 1_000_000)
    assert "over the 65536-byte limit" in problem.message


def test_one_bad_file_does_not_stop_the_others_and_nothing_is_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / "rubrics"
    shutil.copytree(REPO_ROOT / "rubrics", folder)
    (folder / "broken.yaml").write_text("id: broken\nprompt: [\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    rubric_set = load_rubric_set([folder])
    assert len(rubric_set.rubrics) == 6
    assert [p.path.name for p in rubric_set.problems] == ["broken.yaml"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_missing_paths_are_problems(tmp_path: Path) -> None:
    rubric_set = load_rubric_set([tmp_path / "nope"])
    assert [p.message for p in rubric_set.problems] == ["no such file or folder"]


def test_one_check_reports_schema_and_consistency_mistakes_together(tmp_path: Path) -> None:
    """Three mistakes of different kinds, one run: a bad field, a wrong demo, a wrong id."""
    name = "what-is-echo-state-network"
    text = (REPO_ROOT / "rubrics" / f"{name}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {name}", "id: echo-typo", 1)
    text = text.replace("prompt: What is Echo state network?", "prompt: [not, text]", 1)
    text = text.replace("demo: echo-state-network", "demo: no-such-demo", 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    problems = load_rubric_file(path, known_demos={"echo-state-network"})
    assert isinstance(problems, list)
    assert sorted(p.field for p in problems) == ["demo", "id", "prompt"]
    lines = {p.field: p.line for p in problems}
    assert text.splitlines()[lines["demo"] - 1].startswith("demo:")
