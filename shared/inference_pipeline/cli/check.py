"""``inference-pipeline check SPEC``: the pre-deploy check (``pipeline.check``), also run by
``deploy`` and ``render`` unless ``--no-check``. One line per problem, naming the container;
exit 0 when none, 2 when the spec has problems (as an invalid spec elsewhere), notes never fail."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from inference_pipeline.cli._app import EXIT_USAGE, app, err_console
from inference_pipeline.pipeline.check import Finding, check_spec


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "inference-pipeline" / "check"


def run_check(spec_path: Path, *, docker: bool = True, quiet: bool = False) -> list[Finding]:
    """Print the findings; raise ``typer.Exit(2)`` when any is a problem."""
    findings = check_spec(spec_path, cache_dir=_cache_dir(), docker=docker)
    problems = [f for f in findings if f.problem]
    for finding in findings:
        label = "[bold red]error:[/]" if finding.problem else "[dim]note:[/]"
        if finding.problem or not quiet:
            err_console.print(f"{label} {finding}", highlight=False, soft_wrap=True, markup=True)
    if problems:
        err_console.print(f"{spec_path}: {len(problems)} problem(s); fix them or pass --no-check",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    return findings


@app.command("check")
def check_command(
    spec_path: Annotated[Path, typer.Argument(help="Pipeline spec (YAML or JSON).", show_default=False)],
    docker: Annotated[bool, typer.Option("--docker/--no-docker",
                                         help="Load each local artifact in its image (docker run IMAGE check).")] = True,
) -> None:
    """Check a spec before deploying: limits, names, artifact layout, media-type hand-offs,
    training-versions.json against each image's version line, and a real load of each artifact
    in its image. Makes no AWS call."""
    run_check(spec_path, docker=docker)
    typer.echo(f"{spec_path}: ok")
