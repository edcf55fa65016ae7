"""Predictions (arrays, numpy scalars, DataFrames, nested lists) → plain Python values.

Floats keep the shortest digits that round-trip at their own precision: a float32 0.1 is
written ``0.1``, not ``0.10000000149011612`` (what ``ndarray.tolist()`` alone gives).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _short_floats(array: np.ndarray) -> np.ndarray:
    # float16/float32 → the float64 nearest their shortest decimal text, whose repr is that text.
    if array.dtype.kind == "f" and array.dtype.itemsize < 8:
        return array.astype(str).astype(np.float64)
    return array


def _array(array: np.ndarray, nan_as_none: bool) -> Any:
    array = _short_floats(array)
    if array.dtype.kind == "f" and nan_as_none:
        finite = np.isfinite(array)
        if not finite.all():
            boxed = array.astype(object)
            boxed[~finite] = None
            return boxed.tolist()
        return array.tolist()
    if array.dtype.kind == "O":
        return _walk(array.tolist(), nan_as_none)
    if array.dtype.kind == "S":
        return array.astype(str).tolist()
    if array.dtype.kind in "biufU":
        return array.tolist()
    raise TypeError(f"cannot represent an array of dtype {array.dtype}")


_PLAIN = (str, int, bool, type(None))


def _walk(value: Any, nan_as_none: bool) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # the common cells, without the checks below
        return value
    if kind is float:
        return None if nan_as_none and not math.isfinite(value) else value
    if isinstance(value, (list, tuple)):
        return [_walk(item, nan_as_none) for item in value]
    if isinstance(value, dict):
        return {str(key): _walk(item, nan_as_none) for key, item in value.items()}
    return to_builtin(value, nan_as_none=nan_as_none)


def to_builtin(data: Any, *, nan_as_none: bool = False) -> Any:
    """Lists/dicts/str/int/float/bool/None; ``nan_as_none`` turns NaN and ±inf into None."""
    if isinstance(data, np.ndarray):
        return _array(data, nan_as_none)
    if isinstance(data, np.generic):
        return _array(np.asarray(data), nan_as_none)
    if isinstance(data, float):
        return None if nan_as_none and not math.isfinite(data) else data
    if isinstance(data, (str, int, bool)) or data is None:
        return data
    if isinstance(data, (list, tuple, dict)):
        return _walk(data, nan_as_none)
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", errors="replace")
    if hasattr(data, "to_numpy"):  # pandas DataFrame/Series
        return _array(np.asarray(data.to_numpy()), nan_as_none)
    raise TypeError(f"cannot represent a {type(data).__name__} value")
