"""``grader rubrics generate`` and ``grader rubrics check``: rubrics from a course document."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from grader.config import get_settings
from grader.course import load_rubrics
from grader.demos.registry import demo_for_questions
from grader.errors import ContentError
from grader.rubrics.loader import RubricSet
from grader.rubrics.points import counted
from grader.rubrics.regenerate import generate_rubrics, plan_rubrics
from grader.rubrics.report import layout_report

rubrics_app = typer.Typer(help="Generate and check YAML rubrics.", no_args_is_help=True)


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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Stop at the first question that cannot be read and write nothing (default: "
            "skip it, write the others, exit 1 naming it).",
        ),
    ] = False,
) -> None:
    """Write one rubric per question; hand-edited rubrics are left alone and listed. A question
    that cannot be read is named with its line and skipped (exit status 1)."""
    out_dir = out or get_settings().rubrics_dir
    if not source.is_file():
        typer.echo(f"error: {source}: no such file", err=True)
        raise typer.Exit(2)
    try:
        if dry_run:
            plan = plan_rubrics(source, demos=demo_for_questions(), strict=strict)
            typer.echo(layout_report(source.as_posix(), plan.rubrics, plan.layout))
            _say_skipped(plan.skipped)
            return
        report = generate_rubrics(source, out_dir, demos=demo_for_questions(), strict=strict)
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
        + (f"; {len(report.skipped)} not read (see above)" if report.skipped else "")
    )
    _say_skipped(report.skipped)


def _say_skipped(skipped: list[ContentError]) -> None:
    """Each question that could not be read, at its line; then exit status 1."""
    for error in skipped:
        typer.echo(f"error: {error} (skipped; the other questions were read)", err=True)
    if skipped:
        raise typer.Exit(1)


@rubrics_app.command("check")
def rubrics_check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Rubric files or folders (default: GRADER_RUBRICS_DIR)."),
    ] = None,
    grade_reference: Annotated[
        bool,
        typer.Option(
            "--grade-reference",
            help="Also grade each valid rubric's own reference answer with the model (a few "
            "seconds): one that is not graded correct, or is charged a misconception, has key "
            "points the grader does not read as the reference says them.",
        ),
    ] = False,
) -> None:
    """Validate rubrics; print file:line: field: message per problem, exit 1 if any."""
    rubric_set = load_rubric_paths(paths or [get_settings().rubrics_dir])
    for problem in rubric_set.problems:
        typer.echo(str(problem), err=True)
    if not rubric_set.rubrics and not rubric_set.problems:
        typer.echo("error: no rubric files found", err=True)
        raise typer.Exit(1)
    valid, problems = len(rubric_set.rubrics), len(rubric_set.problems)
    summary = f"{counted(valid, 'rubric')} valid, {counted(problems, 'problem')}"
    if grade_reference and rubric_set.rubrics:
        doubtful = _grade_references(rubric_set)
        summary += f"; {counted(doubtful, 'reference answer')} not graded correct"
    typer.echo(summary)
    if rubric_set.problems:
        raise typer.Exit(1)


def _grade_references(rubric_set: RubricSet) -> int:
    """Grade each rubric's reference answer; say how each did, warn where it is not graded
    correct. Returns how many were not."""
    from grader.scorer_setup import build_scorer
    from grader.scoring.reference_check import check_references

    loaded = sorted(rubric_set.rubrics.values(), key=lambda r: str(r.path))
    checks = check_references(build_scorer(get_settings()), [r.rubric for r in loaded])
    for item, check in zip(loaded, checks, strict=True):
        if check.passed:
            typer.echo(f"{item.path}: {check.says()}")
        else:
            typer.echo(f"warning: {item.path}: {check.says()}", err=True)
    return sum(not check.passed for check in checks)


def load_rubric_paths(paths: list[Path]) -> RubricSet:
    return load_rubrics(get_settings(), paths)
