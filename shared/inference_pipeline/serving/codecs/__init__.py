"""Codecs between HTTP bodies and numpy arrays, chosen by media type.

``decode`` returns a 2-D array (rows × columns): float64 when every value is numeric,
otherwise object (CSV: ``str`` cells), so featurizers with string columns work. One-row
bodies stay 2-D. ``encode`` writes arrays, lists, scalars and DataFrames.

``sagemaker_inference.decoder``/``encoder`` are not reused, after checking each case:
its CSV decoder (``np.genfromtxt``) squeezes one row to 1-D and turns text into NaN, its
lookups take the bare content type (``text/csv; charset=latin-1`` fails), its NPY decoder
unpickles request bodies, its JSON encoder writes ``NaN`` (not JSON), and serving images
do not install it.
"""

from __future__ import annotations

import codecs
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs import csv_codec, json_codec, npy_codec, recordio
from inference_pipeline.serving.errors import BadRequest, InferenceError, UnsupportedAccept, UnsupportedContentType
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, NPY, RECORDIO_PROTOBUF, MediaType

DECODABLE: tuple[str, ...] = (CSV, JSON, JSONLINES, NPY, RECORDIO_PROTOBUF)
ENCODABLE: tuple[str, ...] = (CSV, JSON, JSONLINES, NPY, RECORDIO_PROTOBUF)


# Python codecs that are not charsets a client could mean: they parse escapes or IDNA labels
# (and raise plain UnicodeError, not UnicodeDecodeError, on bad input).
_NOT_CHARSETS = frozenset({"punycode", "idna", "unicode-escape", "raw-unicode-escape", "undefined"})


def _text_codec(charset: str) -> str:
    """The Python codec for a charset parameter; BadRequest unless it is a text encoding."""
    try:
        info = codecs.lookup(charset)
    except LookupError:
        raise BadRequest(f"unknown charset {charset!r}") from None
    # Binary transforms (base64, zlib, rot13...) are codecs too, but not text encodings.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        raise BadRequest(f"charset {charset!r} is not a text encoding")
    return "utf-8-sig" if info.name == "utf-8" else info.name


def body_text(body: bytes, media_type: MediaType) -> str:
    """The body decoded with the media type's charset (UTF-8 by default, BOM dropped).

    The single text decoder of every runtime: a charset that is unknown or not a text
    encoding, bytes that are not valid in it, and text that is not Unicode (a lone surrogate
    from UTF-7) are each a 400.
    """
    charset = media_type.charset
    codec = _text_codec(charset)
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid {charset}: byte {exc.start} ({exc.reason})") from None
    except UnicodeError as exc:  # codecs that raise the base class
        raise BadRequest(f"the body is not valid {charset}: {exc}") from None
    if codec != "utf-8-sig":  # strict UTF-8 never yields surrogates; other codecs (UTF-7) can
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadRequest(f"the body decodes ({charset}) to a lone surrogate at character {exc.start}, "
                             "which is not text") from None
    return text


def decode(body: bytes, media_type: MediaType) -> np.ndarray:
    """Request body → 2-D array; BadRequest (400) says what is wrong and where."""
    essence = media_type.essence
    if essence not in DECODABLE:
        raise UnsupportedContentType(str(media_type), DECODABLE)
    if not body:
        raise BadRequest("the request body is empty")
    if essence == CSV:
        return csv_codec.decode_text(body_text(body, media_type))
    if essence == JSON:
        return json_codec.decode_json(body_text(body, media_type))
    if essence == JSONLINES:
        return json_codec.decode_jsonlines(body_text(body, media_type))
    if essence == NPY:
        return npy_codec.decode(body)
    return recordio.decode_records(body)


def _recordio(data: Any) -> bytes:
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        array = array.astype(np.float64)  # numeric text in an object array; ValueError otherwise
    return recordio.encode_dense(array)


_ENCODERS = {
    CSV: csv_codec.encode,
    JSON: json_codec.encode_json,
    JSONLINES: json_codec.encode_jsonlines,
    NPY: npy_codec.encode,
    RECORDIO_PROTOBUF: _recordio,
}


def encode(data: Any, media_type: MediaType) -> bytes:
    """Prediction → response body.

    A prediction the type cannot hold (text as RecordIO, mixed objects as NPY) is a 406 that
    names the problem, so the client can pick another Accept.
    """
    encoder = _ENCODERS.get(media_type.essence)
    if encoder is None:
        raise UnsupportedAccept(str(media_type), ENCODABLE)
    try:
        return encoder(data)
    except (TypeError, ValueError) as exc:
        raise InferenceError(f"the prediction cannot be written as {media_type.essence}: {exc}",
                             status=406, code="NotAcceptable") from None
