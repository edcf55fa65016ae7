"""Property-based tests: the request parsers never raise anything but a client error on arbitrary
bytes, and every codec's encode → decode round-trips. Budget: hypothesis's default 100 examples
per property, ``RELIABILITY_EXAMPLES`` for more (e.g. 5000 on demand)."""

from __future__ import annotations

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from inference_pipeline.serving import codecs  # noqa: E402
from inference_pipeline.serving.media import MediaType  # noqa: E402
from tests.reliability.parsers import parsers, run_one  # noqa: E402

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "100"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = parsers()

# Bytes that look like requests often enough to get past the first check.
_TOKENS = st.sampled_from([b"[", b"]", b"{", b"}", b'"', b",", b":", b"\n", b"\r\n", b"1", b"-0.5e3", b"nan",
                           b"NaN", b"Infinity", b"1e400", b"0x1p99999", b"\\ud800", b"\xff", b"\xef\xbb\xbf",
                           b'"instances"', b'"features"', b'"data"', b'"keys"', b'"shape"', b'"values"',
                           b'"source"', b"9" * 40, b" ", b"\t", b"1:2", b"\x93NUMPY\x01\x00", b"\n#\xd7\xce",
                           b"\x00", b"true", b"null"])
BODIES = st.one_of(st.binary(max_size=300), st.lists(_TOKENS, max_size=60).map(b"".join))


@pytest.mark.parametrize("name", sorted(PARSERS))
@PROFILE
@given(body=BODIES)
def test_parsers_raise_only_client_errors(name, body):
    run_one(PARSERS[name], body)


FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
ARRAYS = st.integers(1, 6).flatmap(lambda width: st.lists(st.lists(FLOATS, min_size=width, max_size=width),
                                                          min_size=1, max_size=8))


@pytest.mark.parametrize("content_type", ["text/csv", "application/json", "application/jsonlines",
                                          "application/x-npy"])
@PROFILE
@given(rows=ARRAYS)
def test_encode_decode_round_trips(content_type, rows):
    media = MediaType.parse(content_type)
    array = np.array(rows, dtype=np.float64)
    assert np.array_equal(codecs.decode(codecs.encode(array, media), media), array)


@PROFILE
@given(rows=ARRAYS)
def test_recordio_round_trips_as_float32(rows):
    media = MediaType.parse("application/x-recordio-protobuf")
    array = np.array(rows, dtype=np.float64)
    with np.errstate(over="ignore"):
        expected = array.astype(np.float32).astype(np.float64)
    assert np.array_equal(codecs.decode(codecs.encode(array, media), media), expected)


@PROFILE
@given(rows=st.lists(st.lists(st.one_of(FLOATS, st.none()), min_size=2, max_size=2), min_size=1, max_size=5))
def test_json_writes_nan_as_null_and_reads_it_back_as_nan(rows):
    media = MediaType.parse("application/json")
    array = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=np.float64)
    body = codecs.encode(array, media)
    assert b"NaN" not in body
    assert np.array_equal(codecs.decode(body, media), array, equal_nan=True)
