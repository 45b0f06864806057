"""Public human-graded short-answer sets beyond the shared ones: fetched, converted, loaded.

None of them is committed to this repository: their licences do not allow it (ASAP-SAS comes
under Kaggle's competition rules, Powergrading under Microsoft Research's data licence, the
DigiKlausur copy states no licence) or, for STITA (CC BY-SA 4.0), keeping one rule for all is
simpler. ``grader data fetch`` clones each source repository at a pinned commit and converts
its files into one CSV per data set in a cache folder, with the same columns for all:

    dataset, question_id, question, reference, answer, share

``share`` is the human grade as a share of the question's marks (0..1). What each set's
grade means, and how it becomes a share, is in :data:`PUBLIC_SETS`.
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.learning.graded import GradedAnswer, reference_rubric

COLUMNS = ("dataset", "question_id", "question", "reference", "answer", "share")
DEFAULT_URL_TEMPLATE = "https://github.com/{owner}/{name}.git"

Row = dict[str, str]


@dataclass(frozen=True)
class PublicSet:
    name: str
    repo: str  # owner/name on GitHub
    commit: str
    licence: str
    grades: str  # what the grade is and how it becomes a share
    convert: Callable[[Path], Iterator[Row]]
    paths: tuple[str, ...]  # the files it reads (only these are checked out)


def _xlsx_rows(path: Path) -> list[tuple[object, ...]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows: list[tuple[object, ...]] = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return rows


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _powergrading(root: Path) -> Iterator[Row]:
    """Basu et al. 2013: US citizenship questions, crowd answers, three graders' 0/1 each."""
    key = _xlsx_rows(root / "dataset/questions_answer_key.xlsx")[1:]
    questions = {
        _text(r[0]): (_text(r[1]), [_text(c) for c in r[2:] if _text(c)]) for r in key if r[0]
    }
    for row in _xlsx_rows(root / "dataset/studentanswers_grades_698.xlsx")[1:]:
        number, answer = _text(row[1]), _text(row[2])
        grades = [int(_text(g)) for g in row[3:6] if _text(g) not in ("", "-1")]
        if len(grades) != 3 or number not in questions:
            continue  # -1: that question was not graded
        question, references = questions[number]
        yield {
            "question_id": number,
            "question": question,
            "reference": " || ".join(references),
            "answer": answer,
            "share": f"{sum(grades) / 3:.4f}",
        }


# ASAP-SAS prompts are scored 0..3 (1, 2, 5, 6) or 0..2 (the others).
_ASAP_MAX = {"1": 3, "2": 3, "5": 3, "6": 3}


def _asap(root: Path) -> Iterator[Row]:
    """ASAP-SAS (Hewlett Foundation 2012) as prepared by del Gobbo et al. 2023: 10 prompts."""
    for row in _xlsx_rows(root / "asap.xlsx")[1:]:
        number = _text(row[2])
        if not number or row[6] is None:
            continue
        yield {
            "question_id": number,
            "question": _text(row[3]),
            "reference": _text(row[4]),
            "answer": _text(row[5]),
            "share": f"{float(_text(row[6])) / _ASAP_MAX.get(number, 2):.4f}",
        }


def _stita(root: Path) -> Iterator[Row]:
    """STITA (del Gobbo et al. 2023): statistics course answers, translated, graded 0..1."""
    for row in _xlsx_rows(root / "stita.xlsx")[1:]:
        if row[6] is None or not _text(row[2]):
            continue
        yield {
            "question_id": _text(row[2]),
            "question": _text(row[3]),
            "reference": _text(row[4]),
            "answer": _text(row[5]),
            "share": f"{min(1.0, max(0.0, float(_text(row[6])))):.4f}",
        }


