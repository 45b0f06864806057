"""The ``grader`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader import cli_learning, cli_scoring
from grader.cli_demos import demo_app
from grader.cli_store import db_app, tokens_app
from grader.cli_webhooks import webhooks_app
from grader.config import get_settings
from grader.course import load_rubrics
from grader.demos.registry import demo_for_questions
from grader.errors import ContentError
from grader.rubrics.loader import RubricSet
from grader.rubrics.regenerate import generate_rubrics, plan_rubrics
from grader.rubrics.report import layout_report

app = typer.Typer(
    help="Exam-question grader and tutor.", no_args_is_help=True, add_completion=False
)
rubrics_app = typer.Typer(help="Generate and check YAML rubrics.", no_args_is_help=True)
app.add_typer(rubrics_app, name="rubrics")
app.add_typer(demo_app, name="demo")
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")
app.add_typer(webhooks_app, name="webhooks")
cli_scoring.register(app)
cli_learning.register(app)


@rubrics_app.command("generate")
def rubrics_generate(
    source: Annotated[
        Path,
        typer.Argument(
            help="The instructor's Q&A document: markdown (.md, .txt), Word (.docx), "
            "Moodle XML (.xml) or GIFT (.gift)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Rubric folder (default: GRADER_RUBRICS_DIR).")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print each question as understood (prompt, criteria, points); write nothing.",
        ),
    ] = False,
) -> None:
    """Write one rubric per question; hand-edited rubrics are left alone and listed."""
    out_dir = out or get_settings().rubrics_dir
    if not source.is_file():
        typer.echo(f"error: {source}: no such file", err=True)
        raise typer.Exit(2)
    try:
        if dry_run:
            rubrics, layout = plan_rubrics(source, demos=demo_for_questions())
            typer.echo(layout_report(source.as_posix(), rubrics, layout))
            return
        report = generate_rubrics(source, out_dir, demos=demo_for_questions())
    except ContentError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2 if "cannot read" in error.message else 1) from error
    for note in report.layout:
        typer.echo(f"note: {source}:{note.line}: {note.message}")
    for label, ids in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("edited by hand, left alone", report.edited),
        (
            "edited by hand, left alone, but its question changed in the source: review it",
            report.edited_and_source_changed,
        ),
        ("no longer in the source, left in place", report.orphaned),
    ):
        for question_id in ids:
            typer.echo(f"{label}: {out_dir / question_id}.yaml")
    total = len(report.created) + len(report.updated) + len(report.unchanged)
    typer.echo(
        f"{total + len(report.edited) + len(report.edited_and_source_changed)} questions; "
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.edited) + len(report.edited_and_source_changed)} edited by hand"
    )


@rubrics_app.command("check")
def rubrics_check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rubric files or folders (default: GRADER_RUBRICS_DIR)."),
    ] = None,
) -> None:
    """Validate rubrics; print file:line: field: message per problem, exit 1 if any."""
    rubric_set = _load(paths or [get_settings().rubrics_dir])
    for problem in rubric_set.problems:
        typer.echo(str(problem), err=True)
    if not rubric_set.rubrics and not rubric_set.problems:
        typer.echo("error: no rubric files found", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(rubric_set.rubrics)} rubrics valid, {len(rubric_set.problems)} problems")
    if rubric_set.problems:
        raise typer.Exit(1)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: GRADER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: GRADER_PORT).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes sharing the port (use PostgreSQL; each follows rubric edits "
            "made through the others).",
        ),
    ] = 1,
) -> None:
    """Print the loaded rubric set, load the grading model and serve the HTTP API."""
    import uvicorn  # the server is only needed by this command

    from grader.main import create_app

    settings = get_settings()
    rubric_set = _load([settings.rubrics_dir])
    for loaded in rubric_set.ordered():
        rubric = loaded.rubric
        typer.echo(
            f"{rubric.id}  [{rubric.topic}]  {rubric.max_points:g} pts, "
            f"{len(rubric.criteria)} criteria"
        )
    for problem in rubric_set.problems:
        typer.echo(f"skipped: {problem}", err=True)
    typer.echo(f"{len(rubric_set.rubrics)} rubrics loaded from {settings.rubrics_dir}")
    if workers > 1:  # each process builds its own app from the same settings (environment)
        if settings.database_url.startswith("sqlite"):
            from grader.store.session import upgrade

            upgrade(settings.database_url)  # once, here: workers migrating at once would clash
        uvicorn.run(
            "grader.main:create_app", factory=True, workers=workers,
            host=host or settings.host, port=port or settings.port,
        )  # fmt: skip
    else:
        app = create_app(settings, rubric_set)
        uvicorn.run(app, host=host or settings.host, port=port or settings.port)


@app.command("export-onnx")
def export_onnx_command(
    force: Annotated[bool, typer.Option(help="Export again even when the files exist.")] = False,
) -> None:
    """Export the grading model to ONNX, fp32, q8 and int8, and the key-point judge, for serving
    without torch (make install runs this; the files go to GRADER_ONNX_DIR, in folders named
    after the models)."""
    from grader.learning.onnx_export import export_judge, export_onnx
    from grader.scoring.embedder import bundled_model_path
    from grader.scoring.judge import shipped_judge

    settings = get_settings()
    exported = export_onnx(
        settings.model_path or bundled_model_path(), settings.onnx_dir, force=force
    )
    typer.echo(
        f"{exported.folder}: fp32 {exported.fp32_bytes / 1e6:.1f} MB, "
        f"q8 {exported.q8_bytes / 1e6:.1f} MB, int8 {exported.int8_bytes / 1e6:.1f} MB"
    )
    judge = settings.judge_path or shipped_judge()
    if judge is not None:
        file = export_judge(judge, settings.onnx_dir, force=force)
        typer.echo(f"{file}: the key-point judge, {file.stat().st_size / 1e6:.1f} MB")


def _load(paths: list[Path]) -> RubricSet:
    return load_rubrics(get_settings(), paths)


if __name__ == "__main__":
    app()
