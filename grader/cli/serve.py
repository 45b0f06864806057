"""``grader serve`` and ``grader export-onnx``: the service and the models it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from grader.cli.rubrics import load_rubric_paths
from grader.config import get_settings
from grader.rubrics.points import counted


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
    bind_host, bind_port = host or settings.host, port or settings.port
    # Before the model loads (seconds): a port in use is said at once, naming the setting.
    busy = _port_in_use(bind_host, bind_port)
    if busy is not None:
        typer.echo(
            f"error: cannot serve on {bind_host}:{bind_port}: {busy}. Stop what uses it, or "
            "choose another port (GRADER_PORT, or --port).",
            err=True,
        )
        raise typer.Exit(2)
    rubric_set = load_rubric_paths([settings.rubrics_dir])
    for loaded in rubric_set.ordered():
        rubric = loaded.rubric
        typer.echo(
            f"{rubric.id}  [{rubric.topic}]  {counted(rubric.max_points, 'point')}, "
            f"{counted(len(rubric.criteria), 'key point')}"
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
            host=bind_host, port=bind_port,
        )  # fmt: skip
    else:
        app = create_app(settings, rubric_set)
        uvicorn.run(app, host=bind_host, port=bind_port)


def _port_in_use(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be bound now (None when it can): a trial bind, closed at once."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as trial:
        trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            trial.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None


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


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("export-onnx")(export_onnx_command)
