"""Walk a fitted Spark pipeline and write it as an MLeap bundle (no JVM MLeap jars needed)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pyspark.ml import PipelineModel, Transformer
from pyspark.sql import DataFrame

from ..bundle import NodeSpec, write_bundle
from . import (  # noqa: F401  (register converters)  # noqa: F401  # noqa: F401
    stages_classifiers_extra,
    stages_clustering,
    stages_feature,
    stages_glm,
    stages_hashing,
    stages_models,
    stages_regression_extra,
    stages_robust,
    stages_selectors,
    stages_signal,
    stages_target_encoder,
    stages_text,
    stages_vector_indexer,
)
from .columns import DatasetColumns
from .errors import ExportError
from .nodes import pipeline
from .registry import ExportContext, convert
from .schema import SCHEMA_FILE_NAME, validate_schema

Archive = Literal["tar.gz", "zip", "dir"]


class ExportWarning(UserWarning):
    """A stage was exported, but some Spark behaviour has no MLeap equivalent."""


def build_node(model: Transformer, context: ExportContext) -> list[NodeSpec]:
    """NodeSpecs for a stage; a PipelineModel becomes one ``pipeline`` node with children."""
    if isinstance(model, PipelineModel):
        children = [node for stage in model.stages for node in build_node(stage, context)]
        return [pipeline(model.uid, children)]
    return convert(model, context)


def export_pipeline(
    model: Transformer,
    dest: Path,
    *,
    dataset: DataFrame | None = None,
    archive: Archive = "tar.gz",
    schema: Mapping[str, Any] | None = None,
    check_jvm: bool = False,
) -> Path:
    """Export a fitted PySpark ``PipelineModel`` (or single transformer) to an MLeap bundle.

    Op, attribute and port names follow MLeap's own Spark serializers, so the bundle loads
    in the JVM MLeap runtime as well as in ours. ``dataset`` (training data or a sample,
    raw or transformed) supplies the column metadata MLeap reads from a DataFrame: vector
    sizes, nominal labels. ``schema`` (the SAGEMAKER_SPARKML_SCHEMA dict) is validated and
    stored at the bundle root as ``sagemaker-sparkml-schema.json``. ``check_jvm`` raises
    ``ExportError`` listing every rule of MLeap 0.20's JVM loader (AWS's sagemaker-sparkml-serving)
    the written bundle breaks.
    """
    if schema is not None:
        validate_schema(schema)
    context = ExportContext(DatasetColumns(dataset, model))
    nodes = build_node(model, context)
    root = nodes[0] if len(nodes) == 1 else pipeline(f"{model.uid}_pipeline", nodes)
    for message in context.warnings:
        warnings.warn(message, ExportWarning, stacklevel=2)
    extra = {SCHEMA_FILE_NAME: (json.dumps(schema, indent=2) + "\n").encode()} if schema is not None else {}
    written = write_bundle(root, Path(dest), name=root.name, archive=archive, extra_root_files=extra)
    if check_jvm:
        check_jvm_loadable(written)
    return written


def check_jvm_loadable(bundle: Path) -> None:
    """ExportError listing every rule of MLeap 0.20's JVM loader the bundle breaks."""
    from ..jvm_rules import check_bundle, format_problems

    problems = check_bundle(bundle)
    if problems:
        raise ExportError(format_problems(problems, bundle=bundle))
