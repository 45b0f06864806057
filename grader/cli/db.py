"""``grader db upgrade`` and ``grader tokens create``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from grader.config import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    link: Annotated[
        bool,
        typer.Option(
            "--link",
            help="Also print a one-time sign-in link to the web pages (GRADER_PUBLIC_URL, "
            "valid GRADER_SIGN_IN_LINK_HOURS).",
        ),
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The address students open, for the link (default: GRADER_PUBLIC_URL, else "
            "http://GRADER_HOST:GRADER_PORT)."
        ),
    ] = None,
) -> None:
    """Create a token and print it once; only its hash is stored."""
    from sqlalchemy import select

    from grader.store.models import Student
    from grader.store.practice import ROLES, create_student, create_token
    from grader.store.session import open_database

    if link and role == "lms":
        typer.echo("error: --link is for student and instructor tokens", err=True)
        raise typer.Exit(2)
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
        code = _sign_in_code(session, token) if link else None
    engine.dispose()
    typer.echo(token)
    if code is not None:
        settings = get_settings()
        base = (public_url or settings.base_url()).rstrip("/")
        typer.echo(f"{base}/app/sign-in/link/{code}")
        if not public_url and not settings.public_url:
            typer.echo(
                f"note: the link assumes the service at {base}; if it is served elsewhere "
                "(another --port, a proxy), set GRADER_PUBLIC_URL or pass --public-url",
                err=True,
            )


def _sign_in_code(session: Session, token: str) -> str:
    from datetime import UTC, datetime, timedelta

    from grader.store.practice import token_owner
    from grader.store.web_sessions import create_sign_in_link

    owner = token_owner(session, token=token)
    assert owner is not None
    hours = get_settings().sign_in_link_hours
    return create_sign_in_link(
        session, token_id=owner.id, now=datetime.now(UTC), ttl=timedelta(hours=hours)
    )
