"""Request parsing for the XGBoost image, as SageMaker's XGBoost container reads requests."""

from __future__ import annotations

import csv
import io

import numpy as np

from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, UnsupportedContentType
from inference_pipeline.serving.media import MediaType


def parse_csv(text: str, media: MediaType) -> np.ndarray:
    """No header, no label column; delimiter sniffed from the first line; empty field → NaN."""
    label_size = media.params.get("label_size")
    if label_size not in (None, "1"):
        raise UnsupportedContentType(f"{media} (label_size must be 1)")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadRequest("the CSV body has no rows")
    first = lines[0]
    delimiter = next((ch for ch in first if not (ch.isalnum() or ch in ".-+eE \"'")), ",")
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    width = len(rows[0])
    out = np.empty((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise BadRequest(f"row {i + 1} has {len(row)} columns; expected {width} like row 1")
        for j, cell in enumerate(row):
            cell = cell.strip()
            if not cell:
                out[i, j] = np.nan
                continue
            try:
                out[i, j] = float(cell)
            except ValueError:
                raise BadRequest(f"row {i + 1}, column {j + 1}: {cell!r} is not a number") from None
    return out


def parse_libsvm(text: str):  # -> scipy.sparse.csr_matrix
    """``label idx:value ...`` lines (label optional and ignored); 1-based indices are shifted to
    0-based when no index is 0, as SageMaker's container does."""
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if ":" not in parts[0]:
            parts = parts[1:]  # the label
        for part in parts:
            key, sep, value = part.partition(":")
            try:
                indices.append(int(key))
                values.append(float(value) if sep else np.nan)
            except ValueError:
                raise BadRequest(f"line {number}: {part!r} is not index:value") from None
        indptr.append(len(indices))
    if len(indptr) == 1:
        raise BadRequest("the libsvm body has no rows")
    index_array = np.asarray(indices, dtype=np.int64)
    if len(index_array) and index_array.min() < 0:
        raise BadRequest("libsvm feature indices must not be negative")
    if len(index_array) and index_array.min() >= 1:
        index_array -= 1
    width = int(index_array.max()) + 1 if len(index_array) else 0
    return csr_matrix((np.asarray(values, dtype=np.float32), index_array, np.asarray(indptr)),
                      shape=(len(indptr) - 1, width))


def parse_recordio(body: bytes) -> np.ndarray:
    return recordio.decode_records(body).astype(np.float32)
