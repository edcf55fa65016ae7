"""Classifier ops beyond the linear/Bayes/tree ones: ``linear_svc``,
``multi_layer_perceptron_classifier`` and ``one_vs_rest``.

Attributes (MLeap 0.20's ops):

* ``linear_svc``: ``coefficients`` {tensor}, ``intercept`` {double}, ``threshold`` {double},
  ``num_classes`` {long, must be 2}. Ports ``features`` → ``raw_prediction``, ``prediction``.
* ``multi_layer_perceptron_classifier``: ``layers`` {list long}, ``weights`` {tensor: Spark's
  flat weight vector}, ``thresholds`` {list double, optional}. Ports ``features`` →
  ``raw_prediction``, ``probability``, ``prediction``.
* ``one_vs_rest``: ``num_classes`` {long}, ``num_features`` {long}; the binary classifiers are
  sub-models ``model0/`` .. ``model<n-1>/`` of the node directory, each a ``model.json`` (plus
  e.g. ``tree.json``) and no ``node.json``, as bundle-ml's ``ModelSerializer`` writes them.
  Ports ``features`` → ``raw_prediction``, ``prediction`` (and MLeap's own scalar
  ``probability``).

Where MLeap's math differs from Spark's we follow Spark (the model was trained there):

* OneVsRest: Spark's raw prediction is each child's ``rawPrediction(1)`` and the prediction its
  argmax. MLeap instead takes the argmax of each child's ``probability(1)`` (equal in exact
  arithmetic, but saturated probabilities tie where margins do not) and, for children that are
  not probabilistic in MLeap (LinearSVC), uses their 0/1 prediction as the raw score.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import decode_attributes, get_float, get_int, get_list
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.ops import base as ops_base
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op
from inference_pipeline.mleap.ops.classification import probability_to_prediction, softmax_rows
from inference_pipeline.mleap.ops.models import (
    ClassifierOp,
    PredictorModel,
    PredictorOp,
    optional_thresholds,
    required_array,
)
from inference_pipeline.mleap.ops.predictors import Features, Outputs, check_width, dense, matmul


@dataclass(frozen=True)
class LinearSVC:
    """Spark's ``LinearSVCModel``: margin ``w.x + b``, raw ``[-m, m]``, prediction ``m > threshold``."""

    coefficients: np.ndarray
    intercept: float
    threshold: float = 0.0

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.coefficients.size, "linear_svc")
        margin = matmul(x, self.coefficients) + self.intercept
        return {"raw_prediction": np.column_stack([-margin, margin]),
                "prediction": (margin > self.threshold).astype(np.float64)}


@dataclass(frozen=True)
class MultilayerPerceptron:
    """Spark's feed-forward topology: affine + sigmoid per hidden layer, affine + softmax last.

    ``weights`` is Spark's flat vector: per layer an ``out x in`` column-major matrix, then the
    ``out`` biases. ``raw_prediction`` is the last affine output (before softmax), as Spark's
    ``predictRaw``; without thresholds the prediction is its argmax (Spark's ``raw2prediction``).
    """

    layers: tuple[int, ...]
    matrices: tuple[np.ndarray, ...]  # each out x in
    biases: tuple[np.ndarray, ...]
    thresholds: Sequence[float] | None = None

    @classmethod
    def from_flat(cls, layers: Sequence[int], weights: np.ndarray,
                  thresholds: Sequence[float] | None = None) -> MultilayerPerceptron:
        if len(layers) < 2:
            raise ValueError(f"layers must list at least the input and output sizes, got {list(layers)}")
        expected = sum((n_in + 1) * n_out for n_in, n_out in zip(layers, layers[1:]))
        if weights.size != expected:
            raise ValueError(f"layers {list(layers)} need {expected} weights, got {weights.size}")
        matrices, biases, offset = [], [], 0
        for n_in, n_out in zip(layers, layers[1:]):
            matrices.append(weights[offset:offset + n_in * n_out].reshape(n_in, n_out).T)
            offset += n_in * n_out
            biases.append(weights[offset:offset + n_out])
            offset += n_out
        return cls(tuple(int(n) for n in layers), tuple(matrices), tuple(biases), thresholds)

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.layers[0], "multi_layer_perceptron_classifier")
        activation = dense(x)
        last = len(self.matrices) - 1
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            activation = activation @ matrix.T + bias
            if i < last:
                with np.errstate(over="ignore"):
                    activation = 1.0 / (1.0 + np.exp(-activation))  # Spark's SigmoidFunction
        raw = activation
        prob = softmax_rows(raw)
        if self.thresholds is None:
            prediction = raw.argmax(axis=1).astype(np.float64)
        else:
            prediction = probability_to_prediction(prob, self.thresholds)
        return {"raw_prediction": raw, "probability": prob, "prediction": prediction}


