"""``grader webhooks worker``: deliver the outbox to the LMS endpoints."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from grader.config import get_settings

webhooks_app = typer.Typer(help="LMS webhooks.", no_args_is_help=True)


@webhooks_app.command("worker")
def worker(
    once: Annotated[bool, typer.Option(help="Deliver what is due now, then exit.")] = False,
) -> None:
    """Deliver pending events (signed, retried, logged); several may run on PostgreSQL."""
    import httpx

    from grader.store.session import make_engine, make_sessions, settings_timeouts
    from grader.webhooks.worker import WorkerSettings, deliver_due, run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = get_settings()
    engine = make_engine(settings.database_url, settings_timeouts(settings))
    sessions = make_sessions(engine)
    worker_settings = WorkerSettings(
        timeout_s=settings.webhook_timeout_s, allow_private=settings.webhooks_allow_private
    )
    try:
        if once:
            with httpx.Client() as client:
                total = 0
                while (tried := deliver_due(sessions, client, worker_settings)) > 0:
                    total += tried
            typer.echo(f"{total} deliveries tried")
        else:
            run(sessions, worker_settings)
    finally:
        engine.dispose()
