"""IsotonicRegressionModel and AFTSurvivalRegressionModel, as MLeap 0.20's Spark serializers write them."""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_boolean, attr_double, attr_list_double, attr_long, attr_tensor_double
from ..bundle import NodeSpec
from .columns import is_vector
from .errors import ExportError
from .nodes import dense, node
from .params import defined_column, stage_label, value
from .registry import ExportContext, converter


def _features(stage: Transformer) -> str:
    features = defined_column(stage, "featuresCol")
    if features is None:
        raise ExportError(f"{stage_label(stage)} has no featuresCol")
    return features


@converter("IsotonicRegressionModel")
def isotonic_regression(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    label = stage_label(stage)
    features = _features(stage)
    attributes: dict[str, dict[str, Any]] = {
        "boundaries": attr_list_double(dense(stage.boundaries)),  # type: ignore[attr-defined]
        "predictions": attr_list_double(dense(stage.predictions)),  # type: ignore[attr-defined]
        "isotonic": attr_boolean(value(stage, "isotonic")),
    }
    # MLeap writes feature_index only for a vector features column (a double column has none).
    if is_vector(ctx.columns.field(features, label).dataType):
        attributes["feature_index"] = attr_long(value(stage, "featureIndex"))
    prediction = defined_column(stage, "predictionCol")
    if prediction is None:
        raise ExportError(f"{label} has no predictionCol")
    return node(stage, "isotonic_regression", attributes, [("features", features)], [("prediction", prediction)])


@converter("AFTSurvivalRegressionModel")
def aft_survival_regression(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    label = stage_label(stage)
    attributes = {
        "coefficients": attr_tensor_double(dense(stage.coefficients)),  # type: ignore[attr-defined]
        "intercept": attr_double(stage.intercept),  # type: ignore[attr-defined]
        "quantile_probabilities": attr_list_double(value(stage, "quantileProbabilities")),
        "scale": attr_double(stage.scale),  # type: ignore[attr-defined]
    }
    # SparkShapeSaver: an output port only for a column param that is defined and non-empty.
    # MLeap's AFTSurvivalRegression always produces "prediction", so the port must exist.
    prediction = defined_column(stage, "predictionCol")
    if prediction is None:
        raise ExportError(f"{label} has an empty predictionCol; MLeap's aft_survival_regression needs one")
    outputs = [("prediction", prediction)]
    quantiles = defined_column(stage, "quantilesCol")
    if quantiles:
        outputs.append(("quantiles", quantiles))
    return node(stage, "aft_survival_regression", attributes, [("features", _features(stage))], outputs)
