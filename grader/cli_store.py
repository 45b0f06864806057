"""``grader db upgrade`` and ``grader tokens create``."""

from __future__ import annotations

from typing import Annotated

import typer

from grader.config import get_settings

db_app = typer.Typer(help="The database.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to GRADER_DATABASE_URL."""
    from grader.store.session import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is at the latest migration")


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help="student, instructor or lms")],
    student: Annotated[
        str | None, typer.Option(help="The student's name (student tokens; created if new).")
    ] = None,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from sqlalchemy import select

    from grader.store.models import Student
    from grader.store.practice import ROLES, create_student, create_token
    from grader.store.session import open_database

    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    if (role == "student") != (student is not None):
        typer.echo("error: --student is required for, and only for, --role student", err=True)
        raise typer.Exit(2)
    sessions, engine = open_database(get_settings().database_url)
    with sessions.begin() as session:
        student_id = None
        if student is not None:
            found = session.scalar(select(Student).where(Student.name == student))
            student_id = (found or create_student(session, name=student)).id
        token = create_token(session, role=role, student_id=student_id)
    engine.dispose()
    typer.echo(token)
