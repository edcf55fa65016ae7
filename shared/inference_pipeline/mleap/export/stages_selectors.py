"""Spark 3.1+ feature selectors -> MLeap ``chi_sq_selector``.

ChiSqSelectorModel, UnivariateFeatureSelectorModel and VarianceThresholdSelectorModel are one
transform in Spark (``SelectorModel.transform`` over the sorted ``selectedFeatures``);
only the fitting statistic differs. A fitted selector is therefore exactly MLeap's
``chi_sq_selector`` with ``filter_indices = selectedFeatures``, which MLeap 0.20's JVM runtime
loads. MLeap has no op of its own for the other two selectors, so they are written as this one;
the node keeps the stage's uid as its name.

Attributes as MLeap's ChiSqSelectorOp writes them: ``filter_indices`` {list long} and
``input_size`` {int} (the features vector's size, from the dataset's metadata or first row).
"""

from __future__ import annotations

from pyspark.ml import Transformer

from ..attributes import attr_int, attr_list_long
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import node
from .params import stage_label, value
from .registry import ExportContext, converter


@converter("ChiSqSelectorModel", "UnivariateFeatureSelectorModel", "VarianceThresholdSelectorModel")
def selector(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    label = stage_label(stage)
    # UnivariateFeatureSelectorModel keeps selectedFeatures in p-value order and sorts them in
    # transform; the other two are sorted already. MLeap's merge walk needs them sorted too.
    selected = sorted(int(i) for i in stage.selectedFeatures)  # type: ignore[attr-defined]
    if any(b == a for a, b in zip(selected, selected[1:])):
        raise ExportError(f"{label}: selectedFeatures {selected} has duplicates")
    features = value(stage, "featuresCol")
    input_size = ctx.columns.vector_size(features, label)
    if selected and selected[-1] >= input_size:
        raise ExportError(f"{label}: selected feature {selected[-1]} is outside the input vector of size {input_size}")
    attributes = {"filter_indices": attr_list_long(selected), "input_size": attr_int(input_size)}
    return node(stage, "chi_sq_selector", attributes, [("input", features)], [("output", value(stage, "outputCol"))])
