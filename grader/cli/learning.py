"""`grader grades import` and `grader learn`: a course's own grades and models fitted on them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from grader.cli.grading import question_half_option
from grader.config import get_settings
from grader.course import load_rubrics
from grader.rubrics.points import counted

if TYPE_CHECKING:
    from grader.learning.graded import GradedAnswer
    from grader.store.session import SessionFactory

grades_app = typer.Typer(help="Instructors' graded answers.", no_args_is_help=True)


@grades_app.command("import")
def import_grades(
    file: Annotated[Path, typer.Argument(help="CSV: question_id, answer, points[, max_points].")],
    refit: Annotated[bool, typer.Option(help="Refit the questions that got grades.")] = True,
) -> None:
    """Import graded answers; bad rows are reported with their line, good rows are kept."""
    from datetime import UTC, datetime

    from grader.learning.imports import read_grades
    from grader.store.learning import record_graded

    if not file.is_file():
        typer.echo(f"error: {file}: no such file", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    rubrics = load_rubrics(settings).rubrics
    rows, problems = read_grades(
        file.read_text(encoding="utf-8-sig"),
        {qid: loaded.rubric.max_points for qid, loaded in rubrics.items()},
    )
    for problem in problems:
        typer.echo(f"{file}:{problem.line}: {problem.message}", err=True)
    sessions, dispose = _sessions()
    try:
        now = datetime.now(UTC)
        with sessions.begin() as session:
            for row in rows:
                record_graded(
                    session, question_id=row.question_id, answer=row.answer, points=row.points,
                    max_points=row.max_points, source="import", now=now,
                )  # fmt: skip
        typer.echo(f"imported {len(rows)} graded answers; {len(problems)} rows refused")
        if refit and rows:
            _refit(sessions, sorted({row.question_id for row in rows}), report=False)
    finally:
        dispose()
    if problems:
        raise typer.Exit(1)


def learn(
    report: Annotated[
        bool, typer.Option("--report", help="Per question: held-out agreement before and after.")
    ] = False,
) -> None:
    """Refit every question's adapted model from its graded answers (what the background does)."""
    from grader.store.learning import graded_questions

    sessions, dispose = _sessions()
    try:
        with sessions() as session:
            questions = graded_questions(session)
        _refit(sessions, questions, report=report)
    finally:
        dispose()


def _sessions() -> tuple[SessionFactory, Callable[[], None]]:
    from grader.store.session import open_database

    sessions, engine = open_database(get_settings().database_url)
    return sessions, engine.dispose


def _refit(sessions: SessionFactory, questions: list[str], report: bool) -> None:
    from grader.learning.adapt import MIN_EXAMPLES
    from grader.scorer_setup import build_scorer
    from grader.services.course import Course
    from grader.services.learning import AdaptedModels, refit_question
    from grader.services.reviewing import accept_covered
    from grader.services.slots import Slots

    settings = get_settings()
    rubric_set = load_rubrics(settings)
    rubrics = rubric_set.rubrics
    scorer = build_scorer(settings)
    # The course as the service holds it, to accept waiting answers as the service does.
    course = Course(
        settings=settings, rubrics=rubric_set, scorer=scorer, adapted=AdaptedModels(),
        rubric_jobs=Slots(1, "rubric edits"), sessions=sessions,
    )  # fmt: skip
    if report:
        typer.echo(
            "question | graded | rubric MAE / agreement | adapted MAE / agreement | "
            "coverage at 90% (agreement) | in force"
        )
    for question_id in questions:
        loaded = rubrics.get(question_id)
        if loaded is None:
            typer.echo(f"{question_id}: no rubric any more; skipped")
            continue
        model = refit_question(sessions, scorer, loaded.rubric)
        if model is None:
            typer.echo(f"{question_id}: fewer than {MIN_EXAMPLES} graded answers; rubric only")
            continue
        r = model.report
        if report:
            typer.echo(
                f"{question_id} | {r.examples} | {r.rubric_mae:.3f} / {r.rubric_agreement:.0%} | "
                f"{r.adapted_mae:.3f} / {r.adapted_agreement:.0%} | "
                f"{r.coverage:.0%} ({r.coverage_agreement:.0%}) | "
                + ("adapted" if model.active else "rubric (adapted was not better)")
            )
        else:
            state = "adapted model in force" if model.active else "rubric kept (not better)"
            typer.echo(f"{question_id}: refit on {r.examples} graded answers; {state}")
        if model.active and model.confidence_threshold is not None:
            with sessions() as session:
                accepted = accept_covered(course, session, loaded.rubric)
            if accepted:
                typer.echo(
                    f"{question_id}: accepted {counted(accepted, 'waiting answer')} it covers"
                )


