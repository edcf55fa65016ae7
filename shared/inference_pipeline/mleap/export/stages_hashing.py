"""FeatureHasher -> MLeap ``feature_hasher``, attribute for attribute as MLeap 0.20 writes it.

``num_features`` {long}, ``categorical_cols`` {list string; empty unless set}, ``input_shapes``
{list data_shape, from the dataset}, ``basic_types`` {list basic_type: the MLeap type of each
input column, Decimal as double}, ``input_names`` {list string}; ports ``input0..`` -> ``output``.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_list_data_shape, attr_list_string, attr_long
from ..bundle import NodeSpec
from .columns import basic_type_name
from .errors import ExportError
from .nodes import node
from .params import is_set, stage_label, value
from .registry import ExportContext, converter


def attr_list_basic_type(types: list[str]) -> dict[str, Any]:
    """Bundle.ML's list of basic types: ``{"type": "list", "basic_type": ["double", ...]}``."""
    return {"type": "list", "basic_type": list(types)}


@converter("FeatureHasher")
def feature_hasher(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    label = stage_label(stage)
    columns = list(value(stage, "inputCols"))
    shapes, types = [], []
    for column in columns:
        field = ctx.columns.field(column, label)
        basic = basic_type_name(field.dataType)
        if basic is None:
            raise ExportError(f"{label}: input column {column!r} is {field.dataType.simpleString()}; "
                              "FeatureHasher inputs must be numeric, boolean or string")
        types.append(basic)
        shapes.append(ctx.columns.data_shape(column, label))
    categorical = list(value(stage, "categoricalCols")) if is_set(stage, "categoricalCols") else []
    attributes = {
        "num_features": attr_long(value(stage, "numFeatures")),
        "categorical_cols": attr_list_string(categorical),
        "input_shapes": attr_list_data_shape(shapes),
        "basic_types": attr_list_basic_type(types),
        "input_names": attr_list_string(columns),
    }
    inputs = [(f"input{i}", c) for i, c in enumerate(columns)]
    return node(stage, "feature_hasher", attributes, inputs, [("output", value(stage, "outputCol"))])
