"""The command line, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.evaluation.seed import load_seed_answers
from tests.conftest import EXAM, REPO_ROOT
from tests.database import stored_grade
from tests.learning.lenient import LENIENT_GRADES, QUESTION

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "rubrics"):
        assert command in result.output
    result = runner.invoke(app, ["rubrics", "--help"])
    assert "generate" in result.output and "check" in result.output


def test_generate_then_check(tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    result = runner.invoke(app, ["rubrics", "generate", str(EXAM), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 created" in result.output
    result = runner.invoke(app, ["rubrics", "check", str(out)])
    assert result.exit_code == 0, result.output
    assert "6 rubrics valid, 0 problems" in result.output


def test_generate_uses_the_rubrics_dir_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_RUBRICS_DIR", str(tmp_path / "course"))
    result = runner.invoke(app, ["rubrics", "generate", str(EXAM)])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "course").glob("*.yaml"))) == 6


def test_check_reports_file_line_field_and_fails(tmp_path: Path) -> None:
    folder = tmp_path / "rubrics"
    shutil.copytree(REPO_ROOT / "rubrics", folder)
    target = folder / "what-is-echo-state-network.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace("max_points: 4", "max_points: 5"),
        encoding="utf-8",
    )
    line = next(
        i
        for i, text in enumerate(target.read_text().splitlines(), 1)
        if text.startswith("max_points")
    )
    result = runner.invoke(app, ["rubrics", "check", str(folder)])
    assert result.exit_code == 1
    assert f"{target}:{line}: max_points: is 5 but the criteria add up to 4" in result.output
    assert "5 rubrics valid, 1 problem" in result.output


def test_check_grades_each_rubrics_own_reference_answer(tmp_path: Path) -> None:
    """A lecturer's check before the exam: the model grades each reference answer, and one
    whose key points it does not find there is named, with those key points."""
    folder = tmp_path / "rubrics"
    shutil.copytree(REPO_ROOT / "rubrics", folder)
    target = folder / "what-are-the-challenges-of-long-term-dependencies.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace(
            "reference_answer: Vanishing and exploding gradients",
            "reference_answer: The network has too few layers to remember anything.",
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rubrics", "check", "--grade-reference", str(folder)])
    assert result.exit_code == 0, result.output  # a warning, not a problem with the file
    assert f"warning: {target}: its own reference answer earns only 0 of 2" in result.output
    assert "not met: vanishing-gradients (0 of 1 point)" in result.output
    echo = folder / "what-are-the-learning-models-used-for-creating-adversarial.yaml"
    assert f"{echo}: its reference answer earns 2 of 2, correct" in result.output
    assert "6 rubrics valid, 0 problems; 1 reference answer not graded correct" in result.output


def test_check_names_the_line_of_a_number_too_long(tmp_path: Path) -> None:
    """A 5,000-digit integer was a traceback without file:line (and one bad file stopped
    `grader serve`: now the file is a problem like any other, and the rest load)."""
    folder = tmp_path / "rubrics"
    shutil.copytree(REPO_ROOT / "rubrics", folder)
    target = folder / "what-is-echo-state-network.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("max_points: 4", "max_points: " + "9" * 5_000), encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("max_points"))
    result = runner.invoke(app, ["rubrics", "check", str(folder)])
    assert (result.exit_code == 1 and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert f"{target}:{line}: a number of over 40 digits" in result.output
    assert "Traceback" not in result.output and "5 rubrics valid, 1 problem" in result.output


def test_generate_reports_a_bad_document_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("1. One? a\n\n3. Three? c\n", encoding="utf-8")
    result = runner.invoke(app, ["rubrics", "generate", str(bad), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert f"{bad}:3: question numbering jumps from 1 to 3" in result.output


def test_an_unreadable_question_is_named_and_skipped_and_the_others_are_written(
    tmp_path: Path,
) -> None:
    scheme = REPO_ROOT / "tests" / "data" / "documents" / "marking-scheme.md"
    out = tmp_path / "r"
    result = runner.invoke(app, ["rubrics", "generate", str(scheme), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{scheme}:11: question 3 has no answer" in result.output
    assert "4 questions; 4 created" in result.output and "1 not read" in result.output
    assert len(list(out.glob("*.yaml"))) == 4
    assert runner.invoke(app, ["rubrics", "check", str(out)]).exit_code == 0
    for text in (p.read_text(encoding="utf-8") for p in out.glob("*.yaml")):
        assert ": ''" not in text and ": []\n" not in text.replace("phrasings: []", "")
    strict = tmp_path / "strict"
    result = runner.invoke(
        app, ["rubrics", "generate", str(scheme), "--out", str(strict), "--strict"]
    )
    assert result.exit_code == 1 and "question 3 has no answer" in result.output
    assert not list(strict.glob("*.yaml"))  # stopped at the first: nothing written


def test_a_database_that_does_not_exist_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "GRADER_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/"
           "grader_no_such_database"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "db", "upgrade"], env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot use the database" in lines[0] and "grader_no_such_database" in lines[0]
    assert "does not exist" in lines[0] and "Traceback" not in done.stderr


def test_check_with_no_rubrics_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rubrics", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "no rubric files found" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_prints_the_rubric_set_and_answers_health_over_http(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "GRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'grader.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # the model loads at start-up
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200
        health = response.json()
        assert health["model"].startswith("onnx-fp32:model:")  # the default backend
        assert {k: health[k] for k in ("status", "rubrics", "rubric_problems", "database")} == {
            "status": "ok",
            "rubrics": 6,
            "rubric_problems": 0,
            "database": True,
        }
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "6 rubrics loaded from rubrics" in output
    assert (
        "write-any-two-differences-between-rnn-and-cnn  [RNN vs CNN]  2 points, 4 key points"
        in output
    )


def test_serve_on_a_port_in_use_says_so_before_loading_anything(tmp_path: Path) -> None:
    """It said "[Errno 98]" after loading the model for seconds, naming no setting."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "GRADER_DATABASE_URL": f"sqlite:///{tmp_path / 'grader.db'}",
               "GRADER_PORT": str(port)}  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "grader.cli", "serve"], cwd=REPO_ROOT, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "GRADER_PORT" in done.stderr
    assert "Errno" not in done.stderr and "Traceback" not in done.stderr
    assert "rubrics loaded" not in done.stdout  # nothing was loaded first
    assert time.monotonic() - started < 30


