"""Converter for ``GeneralizedLinearRegressionModel`` (MLeap op ``generalized_linear_regression``).

MLeap 0.20's Spark serializer writes ``coefficients``, ``intercept``, ``family`` and ``link``
(only when the link param is defined); its runtime reads the family and link by name and knows
gaussian/binomial/poisson/gamma and identity/log/inverse/logit/probit/cloglog/sqrt only. So:

* Names are written lower-case (Spark accepts any case, MLeap's ``fromName`` matches exactly).
* ``tweedie`` (which MLeap's serializer would write as is, making a bundle MLeap cannot load) is
  written as the family and link Spark itself resolves it to: variancePower 0/1/2 are Spark's
  Gaussian/Poisson/Gamma; any other power gets ``poisson``, whose fitted-value clamp is Tweedie's
  (only the clamp matters at prediction time). The link power (``linkPower``, default
  ``1 - variancePower``) must be 0/1/-1/0.5 (log/identity/inverse/sqrt); other powers have no
  MLeap link and are refused.
* ``offsetCol`` is refused: MLeap's model has no offset.
"""

from __future__ import annotations

from pyspark.ml import Transformer

from ..attributes import attr_double, attr_string, attr_tensor_double
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import dense, node
from .params import defined_column, is_set, stage_label, value
from .registry import ExportContext, converter
from .stages_classifiers_extra import output_ports

_TWEEDIE_FAMILY = {0.0: "gaussian", 1.0: "poisson", 2.0: "gamma"}
_POWER_LINK = {0.0: "log", 1.0: "identity", -1.0: "inverse", 0.5: "sqrt"}


def _tweedie(stage: Transformer) -> tuple[str, str]:
    variance_power = float(value(stage, "variancePower"))
    link_power = float(value(stage, "linkPower")) if is_set(stage, "linkPower") else 1.0 - variance_power
    link = _POWER_LINK.get(link_power)
    if link is None:
        raise ExportError(
            f"{stage_label(stage)}: tweedie with link power {link_power:g} has no MLeap link (MLeap 0.20 "
            "knows log, identity, inverse and sqrt: link powers 0, 1, -1, 0.5); set linkPower to one of them"
        )
    return _TWEEDIE_FAMILY.get(variance_power, "poisson"), link


@converter("GeneralizedLinearRegressionModel")
def generalized_linear_regression(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    if defined_column(stage, "offsetCol"):
        raise ExportError(f"{stage_label(stage)} uses offsetCol, which MLeap's generalized_linear_regression lacks")
    family = str(value(stage, "family")).lower()
    attributes = {
        "coefficients": attr_tensor_double(dense(stage.coefficients)),  # type: ignore[attr-defined]
        "intercept": attr_double(stage.intercept),  # type: ignore[attr-defined]
    }
    if family == "tweedie":
        family, link = _tweedie(stage)
        attributes["family"] = attr_string(family)
        attributes["link"] = attr_string(link)
    else:
        attributes["family"] = attr_string(family)
        if stage.isDefined(stage.getParam("link")):
            attributes["link"] = attr_string(str(value(stage, "link")).lower())
    ports = output_ports(stage, [("link_prediction", "linkPredictionCol"), ("prediction", "predictionCol")])
    return node(stage, "generalized_linear_regression", attributes, *ports)
