"""``TargetEncoderModel`` (Spark 4) → our own op ``inference_pipeline.target_encoder``, one node per column.

MLeap has no target encoder op, so the bundle is written under our op name (see
``ops/target_encoder.py`` for the attributes); the JVM refuses it at load and the export warns,
naming the stage. The training statistics are not exposed by pyspark; they are read from the
Java model (``TargetEncoderModel.stats``: one Scala ``Map[category, (count, stat)]`` per input
column), where Spark keeps the whole data set under ``Int.MaxValue`` and nulls under ``-1``.
The smoothing, target type and handleInvalid params are written as they are, and the runtime
computes the encodings with Spark's formula, as Spark's ``transform`` does.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_double, attr_list_double, attr_string
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import node
from .params import is_set, stage_label, value
from .registry import ExportContext, converter, warn_not_jvm_loadable

OP = "inference_pipeline.target_encoder"
UNSEEN_CATEGORY = float(2**31 - 1)  # TargetEncoder.UNSEEN_CATEGORY: Int.MaxValue, the global stats
NULL_CATEGORY = -1.0  # TargetEncoder.NULL_CATEGORY


def _columns(stage: Transformer) -> list[tuple[str, str]]:
    """(input, output) pairs as Spark's ``inputFeatures`` / ``outputFeatures`` resolve them."""
    if is_set(stage, "inputCol"):
        inputs = [str(value(stage, "inputCol"))]
    elif is_set(stage, "inputCols"):
        inputs = [str(c) for c in value(stage, "inputCols")]
    else:
        raise ExportError(f"{stage_label(stage)} has no inputCol or inputCols")
    if is_set(stage, "outputCol"):
        outputs = [str(value(stage, "outputCol"))]
    elif is_set(stage, "outputCols"):
        outputs = [str(c) for c in value(stage, "outputCols")]
    else:
        outputs = [f"{c}_indexed" for c in inputs]  # Spark's default output names
    if len(inputs) != len(outputs):
        raise ExportError(f"{stage_label(stage)} has {len(inputs)} input but {len(outputs)} output columns")
    return list(zip(inputs, outputs))


def _stats(stage: Transformer) -> list[dict[float, tuple[float, float]]]:
    """``stats`` of the Java model, per column: category -> (count, stat)."""
    java = getattr(stage, "_java_obj", None)
    if java is None:
        raise ExportError(f"{stage_label(stage)} has no Java model to read its statistics from")
    columns = []
    for scala_map in java.stats():
        entries: dict[float, tuple[float, float]] = {}
        iterator = scala_map.iterator()
        while iterator.hasNext():
            entry = iterator.next()
            count_and_stat = entry._2()
            entries[float(entry._1())] = (float(count_and_stat._1()), float(count_and_stat._2()))
        columns.append(entries)
    return columns


@converter("TargetEncoderModel")
def target_encoder(stage: Transformer, ctx: ExportContext) -> list[NodeSpec]:
    columns = _columns(stage)
    stats = _stats(stage)
    if len(stats) != len(columns):
        raise ExportError(f"{stage_label(stage)} has statistics for {len(stats)} columns but {len(columns)} "
                          "input columns")
    common = {
        "target_type": attr_string(str(value(stage, "targetType"))),
        "smoothing": attr_double(float(value(stage, "smoothing"))),
        "handle_invalid": attr_string(str(value(stage, "handleInvalid"))),
    }
    nodes = []
    for (in_col, out_col), column_stats in zip(columns, stats):
        if UNSEEN_CATEGORY not in column_stats:
            raise ExportError(f"{stage_label(stage)}: column {in_col} has no global statistics")
        seen = sorted(c for c in column_stats if c not in (UNSEEN_CATEGORY, NULL_CATEGORY))
        attributes: dict[str, dict[str, Any]] = dict(common)
        attributes["categories"] = attr_list_double(seen)
        attributes["counts"] = attr_list_double([column_stats[c][0] for c in seen])
        attributes["stats"] = attr_list_double([column_stats[c][1] for c in seen])
        attributes["unseen_count"] = attr_double(column_stats[UNSEEN_CATEGORY][0])
        attributes["unseen_stat"] = attr_double(column_stats[UNSEEN_CATEGORY][1])
        if NULL_CATEGORY in column_stats:
            attributes["null_count"] = attr_double(column_stats[NULL_CATEGORY][0])
            attributes["null_stat"] = attr_double(column_stats[NULL_CATEGORY][1])
        name = stage.uid if len(columns) == 1 else f"{stage.uid}_{in_col}"
        nodes.append(node(name, OP, attributes, [("input", in_col)], [("output", out_col)]))
    warn_not_jvm_loadable(ctx, stage, OP, f"{len(columns)} column(s)")
    return nodes
