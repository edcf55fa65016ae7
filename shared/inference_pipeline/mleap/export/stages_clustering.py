"""Converters for KMeans, BisectingKMeans and GaussianMixture models.

As MLeap 0.20's Spark serializers write them: ``k_means`` {``cluster_centers`` list of tensors,
``num_features``}; ``bisecting_k_means`` with its clustering tree in ``tree.json`` (pre-order,
one compact JSON object per line: ``index``, ``norm``, ``values``, ``numChildren``, the field
order of bundle-ml's spray-json format); ``gaussian_mixture`` {``means``, ``covs`` (column-major
2-D tensors), ``weights``}.

MLeap's k-means and bisecting k-means are Euclidean only; MLeap's serializer ignores Spark's
``distanceMeasure``, so a cosine model would silently score differently there. A cosine model is
written with our own ops ``inference_pipeline.k_means`` / ``inference_pipeline.bisecting_k_means``
(the same attributes and ``tree.json`` plus ``distance_measure``): our runtime predicts as Spark,
the JVM refuses the unknown op at load, and the export warns naming the stage.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from pyspark.ml import Transformer

from ..attributes import attr_list_double, attr_long, attr_string
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import node
from .params import stage_label, value
from .registry import ExportContext, converter, warn_not_jvm_loadable
from .stages_classifiers_extra import output_ports
from .trees import _java_model

TREE_FILE = "tree.json"


def _number(x: float) -> float | None:
    return None if np.isnan(x) or np.isinf(x) else float(x)


def _tensor(values: Any, shape: list[int] | None = None) -> dict[str, Any]:
    """One tensor inside a list value: no ``type`` key (bundle-ml adds it to top-level values only)."""
    flat = [_number(v) for v in np.asarray(values, dtype=np.float64).ravel()]
    dims = shape or [len(flat)]
    return {"double": flat, "shape": {"dimensions": [{"size": int(d), "name": ""} for d in dims]}}


def attr_list_tensor(tensors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "list", "tensor": tensors}


OWN_OPS = {"k_means": "inference_pipeline.k_means", "bisecting_k_means": "inference_pipeline.bisecting_k_means"}


def _op_for(stage: Transformer, ctx: ExportContext, mleap_op: str, attributes: dict[str, Any]) -> str:
    """MLeap's op for a Euclidean model; our own op (+ ``distance_measure``, a warning) for cosine."""
    measure = value(stage, "distanceMeasure")
    if measure == "euclidean":
        return mleap_op
    if measure != "cosine":
        raise ExportError(f"{stage_label(stage)}: distanceMeasure={measure!r} is neither euclidean nor cosine")
    attributes["distance_measure"] = attr_string(measure)
    warn_not_jvm_loadable(ctx, stage, OWN_OPS[mleap_op], "distanceMeasure=cosine")
    return OWN_OPS[mleap_op]


@converter("KMeansModel")
def k_means(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    centers = [np.asarray(c, dtype=np.float64) for c in stage.clusterCenters()]  # type: ignore[attr-defined]
    attributes = {
        "cluster_centers": attr_list_tensor([_tensor(c) for c in centers]),
        "num_features": attr_long(centers[0].size),
    }
    op = _op_for(stage, ctx, "k_means", attributes)
    return node(stage, op, attributes, *output_ports(stage, [("prediction", "predictionCol")]))


def _cluster_tree(stage: Transformer) -> str:
    """The mllib clustering tree (private in Spark, read through py4j as MLeap reads it by reflection)."""
    java = _java_model(stage)
    parent = getattr(java, "org$apache$spark$ml$clustering$BisectingKMeansModel$$parentModel")()
    lines: list[str] = []
    stack = [parent.root()]
    while stack:
        current = stack.pop()
        with_norm = current.centerWithNorm()
        children = list(current.children())
        record = {"index": int(current.index()), "norm": _number(with_norm.norm()),
                  "values": [_number(v) for v in with_norm.vector().toArray()], "numChildren": len(children)}
        lines.append(json.dumps(record, separators=(",", ":")) + "\n")
        stack.extend(reversed(children))  # pre-order: first child's subtree next
    return "".join(lines)


@converter("BisectingKMeansModel")
def bisecting_k_means(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes: dict[str, dict[str, Any]] = {}
    op = _op_for(stage, ctx, "bisecting_k_means", attributes)
    return node(stage, op, attributes, *output_ports(stage, [("prediction", "predictionCol")]),
                extra_files={TREE_FILE: _cluster_tree(stage)})


@converter("GaussianMixtureModel")
def gaussian_mixture(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    gaussians = stage.gaussiansDF.collect()  # type: ignore[attr-defined]
    means = [_tensor(row["mean"].toArray()) for row in gaussians]
    covs = []
    for row in gaussians:
        cov = row["cov"].toArray()  # rows x cols; Spark's tensor is column-major
        covs.append(_tensor(np.asarray(cov).T.ravel(), [cov.shape[0], cov.shape[1]]))
    attributes = {
        "means": attr_list_tensor(means),
        "covs": attr_list_tensor(covs),
        "weights": attr_list_double([float(w) for w in stage.weights]),  # type: ignore[attr-defined]
    }
    ports = output_ports(stage, [("prediction", "predictionCol"), ("probability", "probabilityCol")])
    return node(stage, "gaussian_mixture", attributes, *ports)
