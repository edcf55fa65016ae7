"""RobustScalerModel -> MLeap ``standard_scaler`` (MLeap has no robust scaler op).

Spark's RobustScalerModel transforms with StandardScalerModel's own function, shift = ``median``
(withCentering) and scale = 1 / ``range`` (withScaling, 0 for a zero range). That is MLeap's
``standard_scaler`` with ``mean = median`` and ``std = range``, which the JVM loads.

One difference on the JVM, none here: with both centering and scaling, MLeap 0.20 outputs 0.0 for
a zero-range feature, Spark ``(x - median) * 0.0`` (NaN for a NaN or infinite x). Our runtime's
standard_scaler follows Spark. With neither (Spark's identity), ``std`` of ones is written:
x * (1 / 1.0) is x exactly.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import attr_tensor_double
from ..bundle import NodeSpec
from .nodes import dense, node
from .params import standard_ports, value
from .registry import ExportContext, converter


@converter("RobustScalerModel")
def robust_scaler(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    median, spread = dense(stage.median), dense(stage.range)  # type: ignore[attr-defined]
    attributes: dict[str, dict[str, Any]] = {}
    if value(stage, "withCentering"):
        attributes["mean"] = attr_tensor_double(median)
    if value(stage, "withScaling"):
        attributes["std"] = attr_tensor_double(spread)
    if not attributes:
        attributes["std"] = attr_tensor_double([1.0] * len(spread))
    return node(stage, "standard_scaler", attributes, *standard_ports(stage))
