"""LeapFrame: a columnar frame for MLeap execution (one vectorised pass per request).

Column representations:

* ``Scalar``: ``values`` is a 1-D numpy array — float64/int64/bool for numbers; for strings
  an object array (None = null) or, when built from null-free Python strings, numpy's
  fixed-width unicode array (cheaper to hash and compare) — and ``nulls`` an optional bool
  mask (True = null). Numeric nulls hold NaN.
* ``Vector`` (MLeap tensor / Spark vector) of fixed ``size``: either ``dense`` (n × size
  float64) or CSR (``indptr``, ``indices``, ``data``), so 2^18-wide hashed features stay small.
* ``ListColumn``: a Python list of lists (token lists, string arrays).

Rows are dropped (StringIndexer ``skip``) with ``LeapFrame.filter``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NUMERIC = ("double", "float", "int", "long", "short", "byte")


class FrameError(ValueError):
    """A column is missing or has the wrong type; the message names it."""


@dataclass
class Scalar:
    values: np.ndarray
    base: str = "double"
    nulls: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    def take(self, mask: np.ndarray) -> Scalar:
        return Scalar(self.values[mask], self.base, None if self.nulls is None else self.nulls[mask])

    @property
    def is_text(self) -> bool:
        return self.values.dtype.kind in "OU"

    def null_mask(self) -> np.ndarray:
        if self.nulls is not None:
            return self.nulls
        if self.values.dtype == object:
            return np.array([v is None for v in self.values], dtype=bool)
        return np.zeros(len(self.values), dtype=bool)

    def as_float(self, column: str) -> np.ndarray:
        if self.is_text:
            try:
                return np.array([np.nan if v is None else float(v) for v in self.values], dtype=np.float64)
            except (TypeError, ValueError):
                raise FrameError(f"column {column} holds {self.base} values where numbers are needed") from None
        return self.values.astype(np.float64)

    def to_list(self) -> list[Any]:
        nulls = self.null_mask()
        return [None if null else value for value, null in zip(self.values.tolist(), nulls.tolist())]


@dataclass
class Vector:
    size: int
    dense: np.ndarray | None = None
    indptr: np.ndarray | None = None
    indices: np.ndarray | None = None
    data: np.ndarray | None = None

    @classmethod
    def from_dense(cls, array: np.ndarray) -> Vector:
        array = np.asarray(array, dtype=np.float64)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        return cls(array.shape[1], dense=array)

    @classmethod
    def from_csr(cls, size: int, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray) -> Vector:
        return cls(size, indptr=np.asarray(indptr, dtype=np.int64), indices=np.asarray(indices, dtype=np.int64),
                   data=np.asarray(data, dtype=np.float64))

    @property
    def is_dense(self) -> bool:
        return self.dense is not None

    def __len__(self) -> int:
        return len(self.dense) if self.dense is not None else len(self.indptr) - 1  # type: ignore[arg-type]

    def to_dense(self) -> np.ndarray:
        if self.dense is not None:
            return self.dense
        assert self.indptr is not None and self.indices is not None and self.data is not None
        out = np.zeros((len(self.indptr) - 1, self.size), dtype=np.float64)
        rows = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        out[rows, self.indices] = self.data
        return out

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.indptr is not None:
            return self.indptr, self.indices, self.data  # type: ignore[return-value]
        dense = self.to_dense()
        rows, cols = np.nonzero(dense)
        indptr = np.zeros(len(dense) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(dense)), out=indptr[1:])
        return indptr, cols.astype(np.int64), dense[rows, cols]

    def take(self, mask: np.ndarray) -> Vector:
        if self.dense is not None:
            return Vector(self.size, dense=self.dense[mask])
        indptr, indices, data = self.csr()
        keep = np.flatnonzero(mask)
        starts, ends = indptr[keep], indptr[keep + 1]
        lengths = ends - starts
        picks = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if len(keep) else np.zeros(0, int)
        new_indptr = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(lengths, out=new_indptr[1:])
        return Vector.from_csr(self.size, new_indptr, indices[picks], data[picks])

    def rows(self) -> list[list[float]]:
        return self.to_dense().tolist()


@dataclass
class ListColumn:
    values: list[list[Any]]
    base: str = "string"

    def __len__(self) -> int:
        return len(self.values)

    def take(self, mask: np.ndarray) -> ListColumn:
        return ListColumn([v for v, keep in zip(self.values, mask.tolist()) if keep], self.base)


Column = Scalar | Vector | ListColumn


@dataclass
class LeapFrame:
    columns: dict[str, Column] = field(default_factory=dict)
    n_rows: int = 0

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def get(self, name: str, op: str | None = None) -> Column:
        try:
            return self.columns[name]
        except KeyError:
            needed = f" (needed by {op})" if op else ""
            raise FrameError(f"column {name!r} is missing{needed}; the frame has {', '.join(self.columns)}") from None

    def scalar(self, name: str, op: str) -> Scalar:
        column = self.get(name, op)
        if not isinstance(column, Scalar):
            raise FrameError(f"column {name!r} must be a scalar for {op}, got a {type(column).__name__.lower()}")
        return column

    def vector(self, name: str, op: str) -> Vector:
        column = self.get(name, op)
        if isinstance(column, Scalar) and not column.is_text:
            return Vector.from_dense(column.as_float(name).reshape(-1, 1))
        if not isinstance(column, Vector):
            raise FrameError(f"column {name!r} must be a vector for {op}, got a {type(column).__name__.lower()}")
        return column

    def strings(self, name: str, op: str) -> ListColumn:
        column = self.get(name, op)
        if not isinstance(column, ListColumn):
            raise FrameError(f"column {name!r} must be a list of strings for {op}")
        return column

    def with_column(self, name: str, column: Column) -> LeapFrame:
        self.columns[name] = column
        return self

    def filter(self, mask: np.ndarray) -> LeapFrame:
        mask = np.asarray(mask, dtype=bool)
        return LeapFrame({name: col.take(mask) for name, col in self.columns.items()}, int(mask.sum()))

    # ------------------------------------------------------------------ conversions

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[Any]]) -> LeapFrame:
        columns: dict[str, Column] = {}
        n_rows = None
        for name, raw in data.items():
            column = column_from_values(list(raw) if not isinstance(raw, np.ndarray) else raw)
            if n_rows is not None and len(column) != n_rows:
                raise FrameError(f"column {name!r} has {len(column)} rows; earlier columns have {n_rows}")
            n_rows = len(column)
            columns[name] = column
        return cls(columns, n_rows or 0)

    @classmethod
    def from_pandas(cls, frame: Any) -> LeapFrame:
        """Numeric/bool columns go through as arrays; others as objects with NaN/NA/None → null."""
        import pandas as pd

        columns: dict[str, Any] = {}
        for name in frame.columns:
            series = frame[name]
            if series.dtype.kind in "biuf":
                columns[str(name)] = series.to_numpy()
            else:
                missing = pd.isna(series).to_numpy()  # elementwise; list cells count as present
                columns[str(name)] = [None if gone else value for value, gone in zip(series.tolist(), missing)]
        return cls.from_dict(columns)

    def to_dict(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for name, column in self.columns.items():
            if isinstance(column, Scalar):
                out[name] = column.to_list()
            elif isinstance(column, Vector):
                out[name] = column.rows()
            else:
                out[name] = [list(v) if v is not None else None for v in column.values]
        return out

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.to_dict())


def column_from_values(values: Any) -> Column:
    """Infer a column from Python values: numbers/strings → Scalar, lists → Vector or ListColumn.

    Homogeneous lists take a fast path through numpy's own type inference (strings become a
    fixed-width unicode array); mixed or null-holding lists fall back to element checks.
    """
    if isinstance(values, list) and values and not isinstance(values[0], (list, tuple, np.ndarray, bool)):
        try:
            fast = np.array(values)
        except (ValueError, TypeError):
            fast = None
        if fast is not None and fast.ndim == 1 and fast.dtype.kind in "Uif":
            return Scalar(fast, "string" if fast.dtype.kind == "U" else
                          ("long" if fast.dtype.kind == "i" else "double"))
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        return Scalar(values, "string")
    if isinstance(values, np.ndarray) and values.dtype != object:
        if values.ndim == 2:
            return Vector.from_dense(values)
        base = "boolean" if values.dtype == bool else ("long" if values.dtype.kind in "iu" else "double")
        return Scalar(values, base)
    items = list(values)
    non_null = [v for v in items if v is not None]
    if non_null and all(isinstance(v, (list, tuple, np.ndarray)) for v in non_null):
        if all(all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v) for v in non_null) and \
                len({len(v) for v in non_null}) == 1 and len(non_null) == len(items):
            return Vector.from_dense(np.array(items, dtype=np.float64))
        return ListColumn([list(v) if v is not None else None for v in items])  # type: ignore[misc]
    if non_null and all(isinstance(v, bool) for v in non_null):
        nulls = np.array([v is None for v in items])
        return Scalar(np.array([bool(v) for v in items]), "boolean", nulls if nulls.any() else None)
    if non_null and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in non_null):
        nulls = np.array([v is None for v in items])
        floats = np.array([np.nan if v is None else float(v) for v in items], dtype=np.float64)
        integral = all(isinstance(v, (int, np.integer)) for v in non_null)
        return Scalar(floats if not integral or nulls.any() else floats.astype(np.int64),
                      "long" if integral else "double", nulls if nulls.any() else None)
    return Scalar(np.array([None if v is None else str(v) if not isinstance(v, str) else v for v in items],
                           dtype=object), "string")
