"""Rows of values → a 2-D numpy array: float64 when every cell is numeric, else object (str)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inference_pipeline.serving.errors import BadRequest


def check_rectangular(rows: Sequence[Sequence[Any]], unit: str = "row") -> int:
    """Column count shared by every row; BadRequest naming the first ragged row (1-based)."""
    if not rows:
        raise BadRequest("the request has no rows")
    width = len(rows[0])
    for index, row in enumerate(rows, start=1):
        if len(row) != width:
            raise BadRequest(f"{unit} {index} has {len(row)} columns; expected {width} like {unit} 1")
    if width == 0:
        raise BadRequest(f"{unit} 1 has no columns")
    return width


def to_float(cell: Any) -> float | None:
    """A number from a CSV/JSON cell, NaN for an empty one, None when it is not numeric."""
    if cell is None:
        return float("nan")
    if isinstance(cell, bool):
        return float(cell)
    if isinstance(cell, (int, float)):
        return float(cell)
    if isinstance(cell, str):
        text = cell.strip()
        if text == "":
            return float("nan")
        try:
            return float(text)
        except ValueError:
            return None
    return None


def rows_to_array(rows: Sequence[Sequence[Any]], unit: str = "row") -> np.ndarray:
    check_rectangular(rows, unit)
    try:
        # The fast path: numpy parses numeric text itself.
        return np.array(rows, dtype=np.float64)
    except (ValueError, TypeError):
        pass
    numeric = [[to_float(cell) for cell in row] for row in rows]
    if all(value is not None for row in numeric for value in row):
        return np.array(numeric, dtype=np.float64)
    array = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            array[i, j] = cell.strip() if isinstance(cell, str) else cell
    return array
