"""Per-vector transforms: ``elementwise_product`` and ``dct``.

``elementwise_product``: ``scaling_vec`` {tensor double}. Spark's ElementwiseProduct multiplies
each value by the matching weight; sparse rows stay sparse (explicit zeros kept). Spark requires
the row size to equal the weight vector's size and raises otherwise; MLeap's model does not check
(a shorter dense row is scaled silently). We follow Spark and raise.

``dct``: ``inverse`` {boolean}, ``input_size`` {int}. Spark and MLeap both call JTransforms'
``DoubleDCT_1D.forward/inverse(values, scale = true)``: the orthonormal DCT-II, or its inverse
(the orthonormal DCT-III). Here it is one matrix product with the cached orthonormal basis, which
agrees with JTransforms' FFT to rounding error (~1e-15 relative).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_array, get_bool, get_int
from inference_pipeline.mleap.frame import LeapFrame, Vector
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, OpError, SingleColumnOp, register_op


def _require_list(value: Any, label: str, column: str) -> list[float]:
    if not isinstance(value, list):
        raise OpError(f"{label}: column {column} must be a vector, got {type(value).__name__}")
    return value


@register_op("elementwise_product")
class ElementwiseProduct(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        scaling = get_array(attributes, "scaling_vec")
        if scaling is None:
            raise ValueError("elementwise_product needs scaling_vec")
        self.scaling = scaling.ravel()
        self._scaling_list = self.scaling.tolist()

    def _check_size(self, size: int) -> None:
        if size != len(self.scaling):
            raise OpError(f"{self.label}: vector sizes do not match: Expected {len(self.scaling)} but found {size}")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        self._check_size(vector.size)
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() * self.scaling))
        indptr, indices, data = vector.csr()
        return frame.with_column(self.output,
                                 Vector.from_csr(vector.size, indptr, indices, data * self.scaling[indices]))

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        value = _require_list(row[self.input], self.label, self.input)
        self._check_size(len(value))
        row[self.output] = [float(x) * w for x, w in zip(value, self._scaling_list)]
        return True


@lru_cache(maxsize=16)
def dct_basis(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix C (n x n): forward = C @ x, inverse = C.T @ x."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    basis = np.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
    basis[0, :] = math.sqrt(1.0 / n)
    basis.setflags(write=False)
    return basis


@register_op("dct")
class DCT(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.inverse = get_bool(attributes, "inverse")
        self.input_size = get_int(attributes, "input_size", -1)

    def _apply(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] == 0:
            return x
        basis = dct_basis(x.shape[1])
        # Rows are vectors: forward y = C x  ->  Y = X C^T; inverse x = C^T y  ->  X = Y C.
        return x @ basis if self.inverse else x @ basis.T

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.input, self.label).to_dense()
        return frame.with_column(self.output, Vector.from_dense(self._apply(x)))

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        # One small matrix-vector product; a pure-Python O(n^2) loop would be slower for n > ~8.
        value = _require_list(row[self.input], self.label, self.input)
        x = np.asarray(value, dtype=np.float64).reshape(1, -1)
        row[self.output] = self._apply(x)[0].tolist()
        return True
