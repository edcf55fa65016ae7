"""The front door's HTTP side: SageMaker Runtime's ``InvokeEndpoint`` as botocore speaks it.

Routes: ``POST /endpoints/{EndpointName}/invocations`` (what ``boto3.client("sagemaker-runtime",
endpoint_url=...)`` sends), ``POST /invocations`` (the same, without a name), ``GET /ping``,
``GET /traces`` (the last requests hop by hop) and ``GET /execution-parameters``.

Errors carry their code in ``x-amzn-ErrorType`` (botocore's rest-json parser reads it first), so
``client.exceptions.ModelError`` and friends are raised with the body's ``Message``,
``OriginalStatusCode``, ``OriginalMessage`` and ``LogStreamArn``.

An RSGI app (granian's native interface), not a framework, and all of it on the worker's event
loop: the body is awaited there under the containers' size and time bounds (``serving.rsgi``),
and so are the container calls (``hop_client``). Handing each request to a thread and back, as a
WSGI app, cost more than a container hop: the front door must cost less.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
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
from inference_pipeline.serving.logs import AccessLogWriter
from inference_pipeline.serving.rsgi import BodyPolicy, RequestBodyError, declared_length, read_body

log = logging.getLogger("inference_pipeline.pipeline.frontdoor")
#: One JSON line per request, written off the event loop in batches: logged through ``log``, the
#: line cost 11% of the front door's GIL time (py-spy, car pipeline, c=1).
_requests = AccessLogWriter(name="inference_pipeline.pipeline.frontdoor")

Headers = list[tuple[str, str]]
#: (status, headers, body) of an answer.
Reply = tuple[int, Headers, bytes]
_PREFIX, _SUFFIX = "/endpoints/", "/invocations"
_JSON = ("Content-Type", "application/json")
_INTERNAL = {"ErrorCode": "InternalFailure", "Message": "the local front door failed while serving the request"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    #: Bytes sent; for a body over the limit, the size its Content-Length declared (it was not read).
    size: int

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower()) or None


class FrontDoor:
    """The RSGI app around an :class:`Endpoint` (and its optional data capture)."""

    def __init__(self, endpoint: Endpoint, capture: DataCapture | None = None,
                 max_request_bytes: int | None = MAX_REQUEST_BYTES, read_timeout_s: float = 10.0) -> None:
        self.endpoint = endpoint
        self.capture = capture
        self.max_request_bytes = max_request_bytes  # None: no limit (a batch job with MaxPayloadInMB 0)
        self.body_policy = BodyPolicy(max_bytes=max_request_bytes, timeout_s=read_timeout_s)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        try:
            body = await read_body(protocol, headers, self.body_policy)
        except RequestBodyError as exc:
            # InvokeEndpoint's 400; whatever is left of a broken or late body must not be read as
            # the next request.
            status, reply_headers, payload = self._refuse_body(exc, headers)
            protocol.response_bytes(status, [*reply_headers, ("Connection", "close")], payload)
            return
        size = len(body)
        declared, limit = declared_length(headers), self.max_request_bytes
        if limit is not None and declared is not None and declared > limit:
            size = declared  # refused unread by read_body
        try:
            status, reply_headers, payload = await self.handle(Request(scope.method, scope.path, headers, body, size))
        except Exception:  # a bug of ours: the client still gets an answer
            log.exception("%s %s failed", scope.method, scope.path)
            status, reply_headers, payload = 500, [_JSON, ("x-amzn-ErrorType", "InternalFailure")], \
                json.dumps(_INTERNAL).encode()
        protocol.response_bytes(status, reply_headers, payload)

    async def handle(self, request: Request) -> Reply:
        method, path = request.method, request.path
        if path == "/invocations" or (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            if method != "POST":
                return 405, *self._error_body(validation_error(
                    f"method {method} is not allowed on {path}; InvokeEndpoint is a POST"))
            name = unquote(path[len(_PREFIX):-len(_SUFFIX)]) if path != "/invocations" else None
            return await self._invoke(request, name)
        if path == "/ping" and method == "GET":
            return await self._ping()
        if path == "/traces" and method == "GET":
            return 200, [_JSON], json.dumps([asdict(t) for t in self.endpoint.traces], indent=2).encode()
        if path == "/execution-parameters" and method == "GET":
            return await self._execution_parameters()
        return 404, [_JSON], json.dumps(
            {"ErrorCode": "NotFound", "Message": f"no route {method} {path}: the front door serves "
             "POST /endpoints/{EndpointName}/invocations, POST /invocations, GET /ping, GET /traces"}).encode()

    # ------------------------------------------------------------------ InvokeEndpoint

    async def _invoke(self, request: Request, name: str | None) -> Reply:
        inference_id = request.header(INFERENCE_ID)
        request_id = inference_id or uuid.uuid4().hex
        limit = self.max_request_bytes
        if limit is not None and request.size > limit:
            # SageMaker answers a bare 413 (botocore reports the code as "413"); say who refused
            why = "InvokeEndpoint's body limit" if limit == MAX_REQUEST_BYTES else "the transform job's MaxPayloadInMB"
            message = (f"HTTP content length exceeded {limit} bytes. The local front door refused "
                       f"this {request.size}-byte request before any container saw it ({why}).")
            return 413, [_JSON, ("X-Request-Id", request_id)], json.dumps(
                {"message": message, "ErrorCode": "ValidationError", "Message": message}).encode()
        body = request.body
        content_type = request.header("Content-Type") or ""
        accept = request.header("Accept")
        forwarded = {header: value for header in (CUSTOM_ATTRIBUTES, INFERENCE_ID)
                     if (value := request.header(header)) is not None}
        trace: Trace | None = None
        try:
            if name is not None and self.endpoint.name is not None and name != self.endpoint.name:
                raise validation_error(f"Endpoint {name} of account local not found. This front door serves "
                                       f"endpoint {self.endpoint.name}.")
            variant = self.endpoint.choose(request.header("X-Amzn-SageMaker-Target-Variant"))
            answer: Answer = await variant.next_instance().invoke(
                body, content_type, accept, forwarded, request_id,
                target_container=request.header("X-Amzn-SageMaker-Target-Container-Hostname"))
        except PipelineError as exc:
            trace = exc.trace
            log.warning("request %s failed: %s", request_id, exc.payload.get("Message"))
            headers, payload = self._error_body(exc)
            self._log(request_id, exc.status, trace)
            return exc.status, headers + self._trace_headers(request_id, trace), payload
        trace = answer.trace
        if self.capture is not None and self.capture.sampled():
            self.capture.record(variant.name, request_body=body, request_type=content_type, response_body=answer.body,
                                response_type=answer.content_type, inference_id=inference_id)
        headers = [("Content-Type", answer.content_type or "application/octet-stream"),
                   ("x-Amzn-Invoked-Production-Variant", variant.name)]
        if answer.custom_attributes is not None:
            headers.append((CUSTOM_ATTRIBUTES, answer.custom_attributes))
        self._log(request_id, 200, trace)
        return 200, headers + self._trace_headers(request_id, trace), answer.body

    @staticmethod
    def _error_body(exc: PipelineError) -> tuple[Headers, bytes]:
        code = str(exc.payload.get("ErrorCode", "InternalFailure"))
        return [_JSON, ("x-amzn-ErrorType", code)], json.dumps(exc.payload).encode()

    @staticmethod
    def _refuse_body(error: RequestBodyError, headers: Mapping[str, str]) -> Reply:
        """InvokeEndpoint's 400 for a body cut short, malformed or late (the front door reads no further)."""
        request_id = headers.get(INFERENCE_ID.lower()) or uuid.uuid4().hex
        return 400, [_JSON, ("x-amzn-ErrorType", "ValidationError"), ("X-Request-Id", request_id)], \
            json.dumps(validation_error(str(error)).payload).encode()

    @staticmethod
    def _trace_headers(request_id: str, trace: Trace | None) -> Headers:
        headers = [("X-Request-Id", request_id), ("x-amzn-RequestId", request_id)]
        if trace is not None and trace.hops:
            headers.append(("X-Inference-Pipeline-Hops", ";".join(f"{h.container}={h.millis}ms" for h in trace.hops)))
        return headers

    @staticmethod
    def _log(request_id: str, status: int, trace: Trace | None) -> None:
        if trace is None or not log.isEnabledFor(logging.INFO):
            return
        _requests.put({"request_id": request_id, "status": status, "millis": trace.millis,
                       "variant": trace.variant, "instance": trace.instance,
                       "hops": [{"container": h.container, "status": h.status, "millis": h.millis}
                                for h in trace.hops]})

    # ------------------------------------------------------------------ the rest

    async def _ping(self) -> Reply:
        problems = await self.endpoint.ping()
        if not problems:
            return 200, [], b""
        body = {"ErrorCode": "ServiceUnavailable", "Message": "containers failed the ping check: "
                + ", ".join(sorted(problems)), "Containers": problems}
        return 503, [_JSON], json.dumps(body).encode()

    async def _execution_parameters(self) -> Reply:
        # What the first container advertises drives local Batch Transform defaults.
        first = self.endpoint.pipelines[0]
        try:
            answer = await first.connections.request("GET", first.hops[0].url, "/execution-parameters", None, {},
                                                     timeout=first.ping_timeout)
            if answer.status == 200:
                return 200, [_JSON], answer.body
        except (HopUnreachable, HopTimeout):
            pass
        return 404, [_JSON], b"{}"
