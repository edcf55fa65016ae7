"""Building bundle NodeSpecs from Spark stages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspark.ml import Transformer

from ..attributes import dumps_json
from ..bundle import NodeSpec

Ports = list[tuple[str, str]]


def node(
    stage: Transformer | str,
    op: str,
    attributes: Mapping[str, dict[str, Any]],
    inputs: Ports,
    outputs: Ports,
    *,
    extra_files: Mapping[str, str | bytes] | None = None,
) -> NodeSpec:
    """A leaf node named after the stage uid (MLeap's Spark serializers do the same)."""
    name = stage if isinstance(stage, str) else stage.uid
    files = {path: data.encode() if isinstance(data, str) else data for path, data in (extra_files or {}).items()}
    return NodeSpec(
        name=name, op=op, attributes=dict(attributes), inputs=list(inputs), outputs=list(outputs), extra_files=files
    )


def dense(vector: Any) -> list[float]:
    """A Spark ML vector's values as floats."""
    return [float(x) for x in vector.toArray()]


def pipeline(name: str, children: list[NodeSpec]) -> NodeSpec:
    """A ``pipeline`` node; write_bundle derives its ``nodes`` attribute from the children."""
    return NodeSpec(name=name, op="pipeline", children=children)


def model_json(op: str, attributes: Mapping[str, dict[str, Any]]) -> str:
    """A ``model.json`` for sub-models that have no node of their own (ensemble ``treeN/`` dirs)."""
    return dumps_json({"op": op, "attributes": dict(attributes)})