def _public_training_items(held_out: str, seed: int, cap: int) -> list[GradedAnswer]:
    """The fetched public sets' graded answers, all but the held-out unit's, each set capped
    at ``cap`` answers (a seeded sample)."""
    import random

    from grader.cli.grading import PUBLIC_DATA_DIR
    from grader.evaluation.public_sets import PUBLIC_SETS, load_public
    from grader.learning.judge_train import unit_of

    out: list[GradedAnswer] = []
    for name in PUBLIC_SETS:
        if unit_of(name) == held_out:
            continue
        path = PUBLIC_DATA_DIR / f"{name}.csv"
        if not path.exists():
            raise typer.BadParameter(f"{path} is missing: run `grader data fetch`")
        answers = load_public(path)
        if len(answers) > cap:
            answers = random.Random(seed).sample(answers, cap)
        out += answers
    return out


def train(
    data_dir: Annotated[
        Path, typer.Option(help="Folder with mohler2011.csv and semeval2013_train.csv.")
    ] = Path("../shared/data/asag"),
    out: Annotated[
        Path, typer.Option(help="Where to write the trained sentence-transformers folder.")
    ] = Path(".cache/grader/trained-model"),
    epochs: Annotated[int, typer.Option(help="Passes over the graded answers.")] = 1,
    evaluate: Annotated[
        int,
        typer.Option(
            help="Instead of training once: measure on this many folds of whole questions, "
            "against the untrained model (0: just train)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Random seed (shuffling, initial state).")] = 0,
    max_pairs: Annotated[
        int | None, typer.Option(help="With --evaluate: train each fold on a seeded sample.")
    ] = None,
    questions: Annotated[
        str,
        typer.Option(
            help="Train on the answers to half of the questions (a or b; `grader calibrate "
            "--questions` takes the other half), or all.",
            callback=question_half_option,
        ),
    ] = "all",
    public_except: Annotated[
        str | None,
        typer.Option(
            help="Also train on the public sets `grader data fetch` wrote, all but this "
            "held-out unit (asap, powergrading or digiklausur+stita; the one `grader eval "
            "judge` then measures), each capped at --public-cap answers."
        ),
    ] = None,
    public_cap: Annotated[
        int, typer.Option(help="With --public-except: answers per public set, at most.")
    ] = 8000,
) -> None:
    """Fine-tune the embedding model on the public graded sets (CPU; see docs/learning.md)."""
    import json

    from grader.evaluation.datasets import load_mohler, load_semeval
    from grader.learning.graded import question_half
    from grader.learning.train import evaluate_training, fine_tune, pairs_of, record_training
    from grader.scoring.embedder import bundled_model_path

    public_units = ("asap", "powergrading", "digiklausur+stita")
    if public_except is not None and public_except not in public_units:
        raise typer.BadParameter(f"one of {', '.join(public_units)}", param_hint="--public-except")
    settings = get_settings()
    base = settings.model_path or bundled_model_path()
    items = [
        *load_mohler(data_dir / "mohler2011.csv"),
        *load_semeval(data_dir / "semeval2013_train.csv"),
    ]
    items = question_half(items, questions)
    if public_except is not None:
        items += _public_training_items(public_except, seed, public_cap)
    pairs = pairs_of(items)
    progress = lambda message: typer.echo(message, err=True)  # noqa: E731
    if evaluate:
        result = evaluate_training(base, pairs, evaluate, epochs, seed, progress, max_pairs)
        typer.echo(json.dumps(result, indent=2))
        return
    model = fine_tune(base, pairs, epochs=epochs, seed=seed, progress=progress)
    model.half()  # fp16 weights: half the size, the same grades to three decimals
    model.save(str(out), safe_serialization=True)
    details = {"base": str(base), "epochs": epochs, "seed": seed, "questions": questions}
    record_training(out, {**details, "pairs": len(pairs)})
    typer.echo(f"wrote {out}; serve it with GRADER_MODEL_PATH={out} after `grader calibrate`")


