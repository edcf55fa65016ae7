"""text/csv: RFC 4180 rows, no header. A one-row body stays 2-D (AWS's decoder squeezes it)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs.tabular import rows_to_array
from inference_pipeline.serving.errors import BadRequest


def decode_text(text: str) -> np.ndarray:
    try:
        rows = [row for row in csv.reader(io.StringIO(text), skipinitialspace=True, strict=True) if row]
    except csv.Error as exc:
        raise BadRequest(f"malformed CSV: {exc}") from None
    if not rows:
        raise BadRequest("the CSV body has no rows")
    return rows_to_array(rows)


def format_cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    return str(value)


def encode(data: Any) -> bytes:
    array = np.asarray(data)
    if array.ndim == 0:
        array = array.reshape(1)
    rows = [[cell] for cell in array.tolist()] if array.ndim == 1 else array.tolist()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        if isinstance(row, list) and any(isinstance(cell, list) for cell in row):
            row = [format_cell(cell) if not isinstance(cell, list) else str(cell) for cell in row]
        writer.writerow([format_cell(cell) for cell in (row if isinstance(row, list) else [row])])
    return buffer.getvalue().encode("utf-8")
