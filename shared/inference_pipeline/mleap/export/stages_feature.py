"""Converters for Spark feature transformers (indexers, encoders, scalers, assemblers)."""

from __future__ import annotations

import math
from typing import Any

from pyspark.ml import Transformer
from pyspark.sql.types import DoubleType

from ..attributes import (
    attr_boolean,
    attr_data_shape,
    attr_double,
    attr_int,
    attr_list_data_shape,
    attr_list_double,
    attr_list_int,
    attr_list_long,
    attr_list_string,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import dense, node
from .params import io_ports, is_set, stage_label, standard_ports, uses_multi_columns, value
from .registry import ExportContext, converter


@converter("StringIndexerModel")
def string_indexer(stage: Transformer, ctx: ExportContext) -> NodeSpec | list[NodeSpec]:
    """One ``string_indexer`` node per column: MLeap 0.20's reader refuses ``labels_length`` > 1
    ("Multi-input StringIndexer not supported yet"), and per-column nodes index identically."""
    labels_array = [list(labels) for labels in stage.labelsArray]  # type: ignore[attr-defined]
    inputs, outputs = io_ports(stage)
    if len(labels_array) != len(inputs):
        raise ExportError(f"{stage_label(stage)} has {len(labels_array)} label lists for {len(inputs)} columns")
    nodes = []
    for labels, (_, in_col), (_, out_col) in zip(labels_array, inputs, outputs, strict=True):
        attributes: dict[str, dict[str, Any]] = {
            "labels_length": attr_int(1),
            "labels_array_0": attr_list_string(labels),
            "handle_invalid": attr_string(value(stage, "handleInvalid")),
            # MLeap 0.20 (the SageMaker image) also writes the column names; its reader ignores them.
            "input_col": attr_string(in_col),
            "output_col": attr_string(out_col),
        }
        nodes.append(node(_column_node_name(stage, in_col, len(inputs)), "string_indexer", attributes,
                          [("input", in_col)], [("output", out_col)]))
    return nodes[0] if len(nodes) == 1 else nodes


def _column_node_name(stage: Transformer, column: str, n_columns: int) -> str:
    """The stage uid for a single-column stage, ``<uid>_<column>`` for one node of a multi-column one."""
    return stage.uid if n_columns == 1 else f"{stage.uid}_{column}"


@converter("OneHotEncoderModel")
def one_hot_encoder(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes: dict[str, dict[str, Any]] = {
        "category_sizes": attr_list_int(stage.categorySizes),  # type: ignore[attr-defined]
        "drop_last": attr_boolean(value(stage, "dropLast")),
        "handle_invalid": attr_string(value(stage, "handleInvalid")),
    }
    # MLeap's Spark 3 serializer also records the column params under their Spark names.
    for name in ("inputCol", "outputCol"):
        if is_set(stage, name):
            attributes[name] = attr_string(value(stage, name))
    for name in ("inputCols", "outputCols"):
        if is_set(stage, name):
            attributes[name] = attr_list_string(value(stage, name))
    inputs, outputs = io_ports(stage)
    return node(stage, "one_hot_encoder", attributes, inputs, outputs)


@converter("VectorAssembler")
def vector_assembler(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    columns = list(value(stage, "inputCols"))
    if value(stage, "handleInvalid") != "error":
        ctx.warnings.append(
            f"{stage_label(stage)}: handleInvalid={value(stage, 'handleInvalid')!r} has no MLeap equivalent; "
            "the bundle raises an error on null inputs instead"
        )
    shapes = [ctx.columns.data_shape(c, stage_label(stage)) for c in columns]
    inputs = [(f"input{i}", c) for i, c in enumerate(columns)]
    return node(
        stage,
        "vector_assembler",
        {"input_shapes": attr_list_data_shape(shapes)},
        inputs,
        [("output", value(stage, "outputCol"))],
    )


@converter("IndexToString")
def index_to_string(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    input_col = value(stage, "inputCol")
    if is_set(stage, "labels") and value(stage, "labels"):
        labels = list(value(stage, "labels"))
    else:
        labels = ctx.columns.nominal_labels(input_col, stage_label(stage))
    attributes = {"labels": attr_list_string(labels), "input_shape": attr_data_shape("scalar", nullable=False)}
    return node(
        stage, "reverse_string_indexer", attributes, [("input", input_col)], [("output", value(stage, "outputCol"))]
    )


@converter("StandardScalerModel")
def standard_scaler(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes: dict[str, dict[str, Any]] = {}
    if value(stage, "withMean"):
        attributes["mean"] = attr_tensor_double(dense(stage.mean))  # type: ignore[attr-defined]
    if value(stage, "withStd"):
        attributes["std"] = attr_tensor_double(dense(stage.std))  # type: ignore[attr-defined]
    if not attributes:
        raise ExportError(
            f"{stage_label(stage)} has withMean=False and withStd=False; MLeap's standard_scaler needs one"
        )
    return node(stage, "standard_scaler", attributes, *standard_ports(stage))


@converter("MinMaxScalerModel")
def min_max_scaler(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "min": attr_tensor_double(dense(stage.originalMin)),  # type: ignore[attr-defined]
        "max": attr_tensor_double(dense(stage.originalMax)),  # type: ignore[attr-defined]
        "minValue": attr_double(value(stage, "min")),
        "maxValue": attr_double(value(stage, "max")),
    }
    return node(stage, "min_max_scaler", attributes, *standard_ports(stage))


@converter("MaxAbsScalerModel")
def max_abs_scaler(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {"maxAbs": attr_tensor_double(dense(stage.maxAbs))}  # type: ignore[attr-defined]
    return node(stage, "max_abs_scaler", attributes, *standard_ports(stage))


@converter("Bucketizer")
def bucketizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    if uses_multi_columns(stage) or is_set(stage, "splitsArray"):
        raise ExportError(
            f"{stage_label(stage)}: MLeap supports only the single-column Bucketizer (splits, not splitsArray)"
        )
    attributes = {
        "splits": attr_list_double([float(s) for s in value(stage, "splits")]),
        "handle_invalid": attr_string(value(stage, "handleInvalid")),
    }
    return node(stage, "bucketizer", attributes, *standard_ports(stage))


@converter("Binarizer")
def binarizer(stage: Transformer, ctx: ExportContext) -> NodeSpec | list[NodeSpec]:
    """One ``binarizer`` node per column: MLeap 0.20 refuses ``thresholds`` ("Multi-column
    Binarizer not supported yet"); each column keeps its own threshold and shape."""
    label = stage_label(stage)
    inputs, outputs = io_ports(stage)
    multi = uses_multi_columns(stage)
    thresholds = list(value(stage, "thresholds")) if multi else [value(stage, "threshold")]
    if len(thresholds) != len(inputs):
        raise ExportError(f"{label} has {len(thresholds)} thresholds for {len(inputs)} columns")
    nodes = []
    for threshold, (_, in_col), (_, out_col) in zip(thresholds, inputs, outputs, strict=True):
        shape = ctx.columns.data_shape(in_col, label)
        attributes = {
            "input_shapes": attr_data_shape(shape.base, shape.nullable, shape.size),
            "threshold": attr_double(threshold),
        }
        nodes.append(node(_column_node_name(stage, in_col, len(inputs)), "binarizer", attributes,
                          [("input", in_col)], [("output", out_col)]))
    return nodes[0] if len(nodes) == 1 else nodes


@converter("Normalizer")
def normalizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    # MLeap 0.20's NormalizerOp reads input_size {int} as well as p_norm; p = inf is written as
    # the 1.0E309 literal (attr_double), which the JVM parses as +Infinity.
    input_size = ctx.columns.vector_size(value(stage, "inputCol"), stage_label(stage))
    attributes = {"p_norm": attr_double(value(stage, "p")), "input_size": attr_int(input_size)}
    return node(stage, "normalizer", attributes, *standard_ports(stage))


@converter("VectorSlicer")
def vector_slicer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    """Names are resolved to indices here, through the input vector's ML attributes, and appended
    after the plain indices as Spark does. MLeap's reader selects ``indices ++ named_indices``, so
    writing the resolved list as ``indices`` with empty ``names`` selects the same features."""
    label = stage_label(stage)
    input_col = value(stage, "inputCol")
    indices = [int(i) for i in value(stage, "indices")]
    names = list(value(stage, "names"))
    if names:
        by_name = ctx.columns.vector_feature_names(input_col, label)
        missing = [n for n in names if n not in by_name]
        if missing:
            raise ExportError(f"{label}: feature name(s) {missing} are not in the input vector's metadata")
        indices += [by_name[n] for n in names]
    attributes = {
        "indices": attr_list_long(indices),
        "names": attr_list_string([]),
        "named_indices": attr_list_int([]),
        "input_size": attr_int(ctx.columns.vector_size(input_col, label)),
    }
    return node(stage, "vector_slicer", attributes, *standard_ports(stage))


@converter("PolynomialExpansion")
def polynomial_expansion(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    input_size = ctx.columns.vector_size(value(stage, "inputCol"), stage_label(stage))
    attributes = {"degree": attr_long(value(stage, "degree")), "input_size": attr_long(input_size)}
    return node(stage, "polynomial_expansion", attributes, *standard_ports(stage))


@converter("PCAModel")
def pca(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    pc = stage.pc  # type: ignore[attr-defined]
    # A 2-D array is written column-major with shape [rows, cols], like MLeap's DenseTensor(pc.values).
    attributes = {"principal_components": attr_tensor_double(pc.toArray())}
    return node(stage, "pca", attributes, *standard_ports(stage))


@converter("Interaction")
def interaction(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    label = stage_label(stage)
    columns = list(value(stage, "inputCols"))
    attributes: dict[str, dict[str, Any]] = {
        "num_inputs": attr_int(len(columns)),
        "input_shapes": attr_list_data_shape([ctx.columns.data_shape(c, label) for c in columns]),
    }
    for i, column in enumerate(columns):
        attributes[f"num_features{i}"] = attr_list_int(ctx.columns.feature_counts(column, label))
    inputs = [(f"input{i}", c) for i, c in enumerate(columns)]
    return node(stage, "interaction", attributes, inputs, [("output", value(stage, "outputCol"))])


@converter("ImputerModel")
def imputer(stage: Transformer, ctx: ExportContext) -> list[NodeSpec]:
    """One MLeap ``imputer`` node per column (MLeap's imputer is single-column).

    MLeap replaces null, NaN and ``missing_value``; Spark replaces null and values equal to
    ``missingValue`` (NaN equals NaN in Spark SQL) and casts the result back to the input
    type. The two agree exactly for double columns with ``missingValue = NaN`` (the default),
    so only that case is exported.
    """
    label = stage_label(stage)
    missing_value = float(value(stage, "missingValue"))
    if not math.isnan(missing_value):
        raise ExportError(
            f"{label}: missingValue={missing_value} cannot be exported: MLeap's imputer also replaces NaN, "
            "Spark does not (only missingValue=NaN, the default, has identical semantics)"
        )
    inputs, outputs = io_ports(stage)
    surrogates = stage.surrogateDF.head()  # type: ignore[attr-defined]
    if surrogates is None:
        raise ExportError(f"{label}: surrogateDF is empty")
    nodes = []
    for (_, in_col), (_, out_col) in zip(inputs, outputs, strict=True):
        field = ctx.columns.field(in_col, label)
        if not isinstance(field.dataType, DoubleType):
            raise ExportError(
                f"{label}: column {in_col!r} is {field.dataType.simpleString()}; Spark casts imputed values back "
                "to that type while MLeap's imputer outputs double, so only double columns are exported"
            )
        attributes = {
            "surrogate_value": attr_double(float(surrogates[in_col])),
            "missing_value": attr_double(missing_value),
            "strategy": attr_string(value(stage, "strategy")),
            "nullable_input": attr_boolean(field.nullable),
        }
        name = stage.uid if len(inputs) == 1 else f"{stage.uid}_{in_col}"
        nodes.append(node(name, "imputer", attributes, [("input", in_col)], [("output", out_col)]))
    return nodes
