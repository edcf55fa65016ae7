"""Reading fitted PySpark stage params the way MLeap's Spark serializers do."""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from .errors import ExportError


def stage_label(stage: Transformer) -> str:
    return f"{type(stage).__name__} {stage.uid}"


def value(stage: Transformer, name: str) -> Any:
    """The param's value, its default when unset."""
    return stage.getOrDefault(stage.getParam(name))


def is_set(stage: Transformer, name: str) -> bool:
    return stage.hasParam(name) and stage.isSet(stage.getParam(name))


def defined_column(stage: Transformer, name: str) -> str | None:
    """A column param that is defined and non-empty (SparkShapeSaver's rule), else None."""
    if not stage.hasParam(name):
        return None
    param = stage.getParam(name)
    if not stage.isDefined(param):
        return None
    column = stage.getOrDefault(param)
    return column or None


def uses_multi_columns(stage: Transformer) -> bool:
    """True when the stage was configured with ``inputCols`` rather than ``inputCol``."""
    multi = is_set(stage, "inputCols")
    if multi and is_set(stage, "inputCol"):
        raise ExportError(f"{stage_label(stage)} sets both inputCol and inputCols")
    return multi


def io_ports(stage: Transformer) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Ports of a single-or-multi column transformer: ``input``/``output`` for single
    column stages, ``input0..``/``output0..`` for multi column ones (MultiInOutSparkOp)."""
    if uses_multi_columns(stage):
        inputs = [(f"input{i}", c) for i, c in enumerate(value(stage, "inputCols"))]
        outputs = [(f"output{i}", c) for i, c in enumerate(value(stage, "outputCols"))]
        if len(inputs) != len(outputs):
            raise ExportError(f"{stage_label(stage)} has {len(inputs)} inputCols but {len(outputs)} outputCols")
        return inputs, outputs
    return [("input", value(stage, "inputCol"))], [("output", value(stage, "outputCol"))]


def standard_ports(stage: Transformer) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``input``/``output`` ports of a single-column transformer."""
    return [("input", value(stage, "inputCol"))], [("output", value(stage, "outputCol"))]


def input_columns(stage: Transformer) -> list[str]:
    if uses_multi_columns(stage):
        return list(value(stage, "inputCols"))
    return [value(stage, "inputCol")]


def predictor_ports(stage: Transformer, *, classifier: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``features`` in; ``raw_prediction``/``probability``/``prediction`` out, each only if its
    column param is defined and non-empty (MLeap's SparkShapeSaver rule)."""
    features = defined_column(stage, "featuresCol")
    if features is None:
        raise ExportError(f"{stage_label(stage)} has no featuresCol")
    names = (("raw_prediction", "rawPredictionCol"), ("probability", "probabilityCol")) if classifier else ()
    outputs = [(port, col) for port, param in names if (col := defined_column(stage, param))]
    prediction = defined_column(stage, "predictionCol")
    if prediction:
        outputs.append(("prediction", prediction))
    if not outputs:
        raise ExportError(f"{stage_label(stage)} has no output column set")
    return [("features", features)], outputs
