"""Public graded sets: cloned at a pinned commit, converted to one CSV layout, loaded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest

from grader.evaluation import public_sets
from grader.evaluation.public_sets import PUBLIC_SETS, PublicSet, fetch, load_public


def _xlsx(path: Path, rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def powergrading_repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository laid out like the Powergrading copy, with a few answers."""
    repo = tmp_path / "owner+pg"
    _xlsx(
        repo / "dataset/questions_answer_key.xlsx",
        [
            ["Q#", "Question", "Answers"],
            ["1", "What are the first ten amendments called?", "the Bill of Rights"],
            ["2", "Name one right from the First Amendment.", "speech", "religion", "press"],
        ],
    )
    _xlsx(
        repo / "dataset/studentanswers_grades_698.xlsx",
        [
            ["student", "Q#", "answer", "G1", "G2", "G3"],
            ["s1", "1", "bill of rights", "1", "1", "1"],
            ["s1", "2", "freedom of speech", "1", "0", "1"],
            ["s2", "1", "the constitution", "0", "0", "0"],
            ["s2", "9", "not graded", "-1", "-1", "-1"],
        ],
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "data")
    return repo, _git(repo, "rev-parse", "HEAD")


def test_fetch_checks_out_the_pinned_commit_and_writes_shares(
    powergrading_repo: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, commit = powergrading_repo
    spec = PUBLIC_SETS["powergrading"]
    pinned = PublicSet(
        spec.name, "owner/pg", commit, spec.licence, spec.grades, spec.convert, spec.paths
    )
    monkeypatch.setitem(public_sets.PUBLIC_SETS, "powergrading", pinned)
    written = fetch(["powergrading"], tmp_path / "data", str(tmp_path / "{owner}+{name}"))
    assert written == {"powergrading": 3}  # the ungraded question is left out
    items = load_public(tmp_path / "data" / "powergrading.csv")
    assert [round(i.gold, 4) for i in items] == [1.0, 0.6667, 0.0]
    second = items[1].rubric.criteria[0]
    assert second.text == "speech" and second.phrasings == ["religion", "press"]
    assert items[0].rubric.prompt == "What are the first ten amendments called?"
    assert {i.group for i in items} == {"powergrading 1", "powergrading 2"}


def test_a_commit_that_is_not_there_fails_and_writes_nothing(
    powergrading_repo: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = PUBLIC_SETS["powergrading"]
    wrong = PublicSet(
        spec.name, "owner/pg", "0" * 40, spec.licence, spec.grades, spec.convert, spec.paths
    )
    monkeypatch.setitem(public_sets.PUBLIC_SETS, "powergrading", wrong)
    with pytest.raises(subprocess.CalledProcessError):
        fetch(["powergrading"], tmp_path / "data", str(tmp_path / "{owner}+{name}"))
    assert not (tmp_path / "data" / "powergrading.csv").exists()


def test_asap_and_digiklausur_grades_become_shares_of_their_own_scale(tmp_path: Path) -> None:
    _xlsx(
        tmp_path / "asap.xlsx",
        [
            ["id", "dataset", "question_id", "question", "real_answer", "answer", "score"],
            [0, "asap", 1, None, "ref one", "an answer", 3],  # prompt 1 is out of 3
            [1, "asap", 3, None, "ref three", "another", 1],  # prompt 3 is out of 2
        ],
    )
    shares = [row["share"] for row in PUBLIC_SETS["asap"].convert(tmp_path)]
    assert shares == ["1.0000", "0.5000"]
    folder = tmp_path / "Dataset/asag_datasets/nn_exam/cleaned"
    folder.mkdir(parents=True)
    (folder / "questions.csv").write_text(
        "\tid\tquestion\tsolution\n0\t1\tWhat is a neuron?\t A unit that sums its inputs.\n"
    )
    (folder / "answers.csv").write_text("\tid\tanswer\tscore\n0\t1\tIt adds inputs.\t1\n")
    rows = list(PUBLIC_SETS["digiklausur"].convert(tmp_path))
    assert rows == [
        {
            "question_id": "1",
            "question": "What is a neuron?",
            "reference": "A unit that sums its inputs.",
            "answer": "It adds inputs.",
            "share": "0.5000",
        }
    ]


def test_every_set_says_its_licence_and_pins_a_commit() -> None:
    for spec in PUBLIC_SETS.values():
        assert len(spec.commit) == 40 and spec.licence and spec.grades and spec.paths
