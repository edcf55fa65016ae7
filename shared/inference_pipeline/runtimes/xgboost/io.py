"""Request parsing for the XGBoost image, as SageMaker's XGBoost container reads requests.

CSV: no header, no label column, delimiter sniffed from the first line, empty field → NaN.
libsvm: ``[label] index:value ...``; absent entries stay missing (sparse); 1-based indices are
shifted to 0-based when no index is 0. RecordIO-protobuf: dense tensors → rows, sparse ones
(keys + shape) → a sparse matrix whose absent entries are missing, as AWS's reader does.
"""

from __future__ import annotations

import csv
import io
from itertools import repeat
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, InferenceError
from inference_pipeline.serving.media import MediaType

# XGBoost indexes features with uint32 (bst_feature_t); larger indices cannot name a feature.
MAX_FEATURE_INDEX = 2**32 - 2

# AWS's messages for request types its algorithm mode does not read (answered with 415).
ACCEPTED = "'csv', 'libsvm', 'text/csv', 'text/libsvm', 'text/x-libsvm'"


def unsupported(content_type: str) -> InferenceError:
    return InferenceError(f"{content_type} is not an accepted ContentType: {ACCEPTED}.", status=415,
                          code="UnsupportedMediaType")


def check_csv_params(media: MediaType) -> None:
    label_size = media.params.get("label_size")
    if label_size is not None and label_size.strip() != "1":
        raise InferenceError(f"{media} is not an accepted csv ContentType. Optional parameter label_size "
                             "must be equal to 1", status=415, code="UnsupportedMediaType")


def sniff_delimiter(line: str) -> str:
    """The first character that cannot belong to a number; whitespace only if nothing else."""
    saw_space = False
    for ch in line[:512]:
        if ch.isalnum() or ch in ".+-_\"'":
            continue
        if ch in " \r":
            saw_space = saw_space or ch == " "
            continue
        return ch
    return " " if saw_space and len(line.split()) > 1 else ","


def _split(text: str, lines: list[str], delimiter: str) -> list[list[str]]:
    if delimiter == " ":
        return [line.split() for line in lines]
    if '"' in text:
        try:
            return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error as exc:  # e.g. a field over csv.field_size_limit() (128 KB)
            raise BadRequest(f"malformed CSV: {exc}") from None
    return [line.split(delimiter) for line in lines]


# Bytes of a body that holds nothing but comma-separated plain numbers, one row per line.
_PLAIN_CSV_BYTES = b"0123456789.eE+-,\n"
# Fewer distinct cells than this in the first _SAMPLE ones: convert each distinct cell once.
_SAMPLE, _FEW_DISTINCT = 4096, 256


def parse_csv(text: str) -> np.ndarray:
    """float32 rows; BadRequest naming the first ragged row or bad cell."""
    plain = _plain_csv(text)
    return plain if plain is not None else parse_csv_rows(text)


def _plain_csv(text: str) -> np.ndarray | None:
    """The rows of a rectangular body of comma-separated plain numbers, or None for any other
    body (``parse_csv_rows`` reads those). Same values: the cells go through the same
    ``np.array(..., dtype=float64)`` conversion, only without a list per row and once per
    distinct row or cell."""
    body = text.strip("\n")
    if not body or "\n\n" in body:
        return None
    try:
        if body.encode("ascii").translate(None, _PLAIN_CSV_BYTES):
            return None
    except UnicodeEncodeError:
        return None
    lines = body.split("\n")
    code = {line: index for index, line in enumerate(dict.fromkeys(lines))}
    if len(code) * 4 > len(lines):
        rows = _rectangular(lines)
    else:  # repeated rows (features of categorical columns): each distinct row parsed once
        table = _rectangular(list(code))
        rows = None if table is None else \
            table[np.fromiter(map(code.__getitem__, lines), dtype=np.intp, count=len(lines))]
    return None if rows is None else rows.astype(np.float32)


def _rectangular(lines: list[str]) -> np.ndarray | None:
    """float64 rows of lines with the same number of commas, or None."""
    if len(set(map(str.count, lines, repeat(",", len(lines))))) != 1:
        return None  # ragged rows: parse_csv_rows names the first one
    cells = ",".join(lines).split(",")
    try:
        values = _float_cells(cells)
    except ValueError:  # an empty or malformed cell
        return None
    return values.reshape(len(lines), -1)


def _float_cells(cells: list[str]) -> np.ndarray:
    if len(set(cells[:_SAMPLE])) > _FEW_DISTINCT:
        return np.array(cells, dtype=np.float64)
    # One-hot features and the like: a few distinct cells repeated, each parsed once.
    code = {cell: index for index, cell in enumerate(dict.fromkeys(cells))}
    table = np.array(list(code), dtype=np.float64)
    return table[np.fromiter(map(code.__getitem__, cells), dtype=np.intp, count=len(cells))]


