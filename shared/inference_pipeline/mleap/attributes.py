"""MLeap's JSON attribute encoding (Bundle.ML), both ways.

A value is a scalar (``{"double": 1.5}``), a list (``{"type": "list", "string": [...]}``) or a
tensor (``{"type": "tensor", "double": [...], "shape": {"dimensions": [...]}}``). Readers must
accept the Scala writer's omissions: a zero/false/empty scalar is written as ``{}`` and an empty
list drops its array key; NaN and ±Infinity are written as ``null``. Decoded values are plain
Python/numpy; ``EMPTY`` stands for ``{}`` and the ``get_*`` helpers turn it into the right zero.

Writing ±Infinity: spray-json (MLeap's JSON library) rejects ``Infinity`` tokens and reads ``null``
as NaN, but it parses every number into a BigDecimal and ``BigDecimal.doubleValue`` overflows to
±Infinity. So a scalar ±inf double is written as the literal ``±1.0E309`` (``attr_double``), which
both MLeap and Python's ``json`` read back as ±inf. Lists and tensors keep ``null`` for ±inf, as
MLeap's own writer does (Bucketizer's reader restores infinite split ends from it). Serialize
attribute dicts with ``dumps_json`` so the literal survives.
"""

from __future__ import annotations

import json
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


@dataclass(frozen=True)
class JsonLiteral:
    """A number written verbatim by ``dumps_json`` (``json`` cannot emit ±1.0E309 itself)."""

    text: str


POSITIVE_INFINITY = JsonLiteral("1.0E309")  # > Double.MAX_VALUE: the JVM and Python read +inf
NEGATIVE_INFINITY = JsonLiteral("-1.0E309")
_LITERAL_MARK = "\u0000mleap-literal:"


def _literal_placeholder(value: Any) -> str:
    if isinstance(value, JsonLiteral):
        return _LITERAL_MARK + value.text
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_json(document: Any, *, indent: int | None = 2) -> str:
    """``json.dumps`` that writes ``JsonLiteral`` values verbatim and refuses NaN/Infinity tokens."""
    text = json.dumps(document, indent=indent, default=_literal_placeholder, allow_nan=False)
    # The placeholder is a JSON string starting with an escaped NUL + tag; plain user text never has it.
    opening = '"' + json.dumps(_LITERAL_MARK)[1:-1]
    if opening not in text:
        return text
    parts = text.split(opening)
    out = [parts[0]]
    for part in parts[1:]:
        literal, rest = part.split('"', 1)
        out.append(literal + rest)
    return "".join(out)


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
    value = float(value)
    if math.isinf(value):
        return {"double": POSITIVE_INFINITY if value > 0 else NEGATIVE_INFINITY}
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
