"""MLeap commands: ``export-mleap`` (a saved pyspark PipelineModel → a bundle the sparkml image
serves) and ``mleap check-jvm`` (would AWS's sagemaker-sparkml-serving, MLeap 0.20 on the JVM,
load this bundle?)."""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path
from typing import Annotated

import typer

from inference_pipeline.cli._app import EXIT_FAILURE, EXIT_USAGE, app, cli_errors, console, fail, print_json

mleap_app = typer.Typer(help="MLeap bundles: checks against MLeap 0.20's JVM loader.", no_args_is_help=True)
app.add_typer(mleap_app, name="mleap")


@app.command("export-mleap")
def export_mleap(
    pipeline: Annotated[Path, typer.Argument(help="Directory of a saved pyspark PipelineModel.")],
    dest: Annotated[Path, typer.Argument(help="Bundle to write (model.tar.gz, .zip, or a directory).")],
    sample: Annotated[Path | None, typer.Option("--sample", help="Sample data (.parquet, .json, .csv with a "
                                                                  "header) for column metadata.")] = None,
    output_column: Annotated[str | None, typer.Option("--output-column", help="Output column: also infer the "
                                                      "SAGEMAKER_SPARKML_SCHEMA and store it in the bundle.")] = None,
    archive: Annotated[str | None, typer.Option("--archive", help="tar.gz, zip or dir (default: from DEST).")] = None,
    check_jvm: Annotated[bool, typer.Option("--check-jvm", help="Fail when MLeap 0.20's JVM loader (AWS's "
                                            "sagemaker-sparkml-serving) would refuse the bundle.")] = False,
) -> None:
    """Export without MLeap's JVM jars (needs pyspark: pip install 'inference-pipeline[export]')."""
    try:
        from inference_pipeline.mleap.export import ExportError, export_command
        from inference_pipeline.mleap.export.exporter import ExportWarning
    except ImportError as exc:
        fail(f"export-mleap needs pyspark and Java: {exc}", EXIT_USAGE)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    kind = archive or ("tar.gz" if dest.name.endswith((".tar.gz", ".tgz")) else "zip" if dest.suffix == ".zip"
                       else "dir")
    # The exporter's warnings (e.g. a stage only our sparkml image can load) are the user's to read:
    # one plain line each, not Python's warning format with a source line.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ExportWarning)
            with cli_errors(usage=(ExportError, ValueError), runtime=(OSError,)):
                written = export_command(pipeline, dest, sample, output_column, kind, check_jvm=check_jvm)
    finally:
        _show_warnings(caught, ExportWarning)
    console.print(f"[green]wrote[/] {written}", highlight=False)


def _show_warnings(caught: list[warnings.WarningMessage], ours: type[Warning]) -> None:
    """Our warnings as one line each; any other warning as Python would have shown it. Called
    after ``catch_warnings`` has restored the real ``showwarning``."""
    for warning in caught:
        if issubclass(warning.category, ours):
            console.print(f"[yellow]warning:[/] {warning.message}", highlight=False, soft_wrap=True)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


@mleap_app.command("check-jvm")
def check_jvm_command(
    bundle: Annotated[Path, typer.Argument(help="Bundle directory, .zip or .tar.gz.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Problems as JSON (path, node, op, field, message, "
                                          "source).")] = False,
) -> None:
    """Check a bundle against MLeap 0.20's loader rules, naming each op and missing field (no JVM needed)."""
    from inference_pipeline.mleap.jvm_rules import check_bundle, format_problems

    if not bundle.exists():
        fail(f"{bundle} does not exist", EXIT_USAGE)
    problems = check_bundle(bundle)
    if as_json:
        print_json([dataclasses.asdict(problem) for problem in problems])
    else:
        console.print(format_problems(problems, bundle=bundle), highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(EXIT_FAILURE)
