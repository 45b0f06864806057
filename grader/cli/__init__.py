"""The ``grader`` command line: one module per command group, assembled here.

| module | commands |
|---|---|
| ``rubrics`` | ``rubrics generate``, ``rubrics check`` |
| ``serve`` | ``serve``, ``export-onnx`` |
| ``grading`` | ``grade``, ``calibrate``, ``eval``, ``data fetch`` |
| ``learning`` | ``grades import``, ``learn``, ``train``, ``train-judge`` |
| ``db`` | ``db upgrade``, ``tokens create`` |
| ``webhooks`` | ``webhooks worker`` |
| ``demos`` | ``demo list``, ``demo run`` |
"""

from __future__ import annotations

import typer

from grader.cli import grading, learning, serve
from grader.cli.db import db_app, tokens_app
from grader.cli.demos import demo_app
from grader.cli.rubrics import rubrics_app
from grader.cli.webhooks import webhooks_app

app = typer.Typer(
    help="Exam-question grader and tutor.", no_args_is_help=True, add_completion=False
)
app.add_typer(rubrics_app, name="rubrics")
app.add_typer(demo_app, name="demo")
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")
app.add_typer(webhooks_app, name="webhooks")
serve.register(app)
grading.register(app)
learning.register(app)


def main() -> None:
    """The ``grader`` command: ``app``, with a database that cannot be reached or does not
    exist said in one line (and exit status 2) instead of a driver's traceback."""
    try:
        app()
    except Exception as error:
        # Imported only now: the store (and SQLAlchemy) would slow every command's start.
        from grader.store.session import CANNOT_CONNECT, unreachable_message

        if not isinstance(error, CANNOT_CONNECT):
            raise
        from grader.config import get_settings

        typer.echo(f"error: {unreachable_message(get_settings().database_url, error)}", err=True)
        raise SystemExit(2) from None
