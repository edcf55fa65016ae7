"""The ``generalized_linear_regression`` op: Spark's ``GeneralizedLinearRegressionModel``.

Attributes (MLeap 0.20's ``GeneralizedLinearRegressionOp``): ``coefficients`` {tensor},
``intercept`` {double}, ``family`` {string gaussian|binomial|poisson|gamma}, ``link`` {string
identity|log|inverse|logit|probit|cloglog|sqrt; absent → the family's default}. Ports
``features`` → ``prediction`` and optionally ``link_prediction``.

``link_prediction`` is ``eta = w.x + b``; ``prediction`` is ``family.project(link.unlink(eta))``
with Spark's formulas and clamps. MLeap 0.20 knows no ``tweedie`` family and no power links, so
the exporter writes a Tweedie model as the equivalent named family and link where one exists;
such bundles never reach this op with ``tweedie``.

``inference_pipeline.generalized_linear_regression`` (our own op, see ``jvm_rules.OWN_OPS``) is
for the GLMs MLeap cannot represent: family ``tweedie`` (Spark's ``Tweedie(variancePower)``, its
fitted-value clamp is Poisson's), link ``power`` with ``link_power`` {double} (Spark's
``Power(linkPower)``: ``unlink(eta) = eta ** (1 / linkPower)``), and an optional ``offset`` input
port (Spark's ``offsetCol``: ``eta = w.x + b + offset``). The JVM refuses the op name, so such a
bundle never loads there with different scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_float, get_str
from inference_pipeline.mleap.frame import LeapFrame, Scalar
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, OpError, register_op
from inference_pipeline.mleap.ops.models import PredictorModel, PredictorOp, required_array
from inference_pipeline.mleap.ops.predictors import Features, Outputs, check_width, matmul

EPSILON = 1e-16  # Spark's GeneralizedLinearRegression.epsilon (the fitted-value floor)
_DOUBLE_MAX = np.finfo(np.float64).max

_erf = np.frompyfunc(math.erf, 1, 1)


def _probit_unlink(eta: np.ndarray) -> np.ndarray:
    # Spark: breeze Gaussian(0, 1).cdf(eta) = 0.5 * (1 + erf((eta - 0) / (sqrt(2) * 1))).
    return 0.5 * (1.0 + np.asarray(_erf(eta / math.sqrt(2.0)), dtype=np.float64))


# Inverse links, written as Spark writes them (same operation order, so the same rounding).
UNLINK: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda eta: eta,
    "logit": lambda eta: 1.0 / (1.0 + np.exp(-1.0 * eta)),
    "log": np.exp,
    "inverse": lambda eta: 1.0 / eta,
    "probit": _probit_unlink,
    "cloglog": lambda eta: 1.0 - np.exp(-1.0 * np.exp(eta)),
    "sqrt": lambda eta: eta * eta,
}

DEFAULT_LINK = {"gaussian": "identity", "binomial": "logit", "poisson": "log", "gamma": "inverse"}


def _project_gaussian(mu: np.ndarray) -> np.ndarray:
    return np.where(np.isneginf(mu), -_DOUBLE_MAX, np.where(np.isposinf(mu), _DOUBLE_MAX, mu))


def _project_binomial(mu: np.ndarray) -> np.ndarray:
    return np.where(mu < EPSILON, EPSILON, np.where(mu > 1.0 - EPSILON, 1.0 - EPSILON, mu))


def _project_positive(mu: np.ndarray) -> np.ndarray:
    # Poisson, Gamma (and Spark's Tweedie): floor at epsilon, +inf -> Double.MaxValue; NaN stays.
    return np.where(mu < EPSILON, EPSILON, np.where(np.isinf(mu), _DOUBLE_MAX, mu))


PROJECT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gaussian": _project_gaussian,
    "binomial": _project_binomial,
    "poisson": _project_positive,
    "gamma": _project_positive,
}
# Our own op adds Spark's Tweedie family (variance powers other than 0/1/2) and its power link.
OWN_PROJECT = {**PROJECT, "tweedie": _project_positive}
POWER_LINK = "power"


def power_unlink(link_power: float) -> Callable[[np.ndarray], np.ndarray]:
    """Spark's ``Power(linkPower).unlink``: ``exp(eta)`` for power 0, else ``pow(eta, 1 / linkPower)``."""
    if link_power == 0.0:
        return np.exp
    exponent = 1.0 / link_power
    return lambda eta: np.power(eta, exponent)


