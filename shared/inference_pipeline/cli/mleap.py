"""``export-mleap``: a saved pyspark PipelineModel → an MLeap bundle the sparkml image serves."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from inference_pipeline.cli._app import EXIT_USAGE, app, cli_errors, console, fail


@app.command("export-mleap")
def export_mleap(
    pipeline: Annotated[Path, typer.Argument(help="Directory of a saved pyspark PipelineModel.")],
    dest: Annotated[Path, typer.Argument(help="Bundle to write (model.tar.gz, .zip, or a directory).")],
    sample: Annotated[Path | None, typer.Option("--sample", help="Sample data (.parquet, .json, .csv with a "
                                                                  "header) for column metadata.")] = None,
    output_column: Annotated[str | None, typer.Option("--output-column", help="Output column: also infer the "
                                                      "SAGEMAKER_SPARKML_SCHEMA and store it in the bundle.")] = None,
    archive: Annotated[str | None, typer.Option("--archive", help="tar.gz, zip or dir (default: from DEST).")] = None,
) -> None:
    """Export without MLeap's JVM jars (needs pyspark: pip install 'inference-pipeline[export]')."""
    try:
        from inference_pipeline.mleap.export import ExportError, export_command
    except ImportError as exc:
        fail(f"export-mleap needs pyspark and Java: {exc}", EXIT_USAGE)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    kind = archive or ("tar.gz" if dest.name.endswith((".tar.gz", ".tgz")) else "zip" if dest.suffix == ".zip"
                       else "dir")
    with cli_errors(usage=(ExportError, ValueError), runtime=(OSError,)):
        written = export_command(pipeline, dest, sample, output_column, kind)
    console.print(f"[green]wrote[/] {written}", highlight=False)
