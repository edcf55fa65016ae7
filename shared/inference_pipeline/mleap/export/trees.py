"""Decision-tree structure from a fitted Spark tree model, as MLeap's ``tree.json`` lines.

PySpark exposes no Python view of tree nodes, so the nodes are read from the JVM model
through py4j (classic PySpark sessions; Spark Connect models have no JVM handle). The
encoding follows MLeap's ``SparkNodeWrapper`` + ``TreeSerializer``: one JSON object per
node in pre-order; classifier leaves carry the impurity stats (class counts), regressor
leaves the prediction; categorical splits store whichever side has fewer categories.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import ExportError

TREE_FILE = "tree.json"


def _java_model(model: Any) -> Any:
    java_obj = getattr(model, "_java_obj", None)
    if java_obj is None:
        raise ExportError(
            f"{type(model).__name__} {getattr(model, 'uid', '?')}: tree export needs a classic (py4j) "
            "Spark session; Spark Connect models do not expose their tree nodes"
        )
    return java_obj


def _split(split: Any) -> dict[str, Any]:
    kind = split.getClass().getSimpleName()
    if kind == "ContinuousSplit":
        return {"type": "continuous", "featureIndex": int(split.featureIndex()), "threshold": float(split.threshold())}
    if kind == "CategoricalSplit":
        left = [float(c) for c in split.leftCategories()]
        right = [float(c) for c in split.rightCategories()]
        is_left = len(left) < len(right)
        return {
            "type": "categorical",
            "featureIndex": int(split.featureIndex()),
            "isLeft": is_left,
            "numCategories": int(split.numCategories()),
            "categories": left if is_left else right,
        }
    raise ExportError(f"unknown Spark tree split class {kind}")


def tree_nodes(model: Any, *, with_impurities: bool) -> list[dict[str, Any]]:
    """Pre-order node records of one fitted Spark decision tree model."""
    nodes: list[dict[str, Any]] = []
    stack = [_java_model(model).rootNode()]
    while stack:
        node = stack.pop()
        if node.getClass().getSimpleName() == "InternalNode":
            nodes.append({"type": "internal", "split": _split(node.split())})
            # Pre-order: left subtree first, so push right before left.
            stack.append(node.rightChild())
            stack.append(node.leftChild())
        else:
            values = [float(v) for v in node.impurityStats().stats()] if with_impurities else [float(node.prediction())]
            nodes.append({"type": "leaf", "values": values})
    return nodes


def tree_json(nodes: list[dict[str, Any]]) -> str:
    """Newline-delimited JSON, one node per line, as MLeap's JsonFormatTreeWriter writes it."""
    return "".join(json.dumps(node, separators=(",", ":")) + "\n" for node in nodes)
