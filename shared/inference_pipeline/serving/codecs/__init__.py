"""Codecs between HTTP bodies and numpy arrays, chosen by media type.

``decode`` always returns a 2-D array (rows × columns): float64 when every value is numeric,
otherwise object (strings), so featurizers with string columns work. One-row bodies stay 2-D.
``encode`` writes arrays, lists or scalars. ``sagemaker-inference``'s decoder is not used: it
squeezes one-row CSV to 1-D and matches content types without parameters
(``text/csv; charset=utf-8`` fails there).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs import csv_codec, json_codec, recordio
from inference_pipeline.serving.errors import BadRequest, UnsupportedAccept, UnsupportedContentType
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, NPY, RECORDIO_PROTOBUF, MediaType

DECODABLE: tuple[str, ...] = (CSV, JSON, JSONLINES, NPY, RECORDIO_PROTOBUF)
ENCODABLE: tuple[str, ...] = (CSV, JSON, JSONLINES, NPY, RECORDIO_PROTOBUF)


def body_text(body: bytes, media_type: MediaType) -> str:
    try:
        return body.decode(media_type.charset)
    except LookupError:
        raise BadRequest(f"unknown charset {media_type.charset!r}") from None
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid {media_type.charset}: byte {exc.start} ({exc.reason})") from None


def _decode_npy(body: bytes) -> np.ndarray:
    try:
        # Never unpickle request bodies (CWE-502).
        array = np.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as exc:
        raise BadRequest(f"not a readable .npy array without pickle: {exc}") from None
    except (OSError, EOFError) as exc:
        raise BadRequest(f"not a .npy array: {exc}") from None
    if array.ndim == 1:
        return array.reshape(1, -1)
    if array.ndim != 2:
        raise BadRequest(f"expected a 1-D or 2-D array, got shape {array.shape}")
    return array


def decode(body: bytes, media_type: MediaType) -> np.ndarray:
    essence = media_type.essence
    if not body:
        raise BadRequest("the request body is empty")
    if essence == CSV:
        return csv_codec.decode_text(body_text(body, media_type))
    if essence == JSON:
        return json_codec.decode_json(body_text(body, media_type))
    if essence == JSONLINES:
        return json_codec.decode_jsonlines(body_text(body, media_type))
    if essence == NPY:
        return _decode_npy(body)
    if essence == RECORDIO_PROTOBUF:
        return recordio.decode_records(body)
    raise UnsupportedContentType(str(media_type), DECODABLE)


def encode(data: Any, media_type: MediaType) -> bytes:
    essence = media_type.essence
    if essence == CSV:
        return csv_codec.encode(data)
    if essence == JSON:
        return json_codec.encode_json(data)
    if essence == JSONLINES:
        return json_codec.encode_jsonlines(data)
    if essence == NPY:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(data), allow_pickle=False)
        return buffer.getvalue()
    if essence == RECORDIO_PROTOBUF:
        return recordio.encode_dense(np.asarray(data, dtype=np.float64))
    raise UnsupportedAccept(str(media_type), ENCODABLE)
