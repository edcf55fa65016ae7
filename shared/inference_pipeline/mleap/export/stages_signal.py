"""ElementwiseProduct -> ``elementwise_product``, DCT -> ``dct`` (MLeap 0.20's Spark serializers)."""

from __future__ import annotations

from pyspark.ml import Transformer

from ..attributes import attr_boolean, attr_int, attr_tensor_double
from ..bundle import NodeSpec
from .nodes import dense, node
from .params import stage_label, standard_ports, value
from .registry import ExportContext, converter


@converter("ElementwiseProduct")
def elementwise_product(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    # Value.vector(scalingVec.toArray): a 1-d double tensor.
    attributes = {"scaling_vec": attr_tensor_double(dense(value(stage, "scalingVec")))}
    return node(stage, "elementwise_product", attributes, *standard_ports(stage))


@converter("DCT")
def dct(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    input_size = ctx.columns.vector_size(value(stage, "inputCol"), stage_label(stage))
    attributes = {"inverse": attr_boolean(value(stage, "inverse")), "input_size": attr_int(input_size)}
    return node(stage, "dct", attributes, *standard_ports(stage))
