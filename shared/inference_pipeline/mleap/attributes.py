"""MLeap's JSON attribute encoding (Bundle.ML), both ways.

A value is a scalar (``{"double": 1.5}``), a list (``{"type": "list", "string": [...]}``) or a
tensor (``{"type": "tensor", "double": [...], "shape": {"dimensions": [...]}}``). Readers must
accept the Scala writer's omissions: a zero/false/empty scalar is written as ``{}`` and an empty
list drops its array key; NaN and ±Infinity are written as ``null``. Decoded values are plain
Python/numpy; ``EMPTY`` stands for ``{}`` and the ``get_*`` helpers turn it into the right zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

BASIC_TYPES = ("boolean", "byte", "short", "int", "long", "float", "double", "string", "byte_string")


class _Empty:
    """A scalar written as ``{}``: false, 0 or "" depending on what the reader expects."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = _Empty()


@dataclass(frozen=True)
class DataShape:
    base: str  # scalar | list | tensor
    nullable: bool = True
    size: int | None = None  # tensor length, when known


class AttributeError_(ValueError):
    """An attribute that cannot be decoded; the message names it."""


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _decode_data_shape(raw: dict[str, Any]) -> DataShape:
    size = None
    dims = (raw.get("tensorShape") or {}).get("dimensions") or []
    if dims:
        size = int(dims[0].get("size", -1))
    return DataShape(raw.get("base", "scalar"), bool(raw.get("isNullable", False)), size)


def _decode_scalar(kind: str, value: Any) -> Any:
    if kind in ("double", "float"):
        return _number(value)
    if kind in ("int", "long", "short", "byte"):
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "data_shape":
        return _decode_data_shape(value)
    return value


def decode_value(name: str, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise AttributeError_(f"attribute {name!r} is not an MLeap value object: {raw!r}")
    kind = raw.get("type")
    keys = [k for k in raw if k not in ("type", "shape")]
    if kind == "tensor":
        if not keys:
            return np.zeros(0)
        base = keys[0]
        values = raw[base] or []
        dims = [int(d.get("size", -1)) for d in (raw.get("shape") or {}).get("dimensions", [])]
        if base in ("double", "float"):
            array = np.array([_number(v) for v in values], dtype=np.float64)
        elif base == "string":
            array = np.array(values, dtype=object)
        else:
            array = np.array(values, dtype=np.int64)
        if len(dims) == 2 and all(d >= 0 for d in dims):
            # Spark matrices are column-major: values[j * rows + i] is element (i, j).
            array = array.reshape(dims[1], dims[0]).T
        return array
    if kind == "list":
        if not keys:
            return []
        base = keys[0]
        return [_decode_scalar(base, v) for v in (raw[base] or [])]
    if not keys:
        return EMPTY
    if len(keys) != 1:
        raise AttributeError_(f"attribute {name!r} has several values: {sorted(keys)}")
    return _decode_scalar(keys[0], raw[keys[0]])


def decode_attributes(raw: dict[str, Any] | None) -> dict[str, Any]:
    return {name: decode_value(name, value) for name, value in (raw or {}).items()}


def get_bool(attrs: dict[str, Any], key: str, default: bool = False) -> bool:
    value = attrs.get(key, default)
    return False if value is EMPTY else bool(value)


def get_float(attrs: dict[str, Any], key: str, default: float = 0.0) -> float:
    value = attrs.get(key, default)
    return 0.0 if value is EMPTY else _number(value)


def get_int(attrs: dict[str, Any], key: str, default: int = 0) -> int:
    value = attrs.get(key, default)
    return 0 if value is EMPTY else int(value)


def get_str(attrs: dict[str, Any], key: str, default: str = "") -> str:
    value = attrs.get(key, default)
    return "" if value is EMPTY else str(value)


def get_list(attrs: dict[str, Any], key: str, default: list[Any] | None = None) -> list[Any]:
    value = attrs.get(key, default if default is not None else [])
    if value is EMPTY:
        return []
    return list(value)


def get_array(attrs: dict[str, Any], key: str) -> np.ndarray | None:
    value = attrs.get(key)
    if value is None or value is EMPTY:
        return None
    return np.asarray(value, dtype=np.float64)




# ----------------------------------------------------------------------------- writing


def _json_number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def attr_string(value: str) -> dict[str, Any]:
    return {"string": value}


def attr_boolean(value: bool) -> dict[str, Any]:
    return {"boolean": bool(value)}


def attr_int(value: int) -> dict[str, Any]:
    return {"int": int(value)}


def attr_long(value: int) -> dict[str, Any]:
    return {"long": int(value)}


def attr_double(value: float) -> dict[str, Any]:
    return {"double": _json_number(value)}


def attr_list_string(values: list[str]) -> dict[str, Any]:
    return {"type": "list", "string": [str(v) for v in values]}


def attr_list_double(values: Any) -> dict[str, Any]:
    return {"type": "list", "double": [_json_number(v) for v in values]}


def attr_list_int(values: Any) -> dict[str, Any]:
    return {"type": "list", "int": [int(v) for v in values]}


def attr_list_long(values: Any) -> dict[str, Any]:
    return {"type": "list", "long": [int(v) for v in values]}


def attr_tensor_double(values: Any, shape: list[int] | None = None) -> dict[str, Any]:
    """A double tensor; a 2-D numpy array is written column-major like Spark matrices."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 2 and shape is None:
        shape = [array.shape[0], array.shape[1]]
        flat = array.T.ravel()
    else:
        flat = array.ravel()
        shape = shape or [flat.size]
    return {"type": "tensor", "double": [_json_number(v) for v in flat],
            "shape": {"dimensions": [{"size": int(size), "name": ""} for size in shape]}}


def _data_shape_json(base: str, nullable: bool, size: int | None) -> dict[str, Any]:
    shape: dict[str, Any] = {"base": base, "isNullable": bool(nullable)}
    if base == "tensor":
        shape["tensorShape"] = {"dimensions": [{"size": int(size if size is not None else -1), "name": ""}]}
    return shape


def attr_data_shape(base: str, nullable: bool = True, size: int | None = None) -> dict[str, Any]:
    return {"data_shape": _data_shape_json(base, nullable, size)}


def attr_list_data_shape(shapes: list[DataShape]) -> dict[str, Any]:
    return {"type": "list", "data_shape": [_data_shape_json(s.base, s.nullable, s.size) for s in shapes]}
