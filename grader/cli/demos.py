"""``grader demo list`` and ``grader demo run``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from grader.demos.registry import (
    DEMOS,
    DemoRunner,
    InvalidDemoParams,
    UnknownDemo,
    get_demo,
    parse_params,
    parse_value,
    render_png,
)

demo_app = typer.Typer(help="Run the mini-demos that questions link to.", no_args_is_help=True)


@demo_app.command("list")
def demo_list() -> None:
    """List the demos with the questions they explain."""
    for demo in DEMOS.values():
        typer.echo(f"{demo.id}  {demo.title}: {demo.summary}")
        typer.echo(f"    questions: {', '.join(demo.questions)}")


def _parse_pairs(pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, separator, text = pair.partition("=")
        if not separator or not name:
            raise typer.BadParameter(f"'{pair}' is not NAME=VALUE", param_hint="--param")
        values[name] = parse_value(text)
    return values


@demo_app.command("run")
def demo_run(
    demo_id: Annotated[str, typer.Argument(help="The demo's id (see `grader demo list`).")],
    param: Annotated[
        list[str] | None, typer.Option("--param", help="NAME=VALUE, repeatable; lists as [1,2].")
    ] = None,
    png: Annotated[Path | None, typer.Option(help="Also draw the result to this PNG file.")] = None,
) -> None:
    """Run a demo and print its result as JSON."""
    try:
        demo = get_demo(demo_id)
        params = parse_params(demo, _parse_pairs(param or []))
    except (UnknownDemo, InvalidDemoParams) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    result = DemoRunner().run(demo, params)
    if png is not None:
        png.write_bytes(render_png(demo, result))
        typer.echo(f"wrote {png}", err=True)
    typer.echo(result.model_dump_json())
