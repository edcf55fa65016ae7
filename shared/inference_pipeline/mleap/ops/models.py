"""Predictor ops: linear_regression, logistic_regression, naive_bayes (+ the shared predictor op).

Ports (MLeap's shape): input ``features``; outputs ``prediction`` (double) and, for classifiers,
optionally ``raw_prediction`` and ``probability`` (dense double vectors, one entry per class).
Only the outputs listed in node.json are written. GBT bundles from older MLeap name the raw port
``rawPrediction``; both spellings are accepted.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from inference_pipeline.mleap.attributes import EMPTY, get_array, get_float, get_int, get_list, get_str
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op
from inference_pipeline.mleap.ops.predictors import (
    NAIVE_BAYES_TYPES,
    BinaryLogisticRegression,
    Features,
    LinearRegression,
    MultinomialLogisticRegression,
    NaiveBayes,
    Outputs,
)

_PORT_ALIASES = {"rawPrediction": "raw_prediction"}


class PredictorModel(Protocol):
    def outputs(self, x: Features) -> Outputs: ...


def required_array(attributes: dict[str, Any], key: str) -> np.ndarray:
    value = get_array(attributes, key)
    if value is None:
        raise ValueError(f"attribute {key!r} is missing")
    return value


class PredictorOp(Op):
    """Reads ``features``, runs ``self.model`` and writes the ports the node declares."""

    output_ports: tuple[str, ...] = ("prediction",)
    #: Ports written as one double per row; the others (raw_prediction, probability) are vectors.
    scalar_ports: frozenset[str] = frozenset({"prediction"})

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.features = shape.require_input("features")
        self.outputs: list[tuple[str, str]] = []
        for port, column in shape.outputs:
            key = _PORT_ALIASES.get(port, port)
            if key not in self.output_ports:
                raise ValueError(f"unknown output port {port!r} (expected {', '.join(self.output_ports)})")
            self.outputs.append((key, column))
        # MLeap builds only the ports that exist (a classifier exported with predictionCol=""
        # has just probability/raw_prediction); it needs at least one to produce anything.
        if not self.outputs:
            raise ValueError(f"node.json has no output port (expected one of {', '.join(self.output_ports)})")
        self.model: PredictorModel = self.build(attributes, context)

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        raise NotImplementedError

    def transform(self, frame: LeapFrame) -> LeapFrame:
        features = frame.vector(self.features, self.label)
        try:
            results = self.model.outputs(features)
        except ValueError as exc:
            raise OpError(f"{self.label}: {exc}") from None
        for key, column in self.outputs:
            value = results[key]
            frame.with_column(column, Scalar(value, "double") if key in self.scalar_ports else Vector.from_dense(value))
        return frame


class ClassifierOp(PredictorOp):
    output_ports = ("prediction", "raw_prediction", "probability")


def optional_thresholds(attributes: dict[str, Any], num_classes: int) -> list[float] | None:
    if attributes.get("thresholds") in (None, EMPTY):
        return None
    thresholds = [float(t) for t in get_list(attributes, "thresholds")]
    if len(thresholds) != num_classes:
        raise ValueError(f"thresholds has {len(thresholds)} entries but num_classes is {num_classes}")
    return thresholds


@register_op("linear_regression")
class LinearRegressionOp(PredictorOp):
    """``coefficients`` {tensor double}, ``intercept`` {double}."""

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        return LinearRegression(required_array(attributes, "coefficients"), get_float(attributes, "intercept"))


@register_op("logistic_regression")
class LogisticRegressionOp(ClassifierOp):
    """Binomial: ``coefficients``, ``intercept``, ``threshold`` (absent: 0.5).
    Multinomial (``num_classes`` > 2 or a ``coefficient_matrix``): ``coefficient_matrix``
    {tensor classes x features, column-major}, ``intercept_vector``, optional ``thresholds``."""

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        num_classes = get_int(attributes, "num_classes", 2)
        if num_classes > 2 or "coefficient_matrix" in attributes:
            matrix = required_array(attributes, "coefficient_matrix")
            intercepts = required_array(attributes, "intercept_vector")
            if matrix.ndim != 2 or matrix.shape[0] != intercepts.size:
                raise ValueError(f"coefficient_matrix shape {matrix.shape} does not match "
                                 f"{intercepts.size} intercepts")
            return MultinomialLogisticRegression(matrix, intercepts, optional_thresholds(attributes, intercepts.size))
        # The Scala writer leaves a 0.0 threshold out ({}), which get_float reads as 0.0.
        return BinaryLogisticRegression(required_array(attributes, "coefficients"),
                                        get_float(attributes, "intercept"), get_float(attributes, "threshold", 0.5))


@register_op("naive_bayes")
class NaiveBayesOp(ClassifierOp):
    """``pi`` {tensor log priors}, ``theta`` {tensor classes x features}, ``model_type``
    {string multinomial|bernoulli (MLeap); complement|gaussian (Spark 3, gaussian needs ``sigma``)}."""

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        pi = required_array(attributes, "pi")
        theta = required_array(attributes, "theta")
        if theta.ndim == 1:  # no 2-d shape recorded: Spark's column-major classes x features
            theta = theta.reshape(-1, pi.size).T
        if theta.shape[0] != pi.size:
            raise ValueError(f"theta has {theta.shape[0]} rows but pi has {pi.size} classes")
        model_type = get_str(attributes, "model_type", "multinomial") or "multinomial"
        if model_type not in NAIVE_BAYES_TYPES:
            raise ValueError(f"model_type {model_type!r} is not one of {', '.join(NAIVE_BAYES_TYPES)}")
        sigma = get_array(attributes, "sigma")
        if model_type == "gaussian":
            if sigma is None:
                raise ValueError("gaussian naive Bayes needs the 'sigma' attribute, which MLeap's Spark "
                                 "serializer does not write; this bundle cannot be scored faithfully")
            sigma = sigma if sigma.ndim == 2 else sigma.reshape(-1, pi.size).T
        return NaiveBayes(pi, theta, model_type, sigma, optional_thresholds(attributes, pi.size))
