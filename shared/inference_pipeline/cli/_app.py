"""The shared Typer app, consoles and error handling used by every CLI sub-module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

EXIT_OK = 0
EXIT_FAILURE = 1  # runtime failure: AWS, Docker, network, a container
EXIT_USAGE = 2  # bad arguments or an invalid spec (also Click's own usage errors)

app = typer.Typer(
    name="inference-pipeline",
    help="Build, run locally and deploy SageMaker serial inference pipelines.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

console = Console()
err_console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Build, run locally and deploy SageMaker serial inference pipelines."""


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (no colour, no wrapping)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def progress(message: str) -> None:
    err_console.print(f"[dim]…[/] {message}", highlight=False)


@contextmanager
def cli_errors(*, usage: tuple[type[BaseException], ...], runtime: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Turn known exceptions into a one-paragraph message and the documented exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except usage as exc:
        fail(str(exc), EXIT_USAGE)
    except runtime as exc:
        fail(str(exc), EXIT_FAILURE)
