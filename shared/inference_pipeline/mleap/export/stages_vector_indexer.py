"""Converter for Spark's ``VectorIndexerModel`` (MLeap op ``vector_indexer``).

Written as MLeap 0.20's Spark ``VectorIndexerOp.store`` writes it: per categorical feature ``k``
``key_<k>_keys`` {list double} and ``key_<k>_values`` {list long}, then ``keys`` {list long},
``num_features`` {long} and ``handle_invalid`` {string}. A NaN category (Spark fits one when the
training data has NaN) is written as ``null``, which spray-json, MLeap's JSON reader, reads as NaN.
"""

from __future__ import annotations

from pyspark.ml import Transformer

from ..attributes import attr_list_double, attr_list_long, attr_long, attr_string
from ..bundle import NodeSpec
from .nodes import node
from .params import standard_ports, value
from .registry import ExportContext, converter


@converter("VectorIndexerModel")
def vector_indexer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    category_maps: dict[int, dict[float, int]] = stage.categoryMaps  # type: ignore[attr-defined]
    attributes: dict[str, object] = {}
    keys = sorted(int(k) for k in category_maps)
    for key in keys:
        pairs = list(category_maps[key].items())
        attributes[f"key_{key}_keys"] = attr_list_double([float(raw) for raw, _ in pairs])
        attributes[f"key_{key}_values"] = attr_list_long([int(index) for _, index in pairs])
    attributes["keys"] = attr_list_long(keys)
    attributes["num_features"] = attr_long(stage.numFeatures)  # type: ignore[attr-defined]
    attributes["handle_invalid"] = attr_string(value(stage, "handleInvalid"))
    return node(stage, "vector_indexer", attributes, *standard_ports(stage))
