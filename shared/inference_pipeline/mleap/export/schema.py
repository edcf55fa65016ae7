"""The SageMaker SparkML serving schema (``SAGEMAKER_SPARKML_SCHEMA``) for an exported pipeline.

Shape: ``{"input": [{"name", "type", "struct"?}], "output": {"name", "type", "struct"?}}``
with the container's exact type names (``int`` not ``integer``) and ``struct`` one of
``basic`` (default, left out), ``vector`` or ``array``. The serving image parses it with a
strict JSON mapper, so unknown keys are rejected here as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyspark.ml import PipelineModel, Transformer
from pyspark.sql import DataFrame
from pyspark.sql.types import ArrayType, StructField

from ..serving_schema import SCHEMA_FILE, SchemaError, parse_schema
from .columns import basic_type_name, is_vector
from .errors import ExportError

SCHEMA_FILE_NAME = SCHEMA_FILE  # the SparkML image reads it from the model directory

_INPUT_PARAMS = ("inputCol", "inputCols", "featuresCol")
_OUTPUT_PARAMS = ("outputCol", "outputCols", "predictionCol", "probabilityCol", "rawPredictionCol")


def _leaf_stages(model: Transformer) -> Iterable[Transformer]:
    if isinstance(model, PipelineModel):
        for stage in model.stages:
            yield from _leaf_stages(stage)
    else:
        yield model


def _param_columns(stage: Transformer, names: Iterable[str]) -> list[str]:
    columns: list[str] = []
    for name in names:
        if not stage.hasParam(name):
            continue
        param = stage.getParam(name)
        if not stage.isDefined(param):
            continue
        value = stage.getOrDefault(param)
        if isinstance(value, str):
            if value:
                columns.append(value)
        else:
            columns.extend(value)
    return columns


def required_inputs(model: Transformer) -> list[str]:
    """Columns the pipeline reads that none of its own stages produce, in first-use order."""
    produced: set[str] = set()
    needed: list[str] = []
    for stage in _leaf_stages(model):
        for column in _param_columns(stage, _INPUT_PARAMS):
            if column not in produced and column not in needed:
                needed.append(column)
        produced.update(_param_columns(stage, _OUTPUT_PARAMS))
    return needed


def column_entry(field: StructField) -> dict[str, str]:
    """One schema entry for a Spark column; ``struct`` only when not basic (as AWS's examples)."""
    data_type = field.dataType
    basic = basic_type_name(data_type)
    if basic is not None:
        return {"name": field.name, "type": basic}
    if is_vector(data_type):
        return {"name": field.name, "type": "double", "struct": "vector"}
    if isinstance(data_type, ArrayType):
        element = basic_type_name(data_type.elementType)
        if element is not None:
            return {"name": field.name, "type": element, "struct": "array"}
    raise ExportError(
        f"column {field.name!r} has type {data_type.simpleString()}, which SageMaker SparkML serving cannot carry"
    )


def infer_schema(model: Transformer, dataset: DataFrame, output_col: str) -> dict[str, Any]:
    """Derive the serving schema: the pipeline's external inputs (in the dataset's column
    order) and ``output_col`` typed from the transformed frame (schema analysis only)."""
    required = required_inputs(model)
    needed = set(required)
    missing = [c for c in required if c not in dataset.columns]
    if missing:
        raise ExportError(f"dataset lacks the pipeline's input column(s) {missing}")
    inputs = [column_entry(dataset.schema[c]) for c in dataset.columns if c in needed]
    transformed = model.transform(dataset)
    if output_col not in transformed.columns:
        raise ExportError(
            f"output column {output_col!r} is not produced by the pipeline; columns: {transformed.columns}"
        )
    schema = {"input": inputs, "output": column_entry(transformed.schema[output_col])}
    validate_schema(schema)
    return schema


def validate_schema(schema: Any) -> None:
    """Reject a schema the SparkML serving container would refuse (same parser as our image)."""
    try:
        parsed = parse_schema(dict(schema) if isinstance(schema, Mapping) else schema)
    except SchemaError as exc:
        raise ExportError(f"invalid serving schema: {exc}") from None
    for column in (*parsed.inputs, parsed.output):
        if column.struct == "vector" and column.type != "double":
            raise ExportError(
                f"invalid serving schema: column {column.name!r}: the container only accepts vectors of type double"
            )
