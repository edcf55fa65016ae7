"""Feature selectors: MLeap's ``chi_sq_selector`` (``filter_indices`` {list long}, ``input_size`` {int}).

Spark 3.1+'s ChiSqSelectorModel, UnivariateFeatureSelectorModel and VarianceThresholdSelectorModel
all transform through ``SelectorModel.transform``: keep the features at ``selectedFeatures``
(strictly increasing, Spark enforces it), dense rows by indexing, sparse rows by a merge walk that
keeps the row sparse and silently drops out-of-range indices. MLeap's ChiSqSelectorModel is the
same code, so the exporter writes all three selectors as this op and the JVM loads them too.

Where the two differ we follow Spark: a dense row shorter than the largest selected index raises
(Spark's ``values(i)`` throws; MLeap's does too, as an ArrayIndexOutOfBounds).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_int, get_list
from inference_pipeline.mleap.frame import LeapFrame, Vector
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, OpError, SingleColumnOp, register_op


def select_sparse(size: int, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                  selected: np.ndarray) -> Vector:
    """CSR rows restricted to ``selected`` (sorted), re-indexed to positions in ``selected``.

    Equals Spark's ``compressSparse`` merge walk for rows with sorted unique indices: an entry
    survives iff its index is selected, and its new index is that index's position.
    """
    position = np.searchsorted(selected, indices)
    hit = (position < len(selected)) & (selected[np.minimum(position, len(selected) - 1)] == indices) \
        if len(selected) else np.zeros(len(indices), dtype=bool)
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    new_indptr = np.zeros(len(indptr), dtype=np.int64)
    np.cumsum(np.bincount(rows[hit], minlength=len(indptr) - 1), out=new_indptr[1:])
    return Vector.from_csr(len(selected), new_indptr, position[hit], data[hit])


@register_op("chi_sq_selector")
class ChiSqSelector(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        if "filter_indices" not in attributes:
            raise ValueError("chi_sq_selector needs filter_indices")
        self.selected = np.array([int(i) for i in get_list(attributes, "filter_indices")], dtype=np.int64)
        if len(self.selected) and ((self.selected < 0).any() or (np.diff(self.selected) <= 0).any()):
            # Spark's SelectorModel requires this; the sparse merge walk is only correct for it.
            raise ValueError("chi_sq_selector filter_indices must be non-negative and strictly increasing")
        self.input_size = get_int(attributes, "input_size", -1)
        self._selected_list = self.selected.tolist()

    def _check_dense_width(self, width: int) -> None:
        if len(self.selected) and self.selected[-1] >= width:
            raise OpError(f"{self.label}: selected feature index {int(self.selected[-1])} is outside "
                          f"the input vector of size {width}")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        if vector.is_dense:
            dense = vector.to_dense()
            self._check_dense_width(dense.shape[1])
            return frame.with_column(self.output, Vector.from_dense(dense[:, self.selected]))
        indptr, indices, data = vector.csr()
        return frame.with_column(self.output, select_sparse(vector.size, indptr, indices, data, self.selected))

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        value = row[self.input]
        if not isinstance(value, list):
            raise OpError(f"{self.label}: column {self.input} must be a vector, got {type(value).__name__}")
        self._check_dense_width(len(value))
        row[self.output] = [float(value[i]) for i in self._selected_list]
        return True
