"""Issue 13: every class of hostile request that used to answer 500 (or invalid JSON) is now a
4xx with a message, fixed in the shared codec layer. One test per class, at the layer that owns
the fix; tests/reliability/ replays the same requests over raw HTTP against every runtime."""

from __future__ import annotations

import io
import json
import math
import struct

import numpy as np
import numpy.lib.format as npformat
import pytest

from inference_pipeline.serving import codecs
from inference_pipeline.serving.codecs import protobuf_wire as wire
from inference_pipeline.serving.codecs import recordio, safe_json
from inference_pipeline.serving.errors import BadRequest, InferenceError, PayloadTooLarge
from inference_pipeline.serving.media import MediaType

CSV = MediaType.parse("text/csv")
JSON = MediaType.parse("application/json")


# ------------------------------------------------------------------ text decoding


@pytest.mark.parametrize("charset, body, message", [
    ("punycode", b"a-99999999", "not a text encoding"),  # raised UnicodeError, not UnicodeDecodeError
    ("idna", b"1,2", "not a text encoding"),
    ("base64", b"MSwy", "not a text encoding"),  # a bytes-to-bytes codec
    ("rot13", b"1,2", "not a text encoding"),
    ("unicode_escape", b"\\ud800", "not a text encoding"),
    ("no-such-charset", b"1,2", "unknown charset"),
    ("utf-7", b"+2AA-", "lone surrogate"),  # decodes to "\ud800"
])
def test_charsets_that_are_not_text_encodings_are_400(charset, body, message):
    with pytest.raises(BadRequest, match=message):
        codecs.body_text(body, MediaType.parse(f"text/csv; charset={charset}"))


def test_real_charsets_still_decode():
    assert codecs.body_text("é,1".encode("latin-1"), MediaType.parse("text/csv; charset=ISO-8859-1")) == "é,1"
    assert codecs.body_text(b"\xef\xbb\xbf1,2", CSV) == "1,2"
    assert codecs.body_text("1,2".encode("utf-16"), MediaType.parse("text/csv; charset=utf-16")) == "1,2"


def test_error_messages_are_always_encodable():
    error = BadRequest('column x: For input string: "\ud800"')
    error.message.encode("utf-8")  # would raise UnicodeEncodeError before the fix
    assert "\\ud800" in error.message and str(error) == error.message


# ------------------------------------------------------------------ JSON


@pytest.mark.parametrize("text, message", [
    ("[" * 10_000 + "]" * 10_000, "nests arrays/objects more than 64 levels"),
    ('{"a":' * 5_000 + "1" + "}" * 5_000, "more than 64 levels"),
    ("[" + "9" * 5_000 + "]", "a number JSON readers cannot take"),
    ('["\\ud800"]', "lone UTF-16 surrogate"),
    ('{"instances": ["ok \\udfff"]}', "lone UTF-16 surrogate"),
    ('{"instances": [1,', "not valid JSON: Expecting value at line 1 column 18"),
])
def test_safe_json_loads_turns_every_failure_into_400(text, message):
    with pytest.raises(BadRequest, match=message):
        safe_json.loads(text)
    with pytest.raises(BadRequest, match=message):
        codecs.decode(text.encode(), JSON)


def test_safe_json_keeps_what_is_valid():
    assert safe_json.loads('["\\ud83d\\ude00", "[[[[" ]') == ["\U0001f600", "[[[["]
    assert safe_json.loads("[" * 64 + "]" * 64) is not None
    assert safe_json.nesting_depth('{"a": [[1], {"b": "]]]]"}]}') == 3


def test_one_json_writer_nan_and_infinity_are_null():
    value = {"score": float("nan"), "scores": [np.float32("inf"), -math.inf, 0.25]}
    assert safe_json.dumps(value) == '{"score":null,"scores":[null,null,0.25]}'
    assert safe_json.dumps(value, python_style=True) == '{"score": null, "scores": [null, null, 0.25]}'
    assert codecs.encode(np.array([[np.nan, 1.0]]), JSON) == b"[[null,1.0]]"
    assert safe_json.dumps_bytes(["\ud800"]) == b'["\\ud800"]'  # never an encoding error


# ------------------------------------------------------------------ allocations sized by the request


def test_sparse_json_shape_is_bounded_by_the_payload_limit():
    body = b'{"instances": [{"data": {"features": {"keys": [1], "values": [1.0], "shape": [1000000000000000]}}}]}'
    with pytest.raises(PayloadTooLarge, match="SAGEMAKER_MAX_PAYLOAD_IN_MB") as info:
        codecs.decode(body, JSON)
    assert info.value.status == 413


def test_the_limit_follows_sagemaker_max_payload_in_mb(monkeypatch):
    body = b'{"data": {"features": {"keys": [0], "values": [1.0], "shape": [10000000]}}}'
    with pytest.raises(PayloadTooLarge, match="limit is 6291456 values"):
        codecs.decode(body, JSON)
    monkeypatch.setenv("SAGEMAKER_MAX_PAYLOAD_IN_MB", "20")
    assert codecs.decode(body, JSON).shape == (1, 10_000_000)


def _recordio_tensor(*, shape: list[int] = (), keys: list[int] = (), values: list[float] = ()) -> bytes:
    tensor = b""
    if values:
        tensor += wire.length_delimited(1, struct.pack(f"<{len(values)}f", *values))
    if keys:
        tensor += wire.length_delimited(2, b"".join(wire.encode_varint(k) for k in keys))
    if shape:
        tensor += wire.length_delimited(3, b"".join(wire.encode_varint(n) for n in shape))
    value = wire.length_delimited(recordio.FLOAT32_TENSOR, tensor)
    entry = wire.length_delimited(1, b"values") + wire.length_delimited(2, value)
    return recordio.write_recordio([wire.length_delimited(1, entry)])


