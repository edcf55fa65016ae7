"""Response lines of the sparkml runtime, as the JVM container writes them (Java's toString,
Jackson for JSON Lines).

``format_value`` is the rule for one row's output value. ``format_column`` gives the same
lines for a whole output column at once — a features container writes millions of doubles
per mini-batch, and one Python call per double was 80% of its time — and falls back to
``format_value`` row by row for anything unusual (nulls, mixed types, shape mismatches), so
errors and edge cases stay exactly as they were.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from inference_pipeline.mleap.frame import Column, ListColumn, Scalar, Vector
from inference_pipeline.mleap.javafmt import java_double_array, java_double_str
from inference_pipeline.mleap.serving_schema import ColumnSpec
from inference_pipeline.serving.codecs import safe_json
from inference_pipeline.serving.errors import BadRequest

CSV_ACCEPT, FEATURES_ACCEPT, TEXT_ACCEPT = "text/csv", "application/jsonlines", "application/jsonlines;data=text"
_JACKSON_QUOTED = ("NaN", "Infinity", "-Infinity")
_INTEGRAL = ("int", "long", "short", "byte")
_INT64_LIMIT = 2.0**63
# Vector columns of at least this many rows are checked for repeated rows.
_REPEATS_FROM = 64


def _jackson(value: Any) -> str:
    """One JSON value as Jackson writes it: Java doubles, NaN/Infinity quoted, compact."""
    if isinstance(value, float):
        text = java_double_str(value)
        return f'"{text}"' if text in _JACKSON_QUOTED else text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return safe_json.dumps(value)


def _to_string(value: Any) -> str:
    """Java's toString of a value in an MLeap row."""
    if isinstance(value, (float, np.floating)):
        return java_double_str(float(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def _basic(value: Any, output: ColumnSpec) -> str:
    if value is None:
        raise BadRequest(f"output column {output.name} is null")
    if output.type in _INTEGRAL:
        return str(int(value))
    if output.type in ("float", "double"):
        return java_double_str(float(value))
    if output.type == "boolean":
        return "true" if bool(value) else "false"
    return _to_string(value)


def format_value(value: Any, output: ColumnSpec, accept: str) -> str:
    """One row's response line for the output column's value in that row."""
    if output.struct == "basic":
        if isinstance(value, list):
            raise BadRequest(f"output column {output.name} is not a scalar; declare struct vector or array")
        return _basic(value, output)
    elements = value if isinstance(value, list) else [value]
    if output.struct == "vector":
        elements = [float(v) for v in elements]
    if accept == CSV_ACCEPT:
        return ",".join(_to_string(v) for v in elements)
    if accept == FEATURES_ACCEPT:
        return '{"features":[' + ",".join(_jackson(v) for v in elements) + "]}"
    return '{"source":' + safe_json.dumps(" ".join(_to_string(v) for v in elements)) + "}"


def column_values(column: Column) -> list[Any]:
    """The output column as one Python value per row (what ``format_value`` takes)."""
    if isinstance(column, Vector):
        return column.rows()
    if isinstance(column, ListColumn):
        return column.values
    return column.to_list()


def format_column(column: Column, output: ColumnSpec, accept: str) -> list[str]:
    """Every row's response line; the same text as ``format_value`` on each row's value."""
    lines: list[str] | None = None
    if isinstance(column, Vector) and output.struct in ("vector", "array"):
        lines = _vector_lines(column, accept)
    elif isinstance(column, Scalar) and output.struct == "basic":
        lines = _scalar_lines(column, output)
    if lines is not None:
        return lines
    return [format_value(value, output, accept) for value in column_values(column)]


def _vector_lines(column: Vector, accept: str) -> list[str]:
    dense = np.ascontiguousarray(column.to_dense(), dtype=np.float64)
    n_rows, width = dense.shape
    if n_rows >= _REPEATS_FROM and width:
        # Features of categorical inputs repeat a few thousand distinct rows: format each once.
        # Rows are compared by their bytes, so only bit-identical rows (same text) share a line.
        rows_as_bytes = dense.view(np.dtype((np.void, 8 * width))).ravel()
        keys = cast(list[bytes], rows_as_bytes.tolist())  # a void scalar's tolist() is its bytes
        index = {key: number for number, key in enumerate(dict.fromkeys(keys))}
        if len(index) * 4 <= n_rows:
            distinct = np.frombuffer(b"".join(index), dtype=np.float64).reshape(-1, width)
            lines = np.array(_dense_lines(distinct, accept), dtype=object)
            picked: list[str] = lines[np.fromiter(map(index.__getitem__, keys), dtype=np.intp,
                                                  count=n_rows)].tolist()
            return picked
    return _dense_lines(dense, accept)


def _dense_lines(dense: np.ndarray, accept: str) -> list[str]:
    # Every element of a Vector is a float64, so each one is java_double_str of it.
    cells = java_double_array(dense)
    if accept == CSV_ACCEPT:
        return _joined_rows(cells)
    if accept == FEATURES_ACCEPT:
        special = ~np.isfinite(dense)
        if special.any():  # Jackson writes non-finite doubles as strings
            cells[special] = np.array([f'"{text}"' for text in cells[special].tolist()], dtype=object)
        return ['{"features":[' + row + "]}" for row in map(",".join, cells.tolist())]
    return ['{"source":' + safe_json.dumps(row) + "}" for row in map(" ".join, cells.tolist())]


def _joined_rows(cells: np.ndarray) -> list[str]:
    """``",".join`` of each row of a 2-D object array of str, without a Python list per row."""
    n_rows, width = cells.shape
    if width == 0:
        return [""] * n_rows
    grid = np.empty((n_rows, 2 * width), dtype=object)
    grid[:, 0::2] = cells
    grid[:, 1::2] = ","
    grid[:, -1] = "\n"
    return "".join(grid.ravel().tolist()).split("\n")[:-1]


def _scalar_lines(column: Scalar, output: ColumnSpec) -> list[str] | None:
    """Lines for a null-free scalar column of one plain kind; None sends it row by row."""
    values, kind = column.values, column.values.dtype.kind
    if column.nulls is not None and column.nulls.any():
        return None  # "output column ... is null": the row-by-row path raises it
    texts: list[str]
    if kind == "f" and output.type not in _INTEGRAL and output.type != "boolean":
        texts = java_double_array(values).tolist()  # double/float/string outputs: toString
    elif kind == "f" and output.type in _INTEGRAL:
        if not (np.isfinite(values).all() and (np.abs(values) < _INT64_LIMIT).all()):
            return None
        texts = list(map(str, values.astype(np.int64).tolist()))  # int() truncates, as astype
    elif kind in "iu" and output.type in ("float", "double"):
        texts = java_double_array(values.astype(np.float64)).tolist()  # float(int): round to nearest
    elif kind in "iu" and output.type != "boolean":
        texts = list(map(str, values.tolist()))
    elif kind == "b" and output.type in ("boolean", "string"):
        texts = np.where(values, "true", "false").tolist()
    elif kind == "U" and output.type == "string":
        texts = values.tolist()
    elif kind == "O" and output.type == "string":
        texts = values.tolist()
        if not all(type(text) is str for text in texts):
            return None
    else:
        return None
    return texts
