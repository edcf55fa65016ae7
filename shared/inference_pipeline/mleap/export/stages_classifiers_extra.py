"""Converters for LinearSVC, MultilayerPerceptronClassifier and OneVsRest models.

Written as MLeap 0.20's Spark serializers write them (``LinearSVCOp``,
``MultiLayerPerceptronClassifierOp``, ``OneVsRestOp``). OneVsRest stores each binary classifier
as a sub-model ``model<i>/`` of its node directory: that classifier's ``model.json`` (and files
such as ``tree.json``) with no ``node.json``, exactly what bundle-ml's ``ModelSerializer`` writes
for ``context.bundleContext("model<i>")``; the classifiers are converted by their own converters.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_double, attr_list_double, attr_list_long, attr_long, attr_tensor_double
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import dense, model_json, node
from .params import defined_column, is_set, stage_label, value
from .registry import ExportContext, convert, converter

Ports = list[tuple[str, str]]


def output_ports(stage: Transformer, specs: list[tuple[str, str]]) -> tuple[Ports, Ports]:
    """``features`` in; each (port, column param) out whose column is defined and non-empty, in
    the serializer's order (MLeap's SparkShapeSaver leaves the others out)."""
    features = defined_column(stage, "featuresCol")
    if features is None:
        raise ExportError(f"{stage_label(stage)} has no featuresCol")
    outputs = [(port, column) for port, param in specs if (column := defined_column(stage, param))]
    if not outputs:
        raise ExportError(f"{stage_label(stage)} has no output column set")
    return [("features", features)], outputs


@converter("LinearSVCModel")
def linear_svc(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "num_classes": attr_long(stage.numClasses),  # type: ignore[attr-defined]
        "coefficients": attr_tensor_double(dense(stage.coefficients)),  # type: ignore[attr-defined]
        "intercept": attr_double(stage.intercept),  # type: ignore[attr-defined]
        "threshold": attr_double(value(stage, "threshold")),
    }
    ports = output_ports(stage, [("raw_prediction", "rawPredictionCol"), ("prediction", "predictionCol")])
    return node(stage, "linear_svc", attributes, *ports)


@converter("MultilayerPerceptronClassificationModel")
def multilayer_perceptron(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes: dict[str, Any] = {
        "layers": attr_list_long([int(n) for n in value(stage, "layers")]),
        "weights": attr_tensor_double(dense(stage.weights)),  # type: ignore[attr-defined]
    }
    if is_set(stage, "thresholds"):  # MLeap writes them only when set
        attributes["thresholds"] = attr_list_double(value(stage, "thresholds"))
    ports = output_ports(stage, [("raw_prediction", "rawPredictionCol"), ("probability", "probabilityCol"),
                                 ("prediction", "predictionCol")])
    return node(stage, "multi_layer_perceptron_classifier", attributes, *ports)


@converter("OneVsRestModel")
def one_vs_rest(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    models = list(stage.models)  # type: ignore[attr-defined]
    if not models:
        raise ExportError(f"{stage_label(stage)} has no classifiers")
    files: dict[str, str | bytes] = {}
    for i, model in enumerate(models):
        specs = convert(model, ctx)
        if len(specs) != 1 or specs[0].children:
            raise ExportError(f"{stage_label(stage)}: classifier {i} ({type(model).__name__}) is not a single model")
        child = specs[0]
        files[f"model{i}/model.json"] = model_json(child.op, child.attributes)
        for relative, payload in child.extra_files.items():
            files[f"model{i}/{relative}"] = payload
    attributes = {
        "num_classes": attr_long(len(models)),
        "num_features": attr_long(models[0].numFeatures),
    }
    ports = output_ports(stage, [("raw_prediction", "rawPredictionCol"), ("prediction", "predictionCol")])
    return node(stage, "one_vs_rest", attributes, *ports, extra_files=files)
