"""The front door's HTTP side: SageMaker Runtime's ``InvokeEndpoint`` as botocore speaks it.

Routes: ``POST /endpoints/{EndpointName}/invocations`` (what ``boto3.client("sagemaker-runtime",
endpoint_url=...)`` sends), ``POST /invocations`` (the same, without a name), ``GET /ping``,
``GET /traces`` (the last requests hop by hop) and ``GET /execution-parameters``.

Errors carry their code in ``x-amzn-ErrorType`` (botocore's rest-json parser reads it first), so
``client.exceptions.ModelError`` and friends are raised with the body's ``Message``,
``OriginalStatusCode``, ``OriginalMessage`` and ``LogStreamArn``. A plain WSGI callable, not a
framework: the front door must cost less than a container hop.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any
from urllib.parse import unquote

from inference_pipeline.pipeline.data_capture import DataCapture
from inference_pipeline.pipeline.frontdoor import (
    CUSTOM_ATTRIBUTES,
    INFERENCE_ID,
    MAX_REQUEST_BYTES,
    Answer,
    Endpoint,
    PipelineError,
    Trace,
    validation_error,
)
from inference_pipeline.pipeline.hop_client import HopTimeout, HopUnreachable

log = logging.getLogger("inference_pipeline.pipeline.frontdoor")

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
            424: "Failed Dependency", 500: "Internal Server Error", 503: "Service Unavailable"}
_PREFIX, _SUFFIX = "/endpoints/", "/invocations"


def _status(code: int) -> str:
    return f"{code} {_REASONS.get(code, '')}".rstrip()


def _header(environ: Environ, name: str) -> str | None:
    value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return value if value else None


def _read_body(environ: Environ, limit: int | None) -> tuple[bytes, int]:
    """(body, size). The RSGI bridge (serving.rsgi, frontdoor_server) has read the body already,
    under the same ``limit`` (None: none): a body whose Content-Length is over it arrives unread
    (its size is the declared one), a chunked one at most ``limit + 1`` bytes, enough to tell
    "too large"."""
    length = environ.get("CONTENT_LENGTH")
    if limit is not None and length and length.isdigit() and int(length) > limit:
        return b"", int(length)
    body = bytes(environ["wsgi.input"].read())
    return body, len(body)


class FrontDoor:
    """The WSGI app around an :class:`Endpoint` (and its optional data capture)."""

    def __init__(self, endpoint: Endpoint, capture: DataCapture | None = None,
                 max_request_bytes: int | None = MAX_REQUEST_BYTES) -> None:
        self.endpoint = endpoint
        self.capture = capture
        self.max_request_bytes = max_request_bytes  # None: no limit (a batch job with MaxPayloadInMB 0)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if path == "/invocations" or (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            if method != "POST":
                return self._send(start_response, 405, *self._error_body(validation_error(
                    f"method {method} is not allowed on {path}; InvokeEndpoint is a POST")))
            name = unquote(path[len(_PREFIX):-len(_SUFFIX)]) if path != "/invocations" else None
            return self._invoke(environ, start_response, name)
        if path == "/ping" and method == "GET":
            return self._ping(start_response)
        if path == "/traces" and method == "GET":
            body = json.dumps([asdict(t) for t in self.endpoint.traces], indent=2).encode()
            return self._send(start_response, 200, body, [("Content-Type", "application/json")])
        if path == "/execution-parameters" and method == "GET":
            return self._execution_parameters(start_response)
        return self._send(start_response, 404, json.dumps(
            {"ErrorCode": "NotFound", "Message": f"no route {method} {path}: the front door serves "
             "POST /endpoints/{EndpointName}/invocations, POST /invocations, GET /ping, GET /traces"}).encode(),
            [("Content-Type", "application/json")])

    # ------------------------------------------------------------------ InvokeEndpoint

    def _invoke(self, environ: Environ, start_response: StartResponse, name: str | None) -> Iterable[bytes]:
        inference_id = _header(environ, INFERENCE_ID)
        request_id = inference_id or uuid.uuid4().hex
        limit = self.max_request_bytes
        body, size = _read_body(environ, limit)
        if limit is not None and size > limit:
            # SageMaker answers a bare 413 (botocore reports the code as "413"); say who refused
            why = "InvokeEndpoint's body limit" if limit == MAX_REQUEST_BYTES else "the transform job's MaxPayloadInMB"
            message = (f"HTTP content length exceeded {limit} bytes. The local front door refused "
                       f"this {size}-byte request before any container saw it ({why}).")
            return self._send(start_response, 413, json.dumps({"message": message, "ErrorCode": "ValidationError",
                                                                "Message": message}).encode(),
                              [("Content-Type", "application/json"), ("X-Request-Id", request_id)])
        content_type = environ.get("CONTENT_TYPE") or ""
        accept = _header(environ, "Accept")
        forwarded = {header: value for header in (CUSTOM_ATTRIBUTES, INFERENCE_ID)
                     if (value := _header(environ, header)) is not None}
        trace: Trace | None = None
        try:
            if name is not None and self.endpoint.name is not None and name != self.endpoint.name:
                raise validation_error(f"Endpoint {name} of account local not found. This front door serves "
                                       f"endpoint {self.endpoint.name}.")
            variant = self.endpoint.choose(_header(environ, "X-Amzn-SageMaker-Target-Variant"))
            answer: Answer = variant.next_instance().invoke(
                body, content_type, accept, forwarded, request_id,
                target_container=_header(environ, "X-Amzn-SageMaker-Target-Container-Hostname"))
        except PipelineError as exc:
            trace = exc.trace
            log.warning("request %s failed: %s", request_id, exc.payload.get("Message"))
            payload, headers = self._error_body(exc)
            self._log(request_id, exc.status, trace)
            return self._send(start_response, exc.status, payload, headers + self._trace_headers(request_id, trace))
        trace = answer.trace
        if self.capture is not None and self.capture.sampled():
            self.capture.record(variant.name, request_body=body, request_type=content_type, response_body=answer.body,
                                response_type=answer.content_type, inference_id=inference_id)
        headers = [("Content-Type", answer.content_type or "application/octet-stream"),
                   ("x-Amzn-Invoked-Production-Variant", variant.name)]
        if answer.custom_attributes is not None:
            headers.append((CUSTOM_ATTRIBUTES, answer.custom_attributes))
        self._log(request_id, 200, trace)
        return self._send(start_response, 200, answer.body, headers + self._trace_headers(request_id, trace))

    @staticmethod
    def _error_body(exc: PipelineError) -> tuple[bytes, list[tuple[str, str]]]:
        code = str(exc.payload.get("ErrorCode", "InternalFailure"))
        return json.dumps(exc.payload).encode(), [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]

    @staticmethod
    def _trace_headers(request_id: str, trace: Trace | None) -> list[tuple[str, str]]:
        headers = [("X-Request-Id", request_id), ("x-amzn-RequestId", request_id)]
        if trace is not None and trace.hops:
            headers.append(("X-Inference-Pipeline-Hops", ";".join(f"{h.container}={h.millis}ms" for h in trace.hops)))
        return headers

    @staticmethod
    def _log(request_id: str, status: int, trace: Trace | None) -> None:
        if trace is None or not log.isEnabledFor(logging.INFO):
            return
        log.info(json.dumps({"request_id": request_id, "status": status, "millis": trace.millis,
                             "variant": trace.variant, "instance": trace.instance,
                             "hops": [{"container": h.container, "status": h.status, "millis": h.millis}
                                      for h in trace.hops]}))

    # ------------------------------------------------------------------ the rest

    def _ping(self, start_response: StartResponse) -> Iterable[bytes]:
        problems = self.endpoint.ping()
        if not problems:
            return self._send(start_response, 200, b"", [])
        body = {"ErrorCode": "ServiceUnavailable", "Message": "containers failed the ping check: "
                + ", ".join(sorted(problems)), "Containers": problems}
        return self._send(start_response, 503, json.dumps(body).encode(), [("Content-Type", "application/json")])

    def _execution_parameters(self, start_response: StartResponse) -> Iterable[bytes]:
        # What the first container advertises drives local Batch Transform defaults.
        first = self.endpoint.pipelines[0]
        try:
            answer = first.connections.request("GET", first.hops[0].url, "/execution-parameters", None, {},
                                               timeout=first.ping_timeout)
            if answer.status == 200:
                return self._send(start_response, 200, answer.body, [("Content-Type", "application/json")])
        except (HopUnreachable, HopTimeout):
            pass
        return self._send(start_response, 404, b"{}", [("Content-Type", "application/json")])

    @staticmethod
    def _send(start_response: StartResponse, status: int, body: bytes,
              headers: list[tuple[str, str]]) -> Iterable[bytes]:
        start_response(_status(status), [*headers, ("Content-Length", str(len(body)))])
        return [body]


def create_frontdoor_app(endpoint: Endpoint, capture: DataCapture | None = None,
                         max_request_bytes: int | None = MAX_REQUEST_BYTES) -> WSGIApp:
    return FrontDoor(endpoint, capture, max_request_bytes)
