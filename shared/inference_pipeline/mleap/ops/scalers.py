"""Vector scalers with MLeap's semantics: standard_scaler, min_max_scaler, max_abs_scaler."""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_array, get_float
from inference_pipeline.mleap.frame import LeapFrame, Vector
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, SingleColumnOp, register_op


@register_op("standard_scaler")
class StandardScaler(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.mean = get_array(attributes, "mean")
        std = get_array(attributes, "std")
        if self.mean is None and std is None:
            raise ValueError("standard_scaler needs mean and/or std")
        self.scale = None if std is None else np.where(std == 0.0, 0.0, 1.0 / np.where(std == 0.0, 1.0, std))

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        if self.mean is not None:
            out = vector.to_dense() - self.mean
            if self.scale is not None:
                out = out * self.scale
            return frame.with_column(self.output, Vector.from_dense(out))
        assert self.scale is not None
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() * self.scale))
        indptr, indices, data = vector.csr()  # std only keeps sparsity
        return frame.with_column(self.output, Vector.from_csr(vector.size, indptr, indices, data * self.scale[indices]))


@register_op("min_max_scaler")
class MinMaxScaler(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        low, high = get_array(attributes, "min"), get_array(attributes, "max")
        if low is None or high is None:
            raise ValueError("min_max_scaler needs min and max")
        self.min, self.max = low, high
        self.low = get_float(attributes, "minValue", 0.0)
        self.high = get_float(attributes, "maxValue", 1.0)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.input, self.label).to_dense()
        span = self.max - self.min
        scaled = np.where(span != 0, (x - self.min) / np.where(span != 0, span, 1.0), 0.5)
        out = scaled * (self.high - self.low) + self.low
        return frame.with_column(self.output, Vector.from_dense(np.where(np.isnan(x), np.nan, out)))


@register_op("max_abs_scaler")
class MaxAbsScaler(SingleColumnOp):
    """x / maxAbs, a zero maxAbs counting as 1; sparse inputs stay sparse (Spark's MaxAbsScalerModel).

    MLeap's own model also clips dense results to [-1, 1] (and its sparse branch indexes maxAbs
    by non-zero position). We follow Spark, so inputs beyond the training range are not clipped.
    """

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        max_abs = get_array(attributes, "maxAbs")
        if max_abs is None:
            raise ValueError("max_abs_scaler needs maxAbs")
        self.divisor = np.where(max_abs == 0, 1.0, max_abs)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() / self.divisor))
        indptr, indices, data = vector.csr()
        return frame.with_column(self.output, Vector.from_csr(vector.size, indptr, indices, data / self.divisor[indices]))
