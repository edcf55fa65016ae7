"""MLeap's ``aft_survival_regression`` (Weibull accelerated failure time), Spark's math.

Attributes: ``coefficients`` {tensor double}, ``intercept`` {double}, ``scale`` {double},
``quantile_probabilities`` {list double}. Ports ``features`` -> ``prediction`` and, when the Spark
model had a ``quantilesCol``, ``quantiles`` (a vector, one value per probability).

prediction = exp(coefficients . x + intercept); quantiles = prediction * q_factor with
q_factor = exp(log(-log1p(-p)) * scale), which is how Spark 3.x computes them (precomputed
factors, then ``BLAS.scal``). MLeap 0.20's model computes ``exp(log(-log(1 - p)) / (1 / scale))``,
the Spark 2.0 formula: equal in exact arithmetic, a few ulps apart in floating point (more for p
near 0, where ``log(1 - p)`` loses digits). We follow Spark.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_array, get_float, get_list
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op
from inference_pipeline.mleap.ops.predictors import matmul


def quantile_factors(probabilities: list[float], scale: float) -> np.ndarray:
    """Spark's ``_quantiles``: exp(log(-log1p(-p)) * scale), per probability."""
    p = np.asarray(probabilities, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # p = 0 or 1: 0 and inf, as Spark
        return np.exp(np.log(-np.log1p(-p)) * scale)


@register_op("aft_survival_regression")
class AFTSurvivalRegression(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        features = shape.input("features")
        if features is None:
            raise ValueError("aft_survival_regression needs a 'features' input port")
        self.features = features
        self.prediction = shape.output("prediction")
        self.quantiles = shape.output("quantiles")
        if self.prediction is None and self.quantiles is None:
            raise ValueError("aft_survival_regression needs a 'prediction' or 'quantiles' output port")
        coefficients = get_array(attributes, "coefficients")
        if coefficients is None:
            raise ValueError("aft_survival_regression needs coefficients")
        self.coefficients = coefficients.ravel()
        self.intercept = get_float(attributes, "intercept")
        self.scale = get_float(attributes, "scale")
        self.probabilities = [float(p) for p in get_list(attributes, "quantile_probabilities")]
        self.factors = quantile_factors(self.probabilities, self.scale)
        self._coefficients_list = self.coefficients.tolist()
        self._factors_list = self.factors.tolist()

    def _check_size(self, size: int) -> None:
        if size != len(self.coefficients):
            raise OpError(f"{self.label}: expects feature vectors of size {len(self.coefficients)}, got {size}")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.features, self.label)
        self._check_size(x.size)
        with np.errstate(over="ignore"):
            lam = np.exp(matmul(x, self.coefficients) + self.intercept)
        if self.prediction is not None:
            frame.with_column(self.prediction, Scalar(lam))
        if self.quantiles is not None:
            frame.with_column(self.quantiles, Vector.from_dense(lam[:, None] * self.factors[None, :]))
        return frame

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        value = row[self.features]
        if not isinstance(value, list):
            raise OpError(f"{self.label}: column {self.features} must be a vector, got {type(value).__name__}")
        self._check_size(len(value))
        margin = sum(c * float(v) for c, v in zip(self._coefficients_list, value)) + self.intercept
        try:
            lam = math.exp(margin)
        except OverflowError:
            lam = math.inf
        if self.prediction is not None:
            row[self.prediction] = lam
        if self.quantiles is not None:
            row[self.quantiles] = [factor * lam for factor in self._factors_list]
        return True
