"""MLeap's ``isotonic_regression``: Spark's IsotonicRegressionModel.predict, exactly.

Attributes: ``boundaries`` {list double}, ``predictions`` {list double}, ``isotonic`` {boolean}
and, only when the features column is a vector, ``feature_index`` {long}. Ports ``features`` ->
``prediction``.

Spark (and MLeap, same code) looks the feature up with ``java.util.Arrays.binarySearch``: an
exact hit returns that boundary's prediction, a value outside the boundaries the first/last
prediction, anything between two boundaries the linear interpolation of their predictions.
``isotonic`` does not enter prediction: an antitonic model already stores its (decreasing)
predictions. The search is reproduced step for step (``java_binary_search``), so with repeated
boundaries (Spark < 3.4 keeps them) the same one of the equal entries is found, and NaN and -0.0
order as ``Double.compare`` orders them (NaN above +Infinity: NaN predicts the last value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import EMPTY, get_bool, get_list
from inference_pipeline.mleap.frame import LeapFrame, Scalar
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op

_CANONICAL_NAN = np.int64(0x7FF8000000000000)


def _long_bits(x: np.ndarray) -> np.ndarray:
    """``Double.doubleToLongBits``: the raw bits as a signed long, every NaN collapsed to one."""
    bits = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    return np.where(np.isnan(x), _CANONICAL_NAN, bits)


def java_binary_search(sorted_values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``java.util.Arrays.binarySearch(double[], double)`` for each key, vectorised.

    Returns the index of a match, else ``-(insertion point) - 1``, taking the same midpoints as
    the JDK so the same element is found among equal ones.
    """
    keys = np.asarray(keys, dtype=np.float64)
    low = np.zeros(keys.shape, dtype=np.int64)
    high = np.full(keys.shape, len(sorted_values) - 1, dtype=np.int64)
    found = np.full(keys.shape, -1, dtype=np.int64)
    active = low <= high
    key_bits = _long_bits(keys)
    while active.any():
        mid = (low + high) >> 1
        mid_val = sorted_values[np.where(active, mid, 0)]
        less, greater = mid_val < keys, mid_val > keys
        tie = ~less & ~greater  # equal, or a NaN on either side: compare the bits
        mid_bits = _long_bits(mid_val)
        hit = active & tie & (mid_bits == key_bits)
        less |= tie & (mid_bits < key_bits)
        greater |= tie & (mid_bits > key_bits)
        found = np.where(hit, mid, found)
        active &= ~hit
        low = np.where(active & less, mid + 1, low)
        high = np.where(active & greater, mid - 1, high)
        active &= low <= high
    return np.where(found >= 0, found, -(low + 1))


def isotonic_predict(boundaries: np.ndarray, predictions: np.ndarray, x: np.ndarray) -> np.ndarray:
    found = java_binary_search(boundaries, x)
    insert = -found - 1
    n = len(boundaries)
    between = (found < 0) & (insert > 0) & (insert < n)
    i = np.clip(insert, 1, max(n - 1, 1))
    x1, x2 = boundaries[i - 1], boundaries[np.minimum(i, n - 1)]
    y1, y2 = predictions[i - 1], predictions[np.minimum(i, n - 1)]
    with np.errstate(divide="ignore", invalid="ignore"):
        # Spark's operation order: y1 + (y2 - y1) * (x - x1) / (x2 - x1).
        interpolated = y1 + (y2 - y1) * (x - x1) / (x2 - x1)
    exact = predictions[np.clip(found, 0, n - 1)]
    out = np.where(found >= 0, exact, np.where(insert == 0, predictions[0], predictions[-1]))
    return np.where(between, interpolated, out)


@register_op("isotonic_regression")
class IsotonicRegression(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        features, prediction = shape.input("features"), shape.output("prediction")
        if features is None or prediction is None:
            raise ValueError("isotonic_regression needs a 'features' input and a 'prediction' output port")
        self.features, self.prediction = features, prediction
        self.boundaries = np.array([float(b) for b in get_list(attributes, "boundaries")], dtype=np.float64)
        self.predictions = np.array([float(p) for p in get_list(attributes, "predictions")], dtype=np.float64)
        if len(self.boundaries) == 0 or len(self.boundaries) != len(self.predictions):
            raise ValueError(f"isotonic_regression has {len(self.boundaries)} boundaries and "
                             f"{len(self.predictions)} predictions")
        self.isotonic = get_bool(attributes, "isotonic", True)
        raw_index = attributes.get("feature_index")
        # Absent: the features column is a double. {} is the Scala writer's 0.
        self.feature_index = None if raw_index is None else (0 if raw_index is EMPTY else int(raw_index))

    def _feature(self, frame: LeapFrame) -> np.ndarray:
        if self.feature_index is None:
            column = frame.scalar(self.features, self.label)
            if column.null_mask().any():
                raise OpError(f"{self.label}: null value in column {self.features}")
            return column.as_float(self.features)
        vector = frame.vector(self.features, self.label)
        if self.feature_index >= vector.size:
            raise OpError(f"{self.label}: feature_index {self.feature_index} is outside vector size {vector.size}")
        if vector.is_dense:
            return vector.to_dense()[:, self.feature_index].copy()
        indptr, indices, data = vector.csr()
        out = np.zeros(len(indptr) - 1)
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        picked = indices == self.feature_index
        out[rows[picked]] = data[picked]
        return out

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = self._feature(frame)
        return frame.with_column(self.prediction, Scalar(isotonic_predict(self.boundaries, self.predictions, x)))

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        value = row[self.features]
        if self.feature_index is not None:
            if not isinstance(value, list) or self.feature_index >= len(value):
                raise OpError(f"{self.label}: column {self.features} must be a vector longer than "
                              f"feature_index {self.feature_index}")
            value = value[self.feature_index]
        if value is None:
            raise OpError(f"{self.label}: null value in column {self.features}")
        x = np.array([float(value)])
        row[self.prediction] = float(isotonic_predict(self.boundaries, self.predictions, x)[0])
        return True