def test_grade_prints_one_json_grade(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "grade",
            "what-are-the-challenges-of-long-term-dependencies",
            "Vanishing and exploding gradients.",
        ],
    )
    assert result.exit_code == 0, result.output
    grade = json.loads(result.output.strip().splitlines()[-1])
    assert grade["verdict"] == "correct"
    assert {c["id"] for c in grade["criteria"]} == {"vanishing-gradients", "exploding-gradients"}


def test_grade_a_file_of_answers_in_order(tmp_path: Path) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text("Vanishing and exploding gradients.\n\nI like pizza.\n", encoding="utf-8")
    result = runner.invoke(
        app, ["grade", "what-are-the-challenges-of-long-term-dependencies", "--file", str(answers)]
    )
    assert result.exit_code == 0, result.output
    verdicts = [
        json.loads(line)["verdict"]
        for line in result.output.strip().splitlines()
        if line.startswith("{")
    ]
    assert verdicts == ["correct", "incorrect", "incorrect"]


def test_grade_pretty_and_errors() -> None:
    result = runner.invoke(
        app,
        [
            "grade",
            "give-a-real-world-application-of-visual-attention",
            "Google Street View",
            "--pretty",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "correct" in result.output and "✓" in result.output
    result = runner.invoke(app, ["grade", "no-such-question", "x"])
    assert result.exit_code == 2
    assert "no rubric 'no-such-question'" in result.output
    result = runner.invoke(
        app, ["grade", "give-a-real-world-application-of-visual-attention", "x" * 6000]
    )
    assert result.exit_code == 1
    assert "the limit is 5000" in result.output


def test_eval_seed_reports_the_trap_set(tmp_path: Path) -> None:
    out = tmp_path / "seed.json"
    result = runner.invoke(app, ["eval", "seed", "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    seed = json.loads(out.read_text(encoding="utf-8"))["seed"]
    known_gaps = (
        (REPO_ROOT / "tests" / "data" / "seed_answers.yaml").read_text().count("known_gap:")
    )
    assert seed["as_expected"] == seed["answers"] - known_gaps
    swapped = sum(
        a.trap == "swapped"
        for a in load_seed_answers(REPO_ROOT / "tests" / "data" / "seed_answers.yaml")
    )
    assert seed["by_trap"]["swapped"] == f"{swapped}/{swapped}"
    result = runner.invoke(app, ["eval", "nonsense"])
    assert result.exit_code == 2
    assert "unknown dataset 'nonsense'" in result.output and "rules" in result.output


def test_demo_list_and_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "list"])
    assert result.exit_code == 0
    assert "echo-state-network" in result.output and "rnn-vs-cnn" in result.output
    png = tmp_path / "esn.png"
    result = runner.invoke(
        app, ["demo", "run", "echo-state-network", "--param", "reservoir=100", "--png", str(png)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.strip().splitlines()[-1])
    assert payload["params"]["reservoir"] == 100
    assert png.read_bytes().startswith(b"\x89PNG")
    result = runner.invoke(
        app, ["demo", "run", "echo-state-network", "--param", "connectivity=0.5"]
    )
    assert result.exit_code == 2
    assert "connectivity" in result.output and "< 0.1" in result.output


def test_check_rejects_an_unknown_demo(tmp_path: Path) -> None:
    folder = tmp_path / "rubrics"
    shutil.copytree(REPO_ROOT / "rubrics", folder)
    target = folder / "what-is-echo-state-network.yaml"
    target.write_text(
        target.read_text(encoding="utf-8").replace(
            "demo: echo-state-network", "demo: echo-state-netwrok"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rubrics", "check", str(folder)])
    assert result.exit_code == 1
    assert "demo: unknown demo 'echo-state-netwrok'" in result.output


def test_tokens_create_prints_a_token_that_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'grader.db'}"
    monkeypatch.setenv("GRADER_DATABASE_URL", url)
    result = runner.invoke(app, ["tokens", "create", "--role", "student", "--student", "eve"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    from grader.store.practice import token_owner
    from grader.store.session import make_engine, make_sessions

    engine = make_engine(url)
    with make_sessions(engine)() as session:
        owner = token_owner(session, token=token)
        assert owner is not None and owner.role == "student"
    engine.dispose()
    assert runner.invoke(app, ["tokens", "create", "--role", "wizard"]).exit_code == 2
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0


def test_generate_dry_run_reports_the_layout_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "rubrics"
    source = REPO_ROOT / "tests" / "data" / "documents" / "headings-and-labels.md"
    result = runner.invoke(
        app, ["rubrics", "generate", str(source), "--out", str(out), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert "question 3: what-does-a-page-table-map" in result.output
    assert "      or: pages to frames" in result.output
    assert "  note: 0.5 P for a sensible choice, 1 P for each reason." in result.output
    assert "  points: 3, any 3 of 4 criteria count" in result.output
    assert "assumed: " in result.output and ":7: question 1: no 'Answer:' label" in result.output


def test_generate_refuses_an_unsupported_file(tmp_path: Path) -> None:
    slides = tmp_path / "exam.pptx"
    slides.write_bytes(b"PK")
    result = runner.invoke(app, ["rubrics", "generate", str(slides), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot read '.pptx' files" in result.output


def test_a_moodle_bank_through_generate_and_grade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path a course's own content takes: a question bank → rubrics → graded answers."""
    course = tmp_path / "course"
    monkeypatch.setenv("GRADER_RUBRICS_DIR", str(course))
    bank = REPO_ROOT / "tests" / "data" / "documents" / "moodle-bank.xml"
    result = runner.invoke(app, ["rubrics", "generate", str(bank)])
    assert result.exit_code == 0, result.output
    assert "note: " in result.output and "'MC' is a multichoice question" in result.output
    assert runner.invoke(app, ["rubrics", "check", str(course)]).exit_code == 0
    answers = tmp_path / "answers.txt"
    answers.write_text("Physical frames.\nThe disk.\n", encoding="utf-8")
    result = runner.invoke(
        app, ["grade", "what-does-a-page-table-map-virtual-pages-to", "--file", str(answers)]
    )
    assert result.exit_code == 0, result.output
    grades = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [g["verdict"] for g in grades] == ["correct", "incorrect"]


def test_grades_import_keeps_good_rows_names_bad_ones_and_learns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_DATABASE_URL", f"sqlite:///{tmp_path / 'course.db'}")
    question = QUESTION
    rows = LENIENT_GRADES[:9]
    lines = ["question_id,answer,points"] + [f'{question},"{a}",{p}' for a, p in rows]
    lines.insert(3, f"{question},Too many points,7")  # line 4
    csv_file = tmp_path / "grades.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["grades", "import", str(csv_file)])
    assert result.exit_code == 1
    assert f"{csv_file}:4: points: 7 is outside 0..2" in result.output
    assert "imported 9 graded answers; 1 rows refused" in result.output
    assert f"{question}: refit on 9 graded answers" in result.output
    report = runner.invoke(app, ["learn", "--report"])
    assert report.exit_code == 0, report.output
    (row,) = [line for line in report.output.splitlines() if line.startswith(question)]
    assert row.split(" | ")[1] == "9"
    # Bulk grading then uses what the course taught, as the service does, and says so.
    answers = tmp_path / "answers.txt"
    answers.write_text("The gradient shrinks over many steps.\nI like pizza.\n", encoding="utf-8")
    graded = runner.invoke(app, ["grade", question, "--file", str(answers)])
    assert graded.exit_code == 0, graded.output
    said = graded.stderr.strip().splitlines()[-1]
    assert said.startswith(f"{question}: course model v")
    grades = [json.loads(line) for line in graded.stdout.splitlines() if line.startswith("{")]
    if said.endswith("in force"):
        assert grades[0]["adapted"] is not None  # the lenient instructor's model graded it
    else:
        assert "not in force" in said and grades[0]["adapted"] is None


def test_learn_accepts_the_waiting_answers_the_refitted_model_covers(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from grader.store import practice
    from grader.store.models import Attempt
    from grader.store.session import make_engine, make_sessions
    from tests.api.test_auto_accept import GRADED

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(os.environ["GRADER_DATABASE_URL"])
    sessions = make_sessions(engine)
    grade = stored_grade(needs_review=True)
    with sessions.begin() as session:  # an answer waiting for review, as the service stores it
        student = practice.create_student(session, name="waiting").id
        waiting = practice.record_attempt(
            session, student_id=student, question_id=QUESTION, topic="t", now=datetime.now(UTC),
            answer="The gradients vanish over a long time.", grade=grade, rubric_version="v",
        ).id  # fmt: skip
    csv_file = tmp_path / "grades.csv"
    rows = ["question_id,answer,points"] + [f'{QUESTION},"{answer}",2' for answer in GRADED]
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = runner.invoke(app, ["grades", "import", str(csv_file)])
    assert imported.exit_code == 0, imported.output
    assert f"{QUESTION}: accepted 1 waiting answer it covers" in imported.output
    with sessions() as session:
        attempt = session.get_one(Attempt, waiting)
        assert not attempt.needs_review and attempt.points == 2
        reasons = attempt.result["reasons"]
        assert any(
            r.startswith("auto-accepted: graded like imported graded answer ") for r in reasons
        )
    engine.dispose()


def test_train_judge_names_an_unknown_held_out_unit(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train-judge", "--unit", "semeva", "--out-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown unit 'semeva'" in result.output and "semeval" in result.output
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written


@pytest.mark.parametrize("command", ["train", "calibrate"])
def test_train_and_calibrate_name_an_unknown_half_of_the_questions(
    command: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, [command, "--questions", "c", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--questions" in result.output and "one of all, a, b" in result.output


def test_train_names_an_unknown_public_unit_to_hold_out(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--public-except", "mohler", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--public-except" in result.output and "asap, powergrading" in result.output
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written
