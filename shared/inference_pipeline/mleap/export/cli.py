"""``inference-pipeline export-mleap``: saved Spark PipelineModel -> MLeap bundle."""

from __future__ import annotations

import os
from pathlib import Path

from pyspark.ml import PipelineModel
from pyspark.sql import DataFrame, SparkSession

from .errors import ExportError
from .exporter import Archive, check_jvm_loadable, export_pipeline
from .schema import infer_schema

ARCHIVES: tuple[Archive, ...] = ("tar.gz", "zip", "dir")


def local_session(app_name: str = "inference-pipeline") -> SparkSession:
    """The active SparkSession, or a local one on the loopback interface (no UI, 1 core)."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (
        SparkSession.builder.master("local[1]").appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def read_sample(spark: SparkSession, path: Path) -> DataFrame:
    """Parquet (file or Spark output directory), JSON lines, or CSV with a header row.

    Parquet keeps the training column types exactly; CSV types are inferred, so an integer
    looking column becomes ``int`` in an inferred schema.
    """
    if not path.exists():
        raise ExportError(f"sample data {path} does not exist")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".parquet":
        return spark.read.parquet(str(path))
    if suffix in (".json", ".jsonl"):
        return spark.read.json(str(path))
    if suffix == ".csv":
        return spark.read.csv(str(path), header=True, inferSchema=True)
    raise ExportError(f"sample data {path}: use .parquet (or a parquet directory), .json/.jsonl or .csv with a header")


def export_command(
    pipeline_path: Path,
    dest: Path,
    sample_data: Path | None,
    schema_output: str | None,
    archive: str,
    *,
    check_jvm: bool = False,
) -> Path:
    """Load a saved ``PipelineModel`` and export it as an MLeap bundle.

    ``sample_data`` provides column metadata (needed by VectorAssembler, IndexToString,
    Interaction, ...). ``schema_output`` names the output column: the serving schema is then
    inferred from the sample data and stored in the bundle. ``check_jvm`` (``--check-jvm``)
    raises ``ExportError`` listing every rule of MLeap 0.20's JVM loader the bundle breaks.
    """
    if archive not in ARCHIVES:
        raise ExportError(f"archive must be one of {', '.join(ARCHIVES)}, got {archive!r}")
    if schema_output is not None and sample_data is None:
        raise ExportError("inferring the serving schema (schema output column) needs sample data")
    if not Path(pipeline_path).exists():
        raise ExportError(f"saved pipeline {pipeline_path} does not exist")
    spark = local_session("inference-pipeline-export-mleap")
    model = PipelineModel.load(str(pipeline_path))
    dataset = read_sample(spark, Path(sample_data)) if sample_data is not None else None
    schema = infer_schema(model, dataset, schema_output) if schema_output and dataset is not None else None
    written = export_pipeline(model, Path(dest), dataset=dataset, archive=archive, schema=schema)  # type: ignore[arg-type]
    if check_jvm:
        check_jvm_loadable(written)
    return written