def parse_csv_rows(text: str) -> np.ndarray:
    """``parse_csv`` for any body: sniffed delimiter, quotes, blank cells (NaN)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadRequest("the CSV body has no rows")
    rows = _split(text, lines, sniff_delimiter(lines[0]))
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise BadRequest(f"CSV row {number} has {len(row)} columns; row 1 has {width}")
    try:  # fast path: every cell a number
        return np.array(rows, dtype=np.float64).astype(np.float32)
    except ValueError:
        pass
    out = np.empty((len(rows), width), dtype=np.float32)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            cell = cell.strip()
            try:
                out[i, j] = float(cell) if cell else np.nan
            except ValueError:
                raise BadRequest(f"CSV row {i + 1}, column {j + 1}: {cell[:40]!r} is not a number") from None
    return out


def parse_libsvm(text: str) -> Any:  # scipy.sparse.csr_matrix
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if ":" not in parts[0]:
            parts = parts[1:]  # the label (or qid-less first token), ignored for inference
        for part in parts:
            key, sep, value = part.partition(":")
            try:
                index, number_value = int(key), float(value)
            except ValueError:
                raise BadRequest(f"libsvm line {number}: {part[:40]!r} is not index:value") from None
            if not sep:
                raise BadRequest(f"libsvm line {number}: {part[:40]!r} is not index:value")
            if not 0 <= index <= MAX_FEATURE_INDEX:
                raise BadRequest(f"libsvm line {number}: feature index {key[:40]} is outside 0..{MAX_FEATURE_INDEX}")
            indices.append(index)
            values.append(number_value)
        indptr.append(len(indices))
    if len(indptr) == 1:
        raise BadRequest("the libsvm body has no rows")
    index_array = np.asarray(indices, dtype=np.int64)
    if index_array.size and index_array.min() >= 1:
        index_array -= 1
    width = int(index_array.max()) + 1 if index_array.size else 0
    return csr_matrix((np.asarray(values, dtype=np.float32), index_array, np.asarray(indptr)),
                      shape=(len(indptr) - 1, width))


def _tensors(body: bytes) -> list[recordio.Tensor]:
    tensors = []
    for index, record in enumerate(recordio.read_recordio(body), start=1):
        try:
            features = recordio.parse_record(record)[0]
        except ValueError as exc:  # wire errors, bad UTF-8 in a key
            raise BadRequest(f"record {index}: malformed Record protobuf: {exc}") from None
        tensor = features.get("values") or (next(iter(features.values())) if len(features) == 1 else None)
        if tensor is None:
            found = ", ".join(sorted(features)) or "none"
            raise BadRequest(f"record {index}: no feature tensor 'values' (features: {found})")
        tensors.append(tensor)
    if not tensors:
        raise BadRequest("the RecordIO body has no records")
    return tensors


def parse_recordio(body: bytes) -> Any:
    tensors = _tensors(body)
    if not any(t.keys for t in tensors):
        try:
            rows = [t.dense() for t in tensors]
        except recordio.TensorError as exc:
            raise BadRequest(str(exc)) from None
        width = len(rows[0])
        for number, row in enumerate(rows, start=1):
            if len(row) != width:
                raise BadRequest(f"record {number} has {len(row)} features; record 1 has {width}")
        return np.vstack(rows).astype(np.float32)
    from scipy.sparse import csr_matrix

    indptr, indices, values, width = [0], [], [], 0
    for number, tensor in enumerate(tensors, start=1):
        if tensor.keys:
            if not tensor.shape or len(tensor.keys) != len(tensor.values):
                raise BadRequest(f"record {number}: a sparse tensor needs a shape and one key per value")
            if max(tensor.keys) >= tensor.shape[-1] or tensor.shape[-1] > MAX_FEATURE_INDEX + 1:
                raise BadRequest(f"record {number}: sparse key {max(tensor.keys)} or shape {tensor.shape} "
                                 f"is outside 0..{MAX_FEATURE_INDEX}")
            indices.extend(tensor.keys)
            values.extend(tensor.values.tolist())
            width = max(width, int(tensor.shape[-1]))
        else:
            dense = tensor.values
            if tensor.shape and tensor.shape[-1] > MAX_FEATURE_INDEX + 1:
                raise BadRequest(f"record {number}: shape {tensor.shape} is outside 0..{MAX_FEATURE_INDEX}")
            indices.extend(range(len(dense)))
            values.extend(dense.tolist())
            width = max(width, len(dense), int(tensor.shape[-1]) if tensor.shape else 0)
        indptr.append(len(indices))
    index_array = np.asarray(indices, dtype=np.int64)
    if index_array.size and int(index_array.max()) >= width:
        raise BadRequest(f"sparse key {int(index_array.max())} is outside the shape [{width}]")
    return csr_matrix((np.asarray(values, dtype=np.float32), index_array, np.asarray(indptr)),
                      shape=(len(tensors), width))
