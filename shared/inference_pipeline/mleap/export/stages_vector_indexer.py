"""Converter for Spark's ``VectorIndexerModel`` (MLeap op ``vector_indexer``).

Written as MLeap 0.20's Spark ``VectorIndexerOp.store`` writes it: per categorical feature ``k``
``key_<k>_keys`` {list double} and ``key_<k>_values`` {list long}, then ``keys`` {list long},
``num_features`` {long} and ``handle_invalid`` {string}. A NaN category (Spark fits one when the
training data has NaN) is written as ``null``, which spray-json, MLeap's JSON reader, reads as NaN.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_list_double, attr_list_long, attr_long, attr_string
from ..bundle import NodeSpec
from .nodes import node
from .params import standard_ports, value
from .registry import ExportContext, converter
from .trees import _java_model


def _category_maps(stage: Transformer) -> dict[int, list[tuple[float, int]]]:
    """feature index -> (raw value, category index) pairs.

    pyspark 3.5 hands out the JVM's Scala maps through py4j, and looking a NaN key up in them
    returns None (Scala's ``==``); the entries are then read from the JVM map's entry set.
    """
    maps = stage.categoryMaps  # type: ignore[attr-defined]
    out = {int(k): [(float(raw), index) for raw, index in inner.items()] for k, inner in maps.items()}
    if all(index is not None for pairs in out.values() for _, index in pairs):
        return {k: [(raw, int(index)) for raw, index in pairs] for k, pairs in out.items()}
    java = _java_model(stage).javaCategoryMaps()
    return {int(k): [(float(e.getKey()), int(e.getValue())) for e in java.get(k).entrySet()] for k in java.keySet()}


@converter("VectorIndexerModel")
def vector_indexer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    category_maps = _category_maps(stage)
    attributes: dict[str, dict[str, Any]] = {}
    keys = sorted(category_maps)
    for key in keys:
        pairs = category_maps[key]
        attributes[f"key_{key}_keys"] = attr_list_double([float(raw) for raw, _ in pairs])
        attributes[f"key_{key}_values"] = attr_list_long([int(index) for _, index in pairs])
    attributes["keys"] = attr_list_long(keys)
    attributes["num_features"] = attr_long(stage.numFeatures)  # type: ignore[attr-defined]
    attributes["handle_invalid"] = attr_string(value(stage, "handleInvalid"))
    return node(stage, "vector_indexer", attributes, *standard_ports(stage))
