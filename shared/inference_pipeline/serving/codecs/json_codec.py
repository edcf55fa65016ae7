"""application/json and application/jsonlines, with SageMaker's built-in request shapes.

Accepted documents: ``[[...], ...]`` (rows), ``[...]`` (one row of scalars), and objects
``{"instances" | "inputs" | "data": [...]}`` whose items are rows, scalars (one-column
rows), ``{"features": [...]}`` or ``{"data": {"features": {"values": [...]}}}`` (dense, or
sparse with ``keys`` and ``shape``) — the forms SageMaker's built-in algorithms take.
A top-level ``{"features": [...]}`` is one row. JSON Lines: each line is such a document.

Parsing goes through ``safe_json.loads`` (depth, digit and surrogate limits as 400s); a sparse
shape is bounded by ``limits.max_cells`` (413). Encoding is ``safe_json.dumps``: strict JSON,
NaN and ±inf as ``null``, compact separators.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs import safe_json
from inference_pipeline.serving.codecs.limits import check_cells
from inference_pipeline.serving.codecs.tabular import rows_to_array
from inference_pipeline.serving.codecs.values import to_builtin
from inference_pipeline.serving.errors import BadRequest

EXPECTED = ('expected a list of rows ([[...], ...]), one row ([...]), or {"instances": [...]} whose '
            'items are rows, {"features": [...]} or {"data": {"features": {"values": [...]}}}')
_ROW_KEYS = ("instances", "inputs", "data")
_SCALARS = (int, float, str, bool, type(None))


def _sparse_row(features: dict[str, Any], where: str) -> list[Any]:
    keys, values, shape = features["keys"], features["values"], features.get("shape")
    if not (isinstance(shape, list) and shape and all(isinstance(n, int) and n >= 0 for n in shape)):
        raise BadRequest(f"{where}: sparse features need a shape like [n]")
    if not isinstance(keys, list) or len(keys) != len(values):
        raise BadRequest(f"{where}: sparse features need as many keys as values")
    size = math.prod(shape)
    check_cells(size, f"{where}: sparse shape {shape}")
    dense: list[Any] = [0.0] * size
    for key, value in zip(keys, values):
        if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key < size:
            raise BadRequest(f"{where}: key {key!r} is outside shape {shape}")
        dense[key] = value
    return dense


def _instance_row(item: Any, where: str) -> list[Any]:
    if isinstance(item, list):
        return item
    if isinstance(item, _SCALARS):
        return [item]
    if isinstance(item, dict):
        features = item.get("features")
        if isinstance(features, list):
            return features
        data = item.get("data")
        if isinstance(data, dict) and isinstance(data.get("features"), dict):
            features = data["features"]
            if not isinstance(features.get("values"), list):
                raise BadRequest(f"{where}: data.features.values must be a list")
            return _sparse_row(features, where) if "keys" in features else features["values"]
        raise BadRequest(f"{where}: unexpected object with keys {sorted(item)}; {EXPECTED}")
    raise BadRequest(f"{where}: unexpected {type(item).__name__}; {EXPECTED}")


def rows_from_document(document: Any, where: str = "body") -> list[list[Any]]:
    """One parsed JSON document → its rows; ``where`` prefixes error messages."""
    if isinstance(document, dict):
        for key in _ROW_KEYS:
            if key in document and not (key == "data" and isinstance(document[key], dict)):
                items = document[key]
                if not isinstance(items, list):
                    raise BadRequest(f"{where}: \"{key}\" must be a list; {EXPECTED}")
                return [_instance_row(item, f"{where}: {key}[{i}]") for i, item in enumerate(items)]
        return [_instance_row(document, where)]
    if isinstance(document, list):
        if not document:
            raise BadRequest(f"{where} is an empty list")
        if all(isinstance(item, _SCALARS) for item in document):
            return [document]
        return [_instance_row(item, f"{where}[{i}]") for i, item in enumerate(document)]
    raise BadRequest(f"{where}: unexpected {type(document).__name__}; {EXPECTED}")


def _loads(text: str, where: str) -> Any:
    return safe_json.loads(text, where)


def decode_json(text: str) -> np.ndarray:
    return rows_to_array(rows_from_document(_loads(text, "body")))


def decode_jsonlines(text: str) -> np.ndarray:
    rows: list[list[Any]] = []
    names: list[str] = []
    # Split on \n only: a JSON string may hold U+2028, which str.splitlines() would cut at.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        document = _loads(line, where)
        found = rows_from_document(document, where)
        rows.extend(found)
        names.extend([where] if len(found) == 1 else [f"{where} row {i}" for i in range(1, len(found) + 1)])
    if not rows:
        raise BadRequest("the JSON Lines body has no records")
    return rows_to_array(rows, names)


def encode_json(data: Any) -> bytes:
    return safe_json.dumps_bytes(to_builtin(data, nan_as_none=True))


def encode_jsonlines(data: Any) -> bytes:
    value = to_builtin(data, nan_as_none=True)
    rows = value if isinstance(value, list) else [value]
    return b"".join(safe_json.dumps_bytes(row) + b"\n" for row in rows)
