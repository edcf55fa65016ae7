"""Rows of cells → one 2-D array: float64 when every cell is numeric, else object.

Numeric means a number, a bool, ``None``/empty text (→ NaN) or text that parses as a float.
An object array keeps each cell as the request gave it (CSV: ``str``; JSON: ``str``, numbers,
``None``), so scikit-learn ColumnTransformers with string columns receive what they were fit on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inference_pipeline.serving.errors import BadRequest

_SCALARS = (str, int, float, bool, type(None))


def _name(names: Sequence[str] | None, index: int) -> str:
    return names[index] if names is not None else f"row {index + 1}"


def check_rectangular(rows: Sequence[Sequence[Any]], names: Sequence[str] | None = None) -> int:
    """The column count every row shares; BadRequest names the first ragged row.

    ``names`` labels each row in messages ("line 7"); the default is "row N" (1-based).
    """
    if not rows:
        raise BadRequest("the request has no rows")
    width = len(rows[0])
    if width == 0:
        raise BadRequest(f"{_name(names, 0)} has no columns")
    for index, row in enumerate(rows):
        if len(row) != width:
            raise BadRequest(f"{_name(names, index)} has {len(row)} columns; expected {width} like {_name(names, 0)}")
    return width


def to_float(cell: Any) -> float | None:
    """The number in a cell (NaN for None or blank text), or None when it is not numeric."""
    if cell is None:
        return float("nan")
    if isinstance(cell, (bool, int, float)):
        return float(cell)
    if isinstance(cell, str):
        if not cell.strip():
            return float("nan")
        try:
            return float(cell)
        except ValueError:
            return None
    return None


def _check_cells(rows: Sequence[Sequence[Any]], names: Sequence[str] | None) -> None:
    for index, row in enumerate(rows):
        for column, cell in enumerate(row, start=1):
            if not isinstance(cell, _SCALARS):
                raise BadRequest(f"{_name(names, index)} column {column} is a {type(cell).__name__}; "
                                 "expected a number, a string or null")


def _numeric(rows: Sequence[Sequence[Any]]) -> list[list[float]] | None:
    """Every cell as a float, or None as soon as one is not numeric."""
    out: list[list[float]] = []
    for row in rows:
        values = [to_float(cell) for cell in row]
        numbers = [value for value in values if value is not None]
        if len(numbers) != len(values):
            return None
        out.append(numbers)
    return out


def rows_to_array(rows: Sequence[Sequence[Any]], names: Sequence[str] | None = None) -> np.ndarray:
    width = check_rectangular(rows, names)
    try:
        # Fast path: numpy converts numbers, numeric text and None (→ NaN) itself.
        array = np.array(rows, dtype=np.float64)
        if array.ndim == 2:
            return array
    except (ValueError, TypeError):
        pass
    _check_cells(rows, names)
    numeric = _numeric(rows)
    if numeric is not None:
        return np.array(numeric, dtype=np.float64).reshape(len(rows), width)
    array = np.empty((len(rows), width), dtype=object)
    array[:] = rows
    return array
