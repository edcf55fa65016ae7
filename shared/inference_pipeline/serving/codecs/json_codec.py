"""application/json and application/jsonlines, with SageMaker's built-in request shapes."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs.tabular import rows_to_array
from inference_pipeline.serving.errors import BadRequest

EXPECTED = ('a list of rows ([[...], ...]), one row ([...]), or {"instances": [...]} with lists, '
            '{"features": [...]} or {"data": {"features": {"values": [...]}}} items')


def _instance_row(item: Any, where: str) -> list[Any]:
    if isinstance(item, list):
        return item
    if isinstance(item, dict):
        if isinstance(item.get("features"), list):
            return item["features"]
        data = item.get("data")
        if isinstance(data, dict) and isinstance(data.get("features"), dict):
            features = data["features"]
            values = features.get("values")
            if not isinstance(values, list):
                raise BadRequest(f"{where}: data.features.values must be a list")
            if "keys" in features:  # sparse: densify with the declared shape
                shape = features.get("shape")
                if not (isinstance(shape, list) and len(shape) == 1 and isinstance(shape[0], int)):
                    raise BadRequest(f"{where}: sparse features need shape [n]")
                dense = [0.0] * shape[0]
                for key, value in zip(features["keys"], values, strict=True):
                    if not isinstance(key, int) or not 0 <= key < shape[0]:
                        raise BadRequest(f"{where}: key {key!r} is outside shape {shape[0]}")
                    dense[key] = value
                return dense
            return values
    if isinstance(item, (int, float, str)) or item is None:
        return [item]
    raise BadRequest(f"{where}: unexpected {type(item).__name__}; expected {EXPECTED}")


def rows_from_document(document: Any, where: str = "body") -> list[list[Any]]:
    if isinstance(document, dict):
        for key in ("instances", "inputs", "data"):
            if key in document:
                items = document[key]
                if not isinstance(items, list):
                    raise BadRequest(f"{where}.{key} must be a list")
                return [_instance_row(item, f"{where}.{key}[{i}]") for i, item in enumerate(items)]
        if "features" in document or "data" in document:
            return [_instance_row(document, where)]
        raise BadRequest(f"{where}: unexpected object keys {sorted(document)}; expected {EXPECTED}")
    if isinstance(document, list):
        if not document:
            raise BadRequest(f"{where} is an empty list")
        if all(isinstance(item, (int, float, str)) or item is None for item in document):
            return [list(document)]
        return [_instance_row(item, f"{where}[{i}]") for i, item in enumerate(document)]
    raise BadRequest(f"{where}: unexpected {type(document).__name__}; expected {EXPECTED}")


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def decode_json(text: str) -> np.ndarray:
    return rows_to_array(rows_from_document(_loads(text, "body")))


def decode_jsonlines(text: str) -> np.ndarray:
    rows: list[list[Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rows.extend(rows_from_document(_loads(line, f"line {number}"), f"line {number}"))
    if not rows:
        raise BadRequest("the JSON Lines body has no records")
    return rows_to_array(rows, unit="record")


def _jsonable(value: Any) -> Any:
    # Strict JSON has no NaN/Infinity: they become null (Python's json would write NaN).
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _as_list(data: Any) -> Any:
    return np.asarray(data).tolist() if isinstance(data, (np.ndarray, np.generic)) else data


def encode_json(data: Any) -> bytes:
    return json.dumps(_jsonable(_as_list(data)), separators=(",", ":")).encode("utf-8")


def encode_jsonlines(data: Any) -> bytes:
    value = _as_list(data)
    rows = value if isinstance(value, list) else [value]
    return "".join(json.dumps(_jsonable(row), separators=(",", ":")) + "\n" for row in rows).encode("utf-8")
