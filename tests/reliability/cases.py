"""The hostile-request table: each row is one raw HTTP request and the statuses it may get.

Rows come from issue 13's attack run (~80 requests per image): empty and wrong-typed bodies,
ragged CSV, BOM/CRLF, NaN/Inf, invalid UTF-8, non-text charsets, lone surrogates, deep JSON,
huge numbers, shapes that ask for petabytes, bodies over the limit, header abuse, bad framing,
unknown paths and methods. A client error is never a 5xx.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy.lib.format as npformat

from inference_pipeline.serving.codecs import protobuf_wire as wire
from inference_pipeline.serving.codecs import recordio
from tests.reliability.rawhttp import request_bytes
from tests.reliability.runtimes import RuntimeSpec

FRAMING = "server layer (issue 13 framing)"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    statuses: frozenset[int]
    #: The response comes from our app (request id, JSON/text error body), not the HTTP server's
    #: own framing errors.
    from_app: bool = True
    #: Framing rows owned by the server engineer: xfail(strict=False) until that lands.
    framing: bool = False
    half_close: bool = False


def _post(spec: RuntimeSpec, body: bytes, content_type: str | None = "", accept: str | None = None,
          extra: list[tuple[str, str]] | None = None) -> bytes:
    headers: list[tuple[str, str]] = []
    content_type = spec.content_type if content_type == "" else content_type
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if accept is not None:
        headers.append(("Accept", accept))
    return request_bytes("POST", "/invocations", headers + (extra or []), body)


def _row(spec: RuntimeSpec, cell: str) -> bytes:
    return ",".join([cell] * spec.width).encode()


def _recordio_shape(shape: int) -> bytes:
    tensor = wire.length_delimited(3, wire.encode_varint(shape))
    entry = wire.length_delimited(1, b"values") + wire.length_delimited(2, wire.length_delimited(2, tensor))
    return recordio.write_recordio([wire.length_delimited(1, entry)])


def _npy_header(shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    npformat.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + bytes(8)


S = frozenset
CLIENT = S({400, 406, 413, 415})
EMPTY = S({204, 400})


def cases(spec: RuntimeSpec) -> list[Case]:
    ok_or_client = CLIENT | {200}
    rows = [
        Case("valid", _post(spec, spec.valid), S({200})),
        Case("valid-http-1.0", b"POST /invocations HTTP/1.0\r\nContent-Type: " + spec.content_type.encode() +
             b"\r\nContent-Length: " + str(len(spec.valid)).encode() + b"\r\n\r\n" + spec.valid, S({200})),
        Case("empty-body", _post(spec, b""), EMPTY),
        Case("blank-body", _post(spec, b" \r\n\t\n"), EMPTY),
        Case("text-cells", _post(spec, _row(spec, "abc")), ok_or_client),
        Case("ragged-csv", _post(spec, b"1,2,3\n1,2\n1\n", "text/csv"), ok_or_client),
        Case("bom-crlf", _post(spec, b"\xef\xbb\xbf" + spec.valid + b"\r\n"), S({200})),
        Case("nan-inf-csv", _post(spec, _row(spec, "nan") + b"\n" + _row(spec, "inf") + b"\n" + _row(spec, ""),
                                  "text/csv", "application/json"), ok_or_client),
        Case("1e400-csv", _post(spec, _row(spec, "1e400"), "text/csv", "application/json"), ok_or_client),
        Case("invalid-utf8", _post(spec, b"\xff\xfe\xfd," + spec.valid), CLIENT),
        Case("charset-punycode", _post(spec, spec.valid, f"{spec.content_type}; charset=punycode"), CLIENT),
        Case("charset-base64", _post(spec, spec.valid, f"{spec.content_type}; charset=base64"), CLIENT),
        Case("charset-unknown", _post(spec, spec.valid, f"{spec.content_type}; charset=x-nope"), CLIENT),
        Case("charset-utf7-surrogate", _post(spec, b"+2AA-", f"{spec.content_type}; charset=utf-7"), CLIENT),
        Case("json-lone-surrogate", _post(spec, b'{"instances": ["\\ud800"], "data": ["\\ud800"]}',
                                          "application/json"), CLIENT),
        Case("json-deep", _post(spec, b"[" * 10_000 + b"]" * 10_000, "application/json"), CLIENT),
        Case("json-deep-object", _post(spec, b'{"a":' * 3_000 + b"1" + b"}" * 3_000, "application/json"), CLIENT),
        Case("json-huge-int", _post(spec, b"[" + b"9" * 5_000 + b"]", "application/json"), CLIENT),
        Case("json-wrong-shape", _post(spec, b'{"instances": [{"a": 1}], "data": 5}', "application/json"), CLIENT),
        Case("json-nan-literal", _post(spec, b"[[NaN, Infinity, -Infinity]]", "application/json",
                                       "application/json"), ok_or_client),
        Case("json-sparse-petabytes", _post(spec, b'{"instances": [{"data": {"features": {"keys": [1], "values": '
                                                  b'[1.0], "shape": [1000000000000000]}}}]}', "application/json"),
             CLIENT),
        Case("jsonlines-bad-line", _post(spec, b'{"source": "a"}\n{oops\n', "application/jsonlines"), CLIENT),
        Case("recordio-petabytes", _post(spec, _recordio_shape(2**50), "application/x-recordio-protobuf"), CLIENT),
        Case("recordio-garbage", _post(spec, b"\x0a\x23\xd7\xce" + bytes(60), "application/x-recordio-protobuf"),
             CLIENT),
        Case("npy-petabytes", _post(spec, _npy_header((10**15,)), "application/x-npy"), CLIENT),
        Case("csv-field-200kb", _post(spec, b'"' + b"1" * 200_000 + b'"' + b",1" * (spec.width - 1), "text/csv"),
             CLIENT | {200}),
        Case("libsvm-index-overflow", _post(spec, b"1 99999999999999999999999:1", "text/libsvm"), CLIENT),
        Case("no-content-type", _post(spec, spec.valid, None), ok_or_client),
        Case("garbage-content-type", _post(spec, spec.valid, "%%%/;;;=="), CLIENT),
        Case("unsupported-content-type", _post(spec, spec.valid, "image/png"), CLIENT),
        Case("unsupported-accept", _post(spec, spec.valid, accept="image/png"), S({400, 406})),
        Case("body-over-limit", _post(spec, b"1," * (3 * MIB + 10)), S({413})),
        Case("declared-over-limit", request_bytes("POST", "/invocations", [("Content-Type", spec.content_type),
                                                                           ("Content-Length", str(100 * MIB))]),
             S({413})),
        Case("unknown-path", request_bytes("GET", "/admin", {}), S({404})),
        Case("unknown-path-post", request_bytes("POST", "/invocations/../../etc/passwd", {}, b"x"), S({404, 400})),
        Case("get-invocations", request_bytes("GET", "/invocations", {}), S({405})),
        Case("delete-invocations", request_bytes("DELETE", "/invocations", {}), S({405})),
        Case("post-ping", request_bytes("POST", "/ping", {}, b"x"), S({405})),
        # Header abuse and framing: answered by the HTTP server before the app.
        Case("huge-header", _post(spec, spec.valid, extra=[("X-Big", "a" * 70_000)]), S({200, 400, 413, 431}),
             from_app=False),
        Case("many-headers", _post(spec, spec.valid, extra=[(f"X-H{i}", "v") for i in range(300)]),
             S({200, 400, 431}), from_app=False),
        Case("bad-content-length", request_bytes("POST", "/invocations", [("Content-Type", spec.content_type),
                                                                          ("Content-Length", "abc")], spec.valid,
                                                 content_length=False), S({400}), from_app=False, framing=True),
        Case("negative-content-length", request_bytes("POST", "/invocations",
                                                      [("Content-Type", spec.content_type), ("Content-Length", "-5")],
                                                      spec.valid, content_length=False), S({400}), from_app=False,
             framing=True),
        Case("malformed-chunked", request_bytes("POST", "/invocations",
                                                [("Content-Type", spec.content_type), ("Transfer-Encoding", "chunked")],
                                                b"ZZ\r\nabc\r\n0\r\n\r\n"), S({400}), from_app=False, framing=True),
        Case("chunked-and-length", request_bytes("POST", "/invocations",
                                                 [("Content-Type", spec.content_type), ("Content-Length", "3"),
                                                  ("Transfer-Encoding", "chunked")], b"3\r\nabc\r\n0\r\n\r\n"),
             S({400}), from_app=False, framing=True),
        Case("short-body", request_bytes("POST", "/invocations", [("Content-Type", spec.content_type),
                                                                  ("Content-Length", "1000")], spec.valid),
             S({400, 408}), from_app=False, framing=True, half_close=True),
        Case("valid-chunked", _chunked(spec, _chunk(spec.valid) + b"0\r\n\r\n"), S({200})),
        # Chunked bodies the client cut short, then half-closed (RFC 9112 §7.1: incomplete → 400).
        # granian 2.8.9's WSGI input answered each with the chunks received so far, as if complete.
        Case("chunked-cut-mid-chunk", _chunked(spec, _chunk(spec.valid)[:-3]), S({400}), framing=True,
             half_close=True),
        Case("chunked-no-last-chunk", _chunked(spec, _chunk(spec.valid)), S({400}), framing=True, half_close=True),
        # Over the limit with no Content-Length to refuse it by: 413 once the limit is passed, unbuffered.
        Case("chunked-over-limit", _chunked(spec, _chunk(b"1," * (3 * MIB + 10)) + b"0\r\n\r\n"), S({413})),
        Case("chunked-last-chunk-unterminated", _chunked(spec, _chunk(spec.valid) + b"0\r\n"), S({400}),
             framing=True, half_close=True),
    ]
    return rows + _extra(spec)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _chunked(spec: RuntimeSpec, body: bytes) -> bytes:
    return request_bytes("POST", "/invocations", [("Content-Type", spec.content_type),
                                                  ("Transfer-Encoding", "chunked")], body)


def _extra(spec: RuntimeSpec) -> list[Case]:
    """Rows specific to one image's own parsing."""
    if spec.name == "sparkml":
        return [Case("sparkml-hex-overflow", _post(spec, b"F,0x1p99999,0.425,0.14,0.766,0.304,0.1725,0.255"),
                     S({200})),
                Case("sparkml-int-digits", _post(spec, b"F," + b"9" * 5_000 + b",0.4,0.1,0.7,0.3,0.1,0.2"),
                     S({200, 400}))]
    if spec.name == "blazingtext":
        return [Case("blazingtext-surrogate-jsonl", _post(spec, b'{"source": "\\udc00"}\n', "application/jsonlines"),
                     CLIENT),
                Case("blazingtext-k-huge", _post(spec, b'{"instances": ["a"], "configuration": {"k": ' +
                                                 b"9" * 5000 + b"}}"), CLIENT)]
    if spec.name == "linear-learner":
        return [Case("linear-learner-nan-json", _post(spec, b"nan,1,2\n,1,2\n1e400,1,2", "text/csv",
                                                      "application/json"), S({200}))]
    if spec.name == "xgboost":
        return [Case("xgboost-libsvm-valid", _post(spec, b"1:0.5 2:0.25", "text/libsvm"), S({200})),
                Case("xgboost-recordio-sparse-huge", _post(spec, struct.pack("<I", recordio.MAGIC) + b"\xff" * 8,
                                                           "application/x-recordio-protobuf"), CLIENT)]
    return []
