"""The ``generalized_linear_regression`` op: Spark's ``GeneralizedLinearRegressionModel``.

Attributes (MLeap 0.20's ``GeneralizedLinearRegressionOp``): ``coefficients`` {tensor},
``intercept`` {double}, ``family`` {string gaussian|binomial|poisson|gamma}, ``link`` {string
identity|log|inverse|logit|probit|cloglog|sqrt; absent → the family's default}. Ports
``features`` → ``prediction`` and optionally ``link_prediction``.

``link_prediction`` is ``eta = w.x + b``; ``prediction`` is ``family.project(link.unlink(eta))``
with Spark's formulas and clamps. MLeap 0.20 knows no ``tweedie`` family and no power links, so
the exporter writes a Tweedie model as the equivalent named family and link (or refuses it);
such bundles never reach this op with ``tweedie``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_float, get_str
from inference_pipeline.mleap.ops.base import OpContext, register_op
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


@dataclass(frozen=True)
class GeneralizedLinearModel:
    coefficients: np.ndarray
    intercept: float
    family: str
    link: str

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.coefficients.size, "generalized_linear_regression")
        eta = matmul(x, self.coefficients) + self.intercept
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            mu = PROJECT[self.family](UNLINK[self.link](eta))
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
                                      get_float(attributes, "intercept"), family, link)