@dataclass(frozen=True)
class GeneralizedLinearModel:
    coefficients: np.ndarray
    intercept: float
    project: Callable[[np.ndarray], np.ndarray]
    unlink: Callable[[np.ndarray], np.ndarray]

    def outputs(self, x: Features, offset: np.ndarray | None = None) -> Outputs:
        check_width(x, self.coefficients.size, "generalized_linear_regression")
        eta = matmul(x, self.coefficients) + self.intercept
        if offset is not None:  # Spark: dot(features, coefficients) + intercept + offset
            eta = eta + offset
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            mu = self.project(self.unlink(eta))
        return {"prediction": mu, "link_prediction": eta}


@register_op("generalized_linear_regression")
class GeneralizedLinearRegressionOp(PredictorOp):
    output_ports = ("prediction", "link_prediction")
    scalar_ports = frozenset(output_ports)

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        family = get_str(attributes, "family")
        if family not in PROJECT:
            raise ValueError(f"family {family!r} is not one of {', '.join(PROJECT)} (MLeap 0.20's families)")
        link = get_str(attributes, "link") or DEFAULT_LINK[family]
        if link not in UNLINK:
            raise ValueError(f"link {link!r} is not one of {', '.join(UNLINK)}")
        return GeneralizedLinearModel(required_array(attributes, "coefficients"),
                                      get_float(attributes, "intercept"), PROJECT[family], UNLINK[link])


@register_op("inference_pipeline.generalized_linear_regression")
class OwnGeneralizedLinearRegressionOp(GeneralizedLinearRegressionOp):
    """Tweedie family, power link and ``offset`` port (see the module docstring)."""

    op_name = "inference_pipeline.generalized_linear_regression"  # register_op keeps an inherited name

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.offset = shape.input("offset")

    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        family = get_str(attributes, "family")
        if family not in OWN_PROJECT:
            raise ValueError(f"family {family!r} is not one of {', '.join(OWN_PROJECT)}")
        link = get_str(attributes, "link") or DEFAULT_LINK.get(family, "")
        if link == POWER_LINK:
            if "link_power" not in attributes:
                raise ValueError("link 'power' needs the link_power attribute")
            unlink = power_unlink(get_float(attributes, "link_power"))
        elif link in UNLINK:
            unlink = UNLINK[link]
        else:
            raise ValueError(f"link {link!r} is not one of {', '.join([*UNLINK, POWER_LINK])}")
        return GeneralizedLinearModel(required_array(attributes, "coefficients"),
                                      get_float(attributes, "intercept"), OWN_PROJECT[family], unlink)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        if self.offset is None:
            return super().transform(frame)
        column = frame.scalar(self.offset, self.label)
        # Spark's UDF takes a primitive double offset: a null one gives null outputs for that row.
        nulls = column.null_mask()
        offset = np.where(nulls, 0.0, column.as_float(self.offset))
        features = frame.vector(self.features, self.label)
        model = self.model
        if not isinstance(model, GeneralizedLinearModel):  # build() returns one; narrows the type
            raise TypeError(f"{self.label}: unexpected model {type(model).__name__}")
        try:
            results = model.outputs(features, offset)
        except ValueError as exc:
            raise OpError(f"{self.label}: {exc}") from None
        null_rows = nulls if nulls.any() else None
        for key, name in self.outputs:
            values = np.where(nulls, np.nan, results[key]) if null_rows is not None else results[key]
            frame.with_column(name, Scalar(values, "double", null_rows))
        return frame

