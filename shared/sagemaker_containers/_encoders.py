"""Legacy sagemaker_containers encoders: numpy <-> JSON / CSV / NPY, same shapes as AWS's."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

from sagemaker_containers import _content_types as content_types
from sagemaker_containers._errors import UnsupportedFormatError


def array_to_npy(array_like: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array_like))
    return buffer.getvalue()


def npy_to_numpy(npy_array: bytes) -> np.ndarray:
    # Never unpickle request bodies (CWE-502): AWS's own images patch this the same way.
    return np.load(io.BytesIO(npy_array), allow_pickle=False)


def array_to_json(array_like: Any) -> str:
    def default(obj: Any) -> Any:
        if hasattr(obj, "tolist"):
            return obj.tolist()
        return json.JSONEncoder().default(obj)

    return json.dumps(array_like, default=default)


def json_to_numpy(string_like: str | bytes, dtype: Any = None) -> np.ndarray:
    return np.array(json.loads(string_like), dtype=dtype)


def csv_to_numpy(string_like: str | bytes, dtype: Any = None) -> np.ndarray:
    text = string_like.decode("utf-8") if isinstance(string_like, bytes) else string_like
    rows = list(csv.reader(io.StringIO(text), delimiter=",", quotechar='"', doublequote=True, strict=True))
    array = np.array(rows).squeeze()
    return array.astype(dtype) if dtype is not None else array


def array_to_csv(array_like: Any) -> str:
    array = np.asarray(array_like)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    if array.ndim <= 1:
        writer.writerows([value] for value in np.atleast_1d(array).tolist())
    else:
        writer.writerows(array.tolist())
    return stream.getvalue()


_ENCODERS = {content_types.NPY: array_to_npy, content_types.CSV: array_to_csv, content_types.JSON: array_to_json}
_DECODERS = {content_types.NPY: npy_to_numpy, content_types.CSV: csv_to_numpy, content_types.JSON: json_to_numpy}


def _essence(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def encode(array_like: Any, content_type: str) -> Any:
    try:
        return _ENCODERS[_essence(content_type)](array_like)
    except KeyError:
        raise UnsupportedFormatError(content_type) from None


def decode(obj: Any, content_type: str) -> np.ndarray:
    try:
        decoder = _DECODERS[_essence(content_type)]
    except KeyError:
        raise UnsupportedFormatError(content_type) from None
    return decoder(obj)
