"""Converter for ``GeneralizedLinearRegressionModel`` (MLeap op ``generalized_linear_regression``).

MLeap 0.20's Spark serializer writes ``coefficients``, ``intercept``, ``family`` and ``link``
(only when the link param is defined); its runtime reads the family and link by name and knows
gaussian/binomial/poisson/gamma and identity/log/inverse/logit/probit/cloglog/sqrt only. So:

* Names are written lower-case (Spark accepts any case, MLeap's ``fromName`` matches exactly).
* ``tweedie`` (which MLeap's serializer would write as is, making a bundle MLeap cannot load) is
  written as the family and link Spark itself resolves it to (``Family.fromParams`` /
  ``Link.fromParams``): variancePower 0/1/2 are Spark's Gaussian/Poisson/Gamma; any other power
  gets ``poisson``, whose fitted-value clamp is Tweedie's (only the clamp matters at prediction
  time). Link power (``linkPower``, default ``1 - variancePower``) 0/1/-1/0.5 is log/identity/
  inverse/sqrt.

What MLeap cannot represent (a tweedie link power outside those four, ``offsetCol``) is written
with our own op ``inference_pipeline.generalized_linear_regression`` (family ``tweedie`` or a
named one, link ``power`` + ``link_power``, an ``offset`` input port): our runtime scores it as
Spark does, and the JVM refuses the unknown op name at load instead of silently scoring without
the offset or with another link. The export warns, naming the stage.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_double, attr_string, attr_tensor_double
from ..bundle import NodeSpec
from .nodes import dense, node
from .params import defined_column, is_set, value
from .registry import ExportContext, converter, warn_not_jvm_loadable
from .stages_classifiers_extra import output_ports

OWN_OP = "inference_pipeline.generalized_linear_regression"
_TWEEDIE_FAMILY = {0.0: "gaussian", 1.0: "poisson", 2.0: "gamma"}
_POWER_LINK = {0.0: "log", 1.0: "identity", -1.0: "inverse", 0.5: "sqrt"}


def _tweedie(stage: Transformer) -> tuple[str, str, float, float]:
    """(MLeap family, link or "power", variance power, link power) as Spark resolves tweedie."""
    variance_power = float(value(stage, "variancePower"))
    link_power = float(value(stage, "linkPower")) if is_set(stage, "linkPower") else 1.0 - variance_power
    return (_TWEEDIE_FAMILY.get(variance_power, "poisson"), _POWER_LINK.get(link_power, "power"),
            variance_power, link_power)


@converter("GeneralizedLinearRegressionModel")
def generalized_linear_regression(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    family = str(value(stage, "family")).lower()
    attributes: dict[str, dict[str, Any]] = {
        "coefficients": attr_tensor_double(dense(stage.coefficients)),  # type: ignore[attr-defined]
        "intercept": attr_double(stage.intercept),  # type: ignore[attr-defined]
    }
    power_link, link_power = False, 0.0
    if family == "tweedie":
        family, link, variance_power, link_power = _tweedie(stage)
        power_link = link == "power"
        if power_link:
            # Spark's Tweedie(variancePower): the clamp is Poisson's, recorded as the real family.
            family = _TWEEDIE_FAMILY.get(variance_power, "tweedie")
            attributes["variance_power"] = attr_double(variance_power)
            attributes["link_power"] = attr_double(link_power)
        attributes["family"] = attr_string(family)
        attributes["link"] = attr_string(link)
    else:
        attributes["family"] = attr_string(family)
        if stage.isDefined(stage.getParam("link")):
            attributes["link"] = attr_string(str(value(stage, "link")).lower())
    inputs, outputs = output_ports(stage, [("link_prediction", "linkPredictionCol"), ("prediction", "predictionCol")])
    offset = defined_column(stage, "offsetCol")
    if offset is not None:
        inputs.append(("offset", offset))
    if offset is None and not power_link:
        return node(stage, "generalized_linear_regression", attributes, inputs, outputs)
    reasons = ([f"offsetCol {offset!r}"] if offset else []) + ([f"tweedie link power {link_power:g}"]
                                                              if power_link else [])
    warn_not_jvm_loadable(ctx, stage, OWN_OP, " and ".join(reasons))
    return node(stage, OWN_OP, attributes, inputs, outputs)