@pytest.mark.parametrize("body, error, message", [
    (_recordio_tensor(shape=[2**50]), PayloadTooLarge, "shape \\[1125899906842624\\]"),
    (_recordio_tensor(shape=[2**32, 2**32]), PayloadTooLarge, "asks for"),
    (_recordio_tensor(shape=[4], keys=[2**66], values=[1.0]), BadRequest, "outside shape"),
])
def test_recordio_tensor_shapes_are_bounded(body, error, message):
    with pytest.raises(error, match=message):
        codecs.decode(body, MediaType.parse("application/x-recordio-protobuf"))


def _npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    npformat.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


@pytest.mark.parametrize("body", [
    _npy_header((10**15,)) + bytes(8),  # MemoryError before the fix
    _npy_header((10**5, 10**4)) + bytes(80),  # would really allocate 8 GB
    _npy_header((3,)) + bytes(16),  # short
    _npy_header((3,)) + bytes(32),  # trailing bytes
])
def test_npy_header_must_match_the_body(body):
    with pytest.raises(BadRequest, match="the header declares shape"):
        codecs.decode(body, MediaType.parse("application/x-npy"))


# ------------------------------------------------------------------ per-image parsing


def test_xgboost_csv_field_over_the_csv_module_limit_is_400():
    from inference_pipeline.runtimes.xgboost.io import parse_csv

    with pytest.raises(BadRequest, match="malformed CSV: field larger than field limit"):
        parse_csv('"' + "1" * 200_000 + '",2\n')


@pytest.mark.parametrize("line", ["1:0.5 99999999999999999999:1", "1:0.5 -1:1", "18446744073709551616:1"])
def test_libsvm_indices_beyond_the_feature_range_are_400(line):
    from inference_pipeline.runtimes.xgboost.io import parse_libsvm

    with pytest.raises(BadRequest, match="feature index"):
        parse_libsvm(line)


def test_xgboost_recordio_sparse_key_beyond_uint32_is_400():
    from inference_pipeline.runtimes.xgboost.io import parse_recordio

    with pytest.raises(BadRequest, match="outside 0..4294967294"):
        parse_recordio(_recordio_tensor(shape=[2**63], keys=[2**62], values=[1.0]))


@pytest.mark.parametrize("text, expected", [("0x1p99999", math.inf), ("-0x1p99999", -math.inf),
                                            ("0x1p-99999", 0.0), ("1e99999", math.inf)])
def test_sparkml_hex_floats_overflow_to_infinity_like_java(text, expected):
    from inference_pipeline.runtimes.sparkml.values import convert_basic

    assert convert_basic(text, "double", "x") == expected


def test_sparkml_int_with_thousands_of_digits_is_out_of_range():
    from inference_pipeline.runtimes.sparkml.values import convert_basic

    with pytest.raises(BadRequest, match="Value out of range"):
        convert_basic("9" * 5_000, "long", "x")
    assert convert_basic("-" + "0" * 30 + "5", "int", "x") == -5


def test_sklearn_client_errors_follow_the_user_script_rule():
    from inference_pipeline.runtimes.sklearn.runtime import SklearnRuntime
    from inference_pipeline.runtimes.user_script.hooks import CLIENT_ERRORS

    class Picky:
        def __init__(self, error: type[Exception]) -> None:
            self.error = error

        def predict(self, data):
            raise self.error("bad input")

    runtime = SklearnRuntime()
    for error in (e for e in CLIENT_ERRORS if e is not UnicodeDecodeError):  # its constructor differs
        with pytest.raises(BadRequest, match=f"{error.__name__}"):
            runtime.default_predict_fn([[1]], Picky(error))
    with pytest.raises(RuntimeError):  # a genuine model bug stays a 500
        runtime.default_predict_fn([[1]], Picky(RuntimeError))


def test_sklearn_default_input_reads_a_missing_content_type_as_json():
    from inference_pipeline.runtimes.sklearn.runtime import SklearnRuntime
    from inference_pipeline.serving.runtime import InferenceRequest

    request = InferenceRequest(b"[[1, 2], [3, 4]]", None, JSON)
    assert SklearnRuntime().default_input_fn(request).tolist() == [[1, 2], [3, 4]]


def _refuse_constant(name: str) -> None:
    pytest.fail(f"{name} in a JSON response: strict parsers reject it")


def test_linear_learner_writes_null_for_nan_scores(tmp_path):
    from inference_pipeline.runtimes.linear_learner.runtime import LinearLearnerRuntime
    from inference_pipeline.serving.runtime import InferenceRequest

    (tmp_path / "linear-learner.json").write_text(json.dumps({
        "format": "inference-pipeline/linear-learner", "version": 1, "predictor_type": "binary_classifier",
        "feature_dim": 2, "weights": [[1.0, 1.0]], "bias": [0.0]}))
    runtime = LinearLearnerRuntime()
    runtime.load(tmp_path)
    for body in (b"nan,1\n", b",1\n", b"1e400,-1e400\n"):
        request = InferenceRequest(body, CSV, JSON)
        response = runtime.invoke(request)
        document = json.loads(response.body, parse_constant=_refuse_constant)
        assert document["predictions"][0]["score"] is None
        lines = runtime.invoke(InferenceRequest(body, CSV, MediaType.parse("application/jsonlines"))).body
        assert b"NaN" not in lines and json.loads(lines)["score"] is None


def test_inference_errors_keep_their_status_after_escaping():
    error = InferenceError("bad \udc80", status=415, code="X")
    assert (error.status, error.code, error.message) == (415, "X", "bad \\udc80")
