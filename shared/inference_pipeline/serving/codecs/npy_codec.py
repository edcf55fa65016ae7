"""application/x-npy: one ``.npy`` array, never unpickled (CWE-502).

AWS's decoder loads request bodies with ``allow_pickle=True``, so a crafted body runs code
in the container; here object arrays are refused in both directions.
"""

from __future__ import annotations

import io
import math
import zipfile
from typing import Any

import numpy as np
import numpy.lib.format as npformat

from inference_pipeline.serving.errors import BadRequest


def _check_header(body: bytes) -> None:
    """Compare the header's shape × itemsize with the bytes that follow it.

    ``np.load`` allocates what the header declares before reading: a 100-byte body declaring
    ``(10**15,)`` would ask for petabytes (MemoryError), one declaring ``(10**9,)`` would really
    take gigabytes. A header whose array the body does not hold is a 400 before any allocation.
    """
    if not body.startswith(b"\x93NUMPY"):
        return  # not .npy (an .npz zip, garbage): np.load says what it is
    stream = io.BytesIO(body)
    try:
        version = npformat.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = npformat.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = npformat.read_array_header_2_0(stream)  # 3.0 differs only in the header's encoding
        else:
            raise BadRequest(f"unsupported .npy format version {version[0]}.{version[1]}")
    except (ValueError, SyntaxError, TypeError, OverflowError) as exc:
        raise BadRequest(f"not a .npy array: bad header ({type(exc).__name__})") from None
    if dtype.hasobject:
        raise BadRequest("not a .npy array readable without pickle: an object array")
    cells = math.prod(shape)
    expected, available = cells * dtype.itemsize, len(body) - stream.tell()
    if expected != available:
        raise BadRequest(f"not a .npy array: the header declares shape {shape} of {dtype} ({expected} bytes) but the body holds "
                         f"{available} bytes after the header")


def decode(body: bytes) -> np.ndarray:
    _check_header(body)
    try:
        array = np.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as exc:
        raise BadRequest(f"not a .npy array readable without pickle: {exc}") from None
    except (OSError, EOFError) as exc:
        raise BadRequest(f"not a .npy array: {exc}") from None
    except zipfile.BadZipFile as exc:  # starts like an .npz (PK\x03\x04) but is no zip
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
