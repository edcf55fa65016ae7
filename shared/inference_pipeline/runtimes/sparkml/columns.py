"""Request rows → input columns of the sparkml runtime, with the JVM container's conversions.

``input_columns`` converts value by value (``values.convert_value``) in row order, so the
first bad value in the request is the one a 400 names. Batch Transform sends tens of
thousands of clean CSV rows at once, so a column whose every value is a plain string of its
type (``"vhigh"``, ``"2.0"``, ``"-3"``) is converted in one pass instead; any other column
sends the whole request down the value-by-value path, whose result the fast one equals.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from typing import Any

import numpy as np

from inference_pipeline.mleap.frame import Column, LeapFrame, ListColumn, Scalar, Vector
from inference_pipeline.mleap.serving_schema import ColumnSpec, ServingSchema
from inference_pipeline.runtimes.sparkml.values import INT_RANGES, convert_value
from inference_pipeline.serving.errors import BadRequest

# Plain decimals that Double.parseDouble and Python's float() read alike (no whitespace, no
# suffix, no hex, ASCII digits only), one per line.
_DECIMAL = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_DECIMAL_LINES = re.compile(rf"{_DECIMAL}(?:\n{_DECIMAL})*")
# Integers of at most 18 digits: inside long's range, so only int/short/byte need a range check.
_INTEGER = r"[+-]?[0-9]{1,18}"
_INTEGER_LINES = re.compile(rf"{_INTEGER}(?:\n{_INTEGER})*")
# Characters that make csv.reader differ from splitting lines at "\n" and fields at ",".
_CSV_SPECIAL = ('"', "\r", "\x00")


def csv_rows(text: str) -> list[list[str]]:
    """The non-empty rows of a CSV body, as ``csv.reader`` (default dialect) reads them."""
    if not any(ch in text for ch in _CSV_SPECIAL):
        return [line.split(",") for line in text.split("\n") if line]
    try:
        return [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as exc:
        raise BadRequest(f"malformed CSV: {exc}") from None


@dataclass
class InputColumns:
    """Converted input columns of a request.

    ``values`` has one entry per request row, or — when ``rows`` is set — one per distinct
    CSV line, and ``rows`` maps each request row to its line (a Batch Transform mini-batch of
    categorical rows repeats a few thousand distinct lines; each is parsed once).
    """

    values: dict[str, list[Any]]
    n_rows: int
    rows: np.ndarray | None = None

    def first_row(self) -> dict[str, Any]:
        first = 0 if self.rows is None else int(self.rows[0])
        return {name: values[first] for name, values in self.values.items()}

    def frame(self, schema: ServingSchema) -> LeapFrame:
        columns: dict[str, Column] = {}
        for spec in schema.inputs:
            column = frame_column(spec, self.values[spec.name])
            if self.rows is not None:  # only basic columns come from CSV lines
                assert isinstance(column, Scalar)
                column = Scalar(column.values[self.rows], column.base)
            columns[spec.name] = column
        return LeapFrame(columns, self.n_rows)


def csv_columns(lines: list[str]) -> list[list[str]] | None:
    """The fields of rectangular CSV lines without quotes, column by column, or None.

    The same fields as ``csv_rows``, without a list per row (tens of thousands of small lists
    are what made the garbage collector run during a Batch Transform request).
    """
    if len(set(map(str.count, lines, repeat(",", len(lines))))) != 1:
        return None  # ragged: the row-by-row path names the short row
    fields = ",".join(lines).split(",")
    width = len(fields) // len(lines)
    return [fields[column::width] for column in range(width)]


def csv_input_columns(schema: ServingSchema, text: str) -> InputColumns:
    """The converted input columns of a CSV body; BadRequest as ``input_columns``."""
    body = text.strip("\n")
    if body and "\n\n" not in body and not any(ch in body for ch in _CSV_SPECIAL):
        lines = body.split("\n")
        line_index = {line: index for index, line in enumerate(dict.fromkeys(lines))}
        repeated = len(line_index) * 4 <= len(lines)
        columns = csv_columns(list(line_index) if repeated else lines)
        if columns is not None and len(columns) >= len(schema.inputs):
            fast = _converted(schema, columns, all_strings=True)
            if fast is not None and repeated:
                rows = np.fromiter(map(line_index.__getitem__, lines), dtype=np.intp, count=len(lines))
                return InputColumns(fast, len(lines), rows)
            if fast is not None:
                return InputColumns(fast, len(lines))
    rows_ = csv_rows(text)
    return InputColumns(input_columns(schema, rows_), len(rows_))


def input_columns(schema: ServingSchema, rows: list[list[Any]]) -> dict[str, list[Any]]:
    """{input name: converted values}; BadRequest for the first short row or bad value."""
    if rows and min(map(len, rows)) >= len(schema.inputs):
        fast = _converted(schema, list(islice(zip(*rows), len(schema.inputs))), all_strings=False)
        if fast is not None:
            return fast
    columns: dict[str, list[Any]] = {spec.name: [] for spec in schema.inputs}
    for number, row in enumerate(rows, start=1):
        if len(row) < len(schema.inputs):
            raise BadRequest(f"row {number} has {len(row)} values; the schema has {len(schema.inputs)} inputs")
        for spec, value in zip(schema.inputs, row):
            columns[spec.name].append(convert_value(value, spec))
    return columns


def _converted(schema: ServingSchema, columns: list[Any], *, all_strings: bool) -> dict[str, list[Any]] | None:
    """Every input column converted in one pass, or None when any value needs the careful path.

    ``all_strings``: the values are known to be str (CSV fields), so string columns need no check.
    """
    converted: dict[str, list[Any]] = {}
    for spec, values in zip(schema.inputs, columns):
        if all_strings and spec.type == "string" and spec.struct == "basic":
            converted[spec.name] = list(values)
            continue
        column = _plain_column(spec, values)
        if column is None:
            return None
        converted[spec.name] = column
    return converted


def _plain_column(spec: ColumnSpec, values: Sequence[Any]) -> list[Any] | None:
    if spec.struct != "basic":
        return None
    if spec.type in ("double", "float") or spec.type in INT_RANGES:
        try:
            joined = "\n".join(values)
        except TypeError:  # not all strings (JSON numbers, nulls...)
            return None
        if spec.type in ("double", "float"):
            return list(map(float, values)) if _DECIMAL_LINES.fullmatch(joined) else None
        if not _INTEGER_LINES.fullmatch(joined):
            return None
        integers = list(map(int, values))
        low, high = INT_RANGES[spec.type]
        return integers if low <= min(integers) and max(integers) <= high else None
    distinct = _distinct_strings(values)
    if distinct is None:
        return None
    if spec.type == "string":
        return list(values)
    if spec.type == "boolean":  # Boolean.valueOf, once per distinct value
        truth = {value: value.lower() == "true" for value in distinct}
        return list(map(truth.__getitem__, values))
    return None


def _distinct_strings(values: Sequence[Any]) -> list[str] | None:
    """The distinct values in first-seen order when every value is a str, else None."""
    try:
        distinct = list(dict.fromkeys(values))
    except TypeError:  # unhashable: lists, dicts
        return None
    # Equal values of other types (1 == 1.0 == True) share a key, so a non-str value shows here.
    return distinct if all(type(value) is str for value in distinct) else None


def frame_column(spec: ColumnSpec, values: list[Any]) -> Scalar | Vector | ListColumn:
    """One input column of the LeapFrame the bundle transforms."""
    if spec.struct == "vector":
        return Vector.from_dense(np.array(values, dtype=np.float64).reshape(len(values), -1))
    if spec.struct == "array":
        return ListColumn(values, spec.type)
    if spec.type == "string":
        return Scalar(_string_array(values), "string")
    if spec.type == "boolean":
        return Scalar(np.array(values, dtype=bool), "boolean")
    if spec.type in ("float", "double"):
        return Scalar(np.array(values, dtype=np.float64), spec.type)
    return Scalar(np.array(values, dtype=np.int64), spec.type)


# A categorical string column (few distinct short values) becomes a fixed-width unicode array:
# StringIndexer's np.unique sorts that ~8x faster than Python objects. Longer or mostly
# distinct strings (text) stay objects, which cost no width padding.
_CATEGORICAL_WIDTH = 64


def _string_array(values: list[Any]) -> np.ndarray:
    distinct = _distinct_strings(values)
    if distinct is None or len(distinct) > max(64, len(values) // 8) or \
            max(map(len, distinct), default=0) > _CATEGORICAL_WIDTH or \
            any(value.endswith("\x00") for value in distinct):  # numpy drops trailing NULs
        return np.array(values, dtype=object)
    code = {value: index for index, value in enumerate(distinct)}
    codes = np.fromiter(map(code.__getitem__, values), dtype=np.intp, count=len(values))
    return np.array(distinct, dtype=str)[codes] if distinct else np.array(values, dtype=object)