def train_judge(
    data_dir: Annotated[
        Path, typer.Option(help="Folder with mohler2011.csv and semeval2013_train.csv.")
    ] = Path("../shared/data/asag"),
    public_dir: Annotated[
        Path, typer.Option(help="The public sets `grader data fetch` wrote.")
    ] = Path(".cache/grader/data"),
    out_dir: Annotated[
        Path, typer.Option(help="Where the judges go, one folder per held-out data set + all.")
    ] = Path(".cache/grader/judge"),
    per_corpus: Annotated[
        int, typer.Option(help="Graded answers per data set (0: all of them).")
    ] = 8000,
    epochs: Annotated[int, typer.Option(help="Passes over the training pairs.")] = 3,
    batch_size: Annotated[int, typer.Option(help="Pairs per step.")] = 32,
    seed: Annotated[int, typer.Option(help="Random seed (sampling, shuffling, the head).")] = 0,
    unit: Annotated[
        list[str] | None,
        typer.Option(help="Only these held-out units (repeatable; default: every one)."),
    ] = None,
    with_all: Annotated[
        bool, typer.Option(help="Also train the judge on every set (the one to ship).")
    ] = True,
    generated: Annotated[
        bool, typer.Option(help="Add wrong answers made from each reference (grade 0).")
    ] = True,
    evaluate_every: Annotated[
        int, typer.Option(help="Steps between the learning curve's held-out measurements.")
    ] = 250,
    ship: Annotated[
        bool, typer.Option(help="Then copy the judge trained on all of them into the package.")
    ] = False,
) -> None:
    """Train the key-point judge (a cross-encoder, CPU): one per held-out data set for the
    benchmark (`grader eval judge`) and one on every set (docs/quality.md). Each run keeps
    checkpoints in its folder and resumes from them when run again with the same options;
    a held-out unit's learning curve goes to <out-dir>/<unit>/curve.json."""
    import shutil

    from grader.cli.grading import judge_items
    from grader.learning.judge_train import HELD_OUT_UNITS, JudgeTraining, train_held_out
    from grader.scoring.embedder import bundled_model_path
    from grader.scoring.judge import SHIPPED_JUDGE

    unknown = [u for u in unit or [] if u not in HELD_OUT_UNITS]
    if unknown:
        typer.echo(f"error: unknown unit '{unknown[0]}' ({', '.join(HELD_OUT_UNITS)})", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    items = judge_items(data_dir, public_dir)
    training = JudgeTraining(
        per_corpus=per_corpus or None, epochs=epochs, batch_size=batch_size, seed=seed,
        generated=generated, evaluate_every=evaluate_every,
    )  # fmt: skip
    written = train_held_out(
        settings.model_path or bundled_model_path(),
        items,
        out_dir,
        training=training,
        units=unit,
        with_all=with_all,
        progress=lambda message: typer.echo(message, err=True),
    )
    for folder in written:
        typer.echo(f"wrote {folder}")
    if ship:
        shutil.rmtree(SHIPPED_JUDGE, ignore_errors=True)
        shutil.copytree(out_dir / "all", SHIPPED_JUDGE)
        typer.echo(f"copied {out_dir / 'all'} to {SHIPPED_JUDGE}: run `grader export-onnx`")


def register(app: typer.Typer) -> None:
    app.add_typer(grades_app, name="grades")
    app.command("learn")(learn)
    app.command("train")(train)
    app.command("train-judge")(train_judge)
