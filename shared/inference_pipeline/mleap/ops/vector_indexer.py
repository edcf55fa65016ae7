"""The ``vector_indexer`` op: Spark's ``VectorIndexerModel`` (categorical slots of a vector → indices).

Attributes (MLeap's ``VectorIndexerOp``): ``keys`` {list long: the categorical feature indices},
for each key ``k`` ``key_<k>_keys`` {list double: the raw values} and ``key_<k>_values`` {list
long: their category indices}, ``num_features`` {long}, ``handle_invalid`` {string, absent →
error}. Ports ``input``/``output``.

Semantics follow Spark's ``transformFunc``:

* A value is looked up with Scala's ``==``, so NaN never matches, not even a NaN key (Spark fits
  NaN as a category but its own lookup cannot find it): NaN is always an invalid value.
* Invalid: ``error`` raises, ``keep`` writes the map's size, ``skip`` drops the row. (MLeap's
  runtime writes a null vector and keeps the row; Spark filters the row out, and we do too.)
* Sparse input only maps the stored entries ("categorical value 0 is always index 0"), so an
  implicit zero stays 0 even when 0.0 was never seen; dense input maps every categorical slot.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_int, get_list, get_str
from inference_pipeline.mleap.frame import LeapFrame, Vector
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, OpError, SingleColumnOp, register_op

HANDLE_INVALID = ("error", "skip", "keep")


def _invalid(value: float, feature: int) -> OpError:
    from inference_pipeline.mleap.javafmt import java_double_str

    return OpError(f"VectorIndexer encountered invalid value {java_double_str(value)} on feature index {feature}. "
                   "To handle or skip invalid value, try setting VectorIndexer.handleInvalid.")


class _CategoryMap:
    """One feature's raw value → index map, as sorted arrays for a vectorised lookup."""

    def __init__(self, feature: int, raw: list[float], indices: list[int]) -> None:
        if len(raw) != len(indices):
            raise ValueError(f"key_{feature}_keys has {len(raw)} values but key_{feature}_values has {len(indices)}")
        self.feature = feature
        self.size = len(raw)
        pairs = sorted((float(r), int(i)) for r, i in zip(raw, indices) if r == r)  # NaN keys never match
        self.raw = np.array([r for r, _ in pairs], dtype=np.float64)
        self.index = np.array([i for _, i in pairs], dtype=np.float64)
        self.lookup = dict(pairs)

    def map(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mapped values, invalid mask); invalid entries are left as they were."""
        if not self.raw.size:
            return values.copy(), np.ones(values.shape, dtype=bool)
        pos = np.clip(np.searchsorted(self.raw, values), 0, self.raw.size - 1)
        found = self.raw[pos] == values  # False for NaN
        return np.where(found, self.index[pos], values), ~found


@register_op("vector_indexer")
class VectorIndexerOp(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.num_features = get_int(attributes, "num_features")
        self.handle_invalid = get_str(attributes, "handle_invalid", "error") or "error"
        if self.handle_invalid not in HANDLE_INVALID:
            raise ValueError(f"handle_invalid must be one of {', '.join(HANDLE_INVALID)}, not {self.handle_invalid!r}")
        self.maps: list[_CategoryMap] = []
        for key in sorted(int(k) for k in get_list(attributes, "keys")):
            if not 0 <= key < self.num_features:
                raise ValueError(f"categorical feature {key} is outside num_features={self.num_features}")
            for suffix in ("keys", "values"):
                if f"key_{key}_{suffix}" not in attributes:
                    raise ValueError(f"attribute 'key_{key}_{suffix}' is missing")
            self.maps.append(_CategoryMap(key, get_list(attributes, f"key_{key}_keys"),
                                          get_list(attributes, f"key_{key}_values")))

    def _check_size(self, size: int) -> None:
        if size != self.num_features:
            raise OpError(f"VectorIndexerModel expected vector of length {self.num_features} but found length {size}")

    def _resolve(self, category: _CategoryMap, values: np.ndarray, invalid: np.ndarray,
                 keep: np.ndarray, rows: np.ndarray) -> None:
        """Apply handle_invalid to the invalid entries (``rows`` maps entries to frame rows)."""
        if not invalid.any():
            return
        if self.handle_invalid == "error":
            raise _invalid(float(values[np.argmax(invalid)]), category.feature)
        if self.handle_invalid == "keep":
            values[invalid] = float(category.size)
        else:
            keep[rows[invalid]] = False

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        self._check_size(vector.size)
        keep = np.ones(frame.n_rows, dtype=bool)
        if vector.is_dense:
            out = vector.to_dense().copy()
            rows = np.arange(len(out))
            for category in self.maps:
                mapped, invalid = category.map(out[:, category.feature])
                self._resolve(category, mapped, invalid, keep, rows)
                out[:, category.feature] = mapped
            result = Vector.from_dense(out.reshape(len(out), vector.size))
        else:
            indptr, indices, data = vector.csr()
            data = data.copy()
            rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
            for category in self.maps:
                at = np.flatnonzero(indices == category.feature)
                mapped, invalid = category.map(data[at])
                self._resolve(category, mapped, invalid, keep, rows[at])
                data[at] = mapped
            result = Vector.from_csr(vector.size, indptr, indices, data)
        frame.with_column(self.output, result)
        return frame if keep.all() else frame.filter(keep)

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        values = [float(v) for v in row[self.input]]
        self._check_size(len(values))
        for category in self.maps:
            value = values[category.feature]
            index = category.lookup.get(value)
            if index is None:  # includes NaN: dict lookup of a fresh NaN object never matches
                if self.handle_invalid == "error":
                    raise _invalid(value, category.feature)
                if self.handle_invalid == "skip":
                    return False
                index = category.size
            values[category.feature] = float(index)
        row[self.output] = values
        return True
