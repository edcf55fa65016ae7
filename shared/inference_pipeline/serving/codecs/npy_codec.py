"""application/x-npy: one ``.npy`` array, never unpickled (CWE-502).

AWS's decoder loads request bodies with ``allow_pickle=True``, so a crafted body runs code
in the container; here object arrays are refused in both directions.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from inference_pipeline.serving.errors import BadRequest


def decode(body: bytes) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as exc:
        raise BadRequest(f"not a .npy array readable without pickle: {exc}") from None
    except (OSError, EOFError) as exc:
        raise BadRequest(f"not a .npy array: {exc}") from None
    if not isinstance(array, np.ndarray):  # np.load opens .npz archives lazily
        array.close()
        raise BadRequest("an .npz archive; send a single .npy array")
    if array.dtype.names is not None:
        raise BadRequest(f"a structured array (fields {', '.join(array.dtype.names)}); send a plain 2-D array")
    if array.ndim == 1:
        return array.reshape(1, -1)
    if array.ndim != 2:
        raise BadRequest(f"expected a 1-D or 2-D array, got shape {array.shape}")
    return array


def encode(data: Any) -> bytes:
    array = np.asarray(data)
    if array.dtype == object:
        # Homogeneous object arrays (e.g. labels as str) get a real dtype; mixed ones cannot be
        # saved without pickle.
        array = np.array(array.tolist())
        if array.dtype == object:
            raise TypeError("an object array with mixed or nested values cannot be saved without pickle")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