def _digiklausur(root: Path) -> Iterator[Row]:
    """A neural-networks exam (Hochschule Bonn-Rhein-Sieg), graded 0, 1 or 2."""
    folder = root / "Dataset/asag_datasets/nn_exam/cleaned"
    with (folder / "questions.csv").open(encoding="utf-8", newline="") as handle:
        questions = {
            r["id"].strip(): (r["question"].strip(), r["solution"].strip())
            for r in csv.DictReader(handle, delimiter="\t")
        }
    with (folder / "answers.csv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle, delimiter="\t"):
            number = r["id"].strip()
            if number not in questions or not r["score"].strip():
                continue
            question, reference = questions[number]
            yield {
                "question_id": number,
                "question": question,
                "reference": reference,
                "answer": r["answer"].strip(),
                "share": f"{float(r['score']) / 2:.4f}",
            }


PUBLIC_SETS: dict[str, PublicSet] = {
    s.name: s
    for s in (
        PublicSet(
            "powergrading",
            "beingRD/CPSC5306-DataMiningProject",
            "505ceaeddf1d6cb933633e63a5af4a498a6856f1",
            "Microsoft Research data licence (the original download); not redistributed",
            "three graders' 0/1 each; share = their mean",
            _powergrading,
            ("dataset/questions_answer_key.xlsx", "dataset/studentanswers_grades_698.xlsx"),
        ),
        PublicSet(
            "asap",
            "edgresearch/dataset-automaticgrading-2022",
            "ddfbdc4033594792e29e9e0eabbe23e495d5189e",
            "Kaggle competition rules (ASAP-SAS); not redistributed",
            "0..3 (prompts 1, 2, 5, 6) or 0..2; share = score / max",
            _asap,
            ("asap.xlsx",),
        ),
        PublicSet(
            "stita",
            "edgresearch/dataset-automaticgrading-2022",
            "ddfbdc4033594792e29e9e0eabbe23e495d5189e",
            "CC BY-SA 4.0; fetched like the others",
            "a share 0..1 already",
            _stita,
            ("stita.xlsx",),
        ),
        PublicSet(
            "digiklausur",
            "Ganesamanian/Computer-Assisted-Short-Answer-Grading-with-Rubrics-using-Active-Learning",
            "a9eecbd6711b3d5c34d1604e64db82a7b7b68802",
            "none stated; not redistributed",
            "0, 1 or 2; share = score / 2",
            _digiklausur,
            (
                "Dataset/asag_datasets/nn_exam/cleaned/questions.csv",
                "Dataset/asag_datasets/nn_exam/cleaned/answers.csv",
            ),
        ),
    )
}


def write_rows(name: str, rows: Iterator[Row], target: Path) -> int:
    """One data set's rows as CSV (written to a temporary file, then moved into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    count = 0
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            if row["answer"]:
                writer.writerow({"dataset": name, **row})
                count += 1
    partial.replace(target)
    return count


def fetch(
    names: list[str], data_dir: Path, url_template: str = DEFAULT_URL_TEMPLATE
) -> dict[str, int]:
    """Clone each set's repository at its pinned commit and convert it; answers per set."""
    written: dict[str, int] = {}
    by_repo: dict[tuple[str, str], list[PublicSet]] = {}
    for name in names:
        spec = PUBLIC_SETS[name]
        by_repo.setdefault((spec.repo, spec.commit), []).append(spec)
    for (repo, commit), specs in by_repo.items():
        owner, _, repo_name = repo.partition("/")
        url = url_template.format(owner=owner, name=repo_name, repo=repo)
        with tempfile.TemporaryDirectory() as scratch:
            checkout = Path(scratch) / "repo"
            # Only the files read are checked out: some of these repositories hold paths that
            # do not check out on every file system.
            paths = sorted({path for spec in specs for path in spec.paths})
            git = ["git", "-C", str(checkout)]
            subprocess.run(
                ["git", "clone", "--quiet", "--no-checkout", url, str(checkout)], check=True
            )
            subprocess.run([*git, "checkout", "--quiet", commit, "--", *paths], check=True)
            for spec in specs:
                target = data_dir / f"{spec.name}.csv"
                written[spec.name] = write_rows(spec.name, spec.convert(checkout), target)
    return written


def load_public(path: Path) -> list[GradedAnswer]:
    """A converted set as graded answers; one reference rubric per question (alternative
    references as phrasings); the cross-validation group is the question."""
    rubrics = {}
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = f"{row['dataset']} {row['question_id']}"
            if key not in rubrics:
                references = [r.strip() for r in row["reference"].split(" || ") if r.strip()]
                prompt = row["question"] or f"Question {row['question_id']} of {row['dataset']}"
                rubrics[key] = reference_rubric(key, prompt, references[0], references[1:])
            items.append(
                GradedAnswer(
                    rubric=rubrics[key],
                    answer=row["answer"],
                    gold=float(row["share"]),
                    group=key,
                    corpus=row["dataset"],
                )
            )
    return items
