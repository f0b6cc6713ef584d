"""The command line: wiring only; the work happens in the modules it calls."""

import json
import platform
from typing import Annotated

import typer

from . import PROJECT_NAME, __version__
from .config import ConfigError, Settings, load_settings
from .logs import configure_logging

app = typer.Typer(
    help="Train, track and serve the model of this project.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"{{ cookiecutter.project_slug }} {__version__}")
        raise typer.Exit


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Show the version.",
        ),
    ] = False,
) -> None:
    """Load the settings and configure logging once for whichever command runs."""
    try:
        settings = load_settings()
    except ConfigError as error:
        typer.echo(f"Invalid configuration:\n{error}", err=True)
        raise typer.Exit(code=2) from None
    configure_logging(settings)
    ctx.obj = settings


@app.command()
def info(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document.")
    ] = False,
) -> None:
    """Show the version, the Python in use and the effective settings."""
    settings: Settings = ctx.obj
    values = settings.model_dump(mode="json")
    python = platform.python_version()
    if as_json:
        report = {
            "project": PROJECT_NAME,
            "version": __version__,
            "python": python,
            "settings": values,
        }
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{PROJECT_NAME} {__version__} on Python {python}")
    for name, value in values.items():
        typer.echo(f"  {name} = {value!r}")
{%- if cookiecutter.include_api %}


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on [default: api_host].")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on [default: api_port].")
    ] = None,
) -> None:
    """Serve the HTTP API with uvicorn."""
    # Imported here so that the other commands start without the web stack.
    import uvicorn

    from .api import create_app

    settings: Settings = ctx.obj
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        # Logging is configured by configure_logging(); keep uvicorn from replacing it.
        log_config=None,
    )
{%- endif %}