@register_op("linear_svc")
class LinearSVCOp(PredictorOp):  # MLeap's LinearSVC is not probabilistic: no probability port
    output_ports = ("prediction", "raw_prediction")

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        num_classes = get_int(attributes, "num_classes", 2)
        if num_classes != 2:
            raise ValueError(f"LinearSVC is binary; num_classes is {num_classes}")
        return LinearSVC(required_array(attributes, "coefficients"), get_float(attributes, "intercept"),
                         get_float(attributes, "threshold"))


@register_op("multi_layer_perceptron_classifier")
class MultilayerPerceptronOp(ClassifierOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        layers = [int(n) for n in get_list(attributes, "layers")]
        weights = required_array(attributes, "weights").ravel()
        return MultilayerPerceptron.from_flat(layers, weights, optional_thresholds(attributes, layers[-1] if layers else 0))


# Sub-models are built with this shape: the op's own features column, every classifier output.
_CHILD_SHAPE = NodeShape((("features", "features"),),
                         (("raw_prediction", "raw_prediction"), ("prediction", "prediction")))


def _load_child(directory: Any, name: str) -> PredictorOp:
    model_json = directory / "model.json"
    if not model_json.is_file():
        raise ValueError(f"{model_json} is missing")
    model = json.loads(model_json.read_text(encoding="utf-8"))
    op_name = model.get("op")
    cls = ops_base.op_class(str(op_name))
    if not issubclass(cls, PredictorOp) or "raw_prediction" not in cls.output_ports:
        raise ValueError(f"{model_json}: one_vs_rest needs binary classifiers, found op {op_name!r}")
    return cls(name, decode_attributes(model.get("attributes")), _CHILD_SHAPE, OpContext(directory, name))


@register_op("one_vs_rest")
class OneVsRestOp(Op):
    output_ports = ("raw_prediction", "probability", "prediction")

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.features = shape.require_input("features")
        self.outputs = [(port, column) for port, column in shape.outputs]
        unknown = [port for port, _ in self.outputs if port not in self.output_ports]
        if unknown or not self.outputs:
            raise ValueError(f"output ports {[p for p, _ in self.outputs]}: expected some of {', '.join(self.output_ports)}")
        num_classes = get_int(attributes, "num_classes")
        if num_classes < 1:
            raise ValueError(f"num_classes must be positive, got {num_classes}")
        self.num_features = get_int(attributes, "num_features")
        # Not named ``children``: bundle.needed_by treats ops with children as pipelines.
        self.classifiers = [_load_child(context.node_dir / f"model{i}", f"{name}/model{i}") for i in range(num_classes)]

    def transform(self, frame: LeapFrame) -> LeapFrame:
        features = frame.vector(self.features, self.label)
        if self.num_features and features.size != self.num_features:
            raise OpError(f"{self.label}: expects feature vectors of size {self.num_features}, got {features.size}")
        try:
            results = [child.model.outputs(features) for child in self.classifiers]
        except ValueError as exc:
            raise OpError(f"{self.label}: {exc}") from None
        raw = np.column_stack([r["raw_prediction"][:, 1] for r in results])
        for port, column in self.outputs:
            if port == "raw_prediction":
                frame.with_column(column, Vector.from_dense(raw))
            elif port == "prediction":
                frame.with_column(column, Scalar(raw.argmax(axis=1).astype(np.float64), "double"))
            else:  # MLeap's scalar: the winning child's probability of its class
                scores = np.column_stack([r["probability"][:, 1] if "probability" in r else r["prediction"]
                                          for r in results])
                frame.with_column(column, Scalar(scores.max(axis=1), "double"))
        return frame
