"""WSGI app: SageMaker's container routes around any Runtime, with no web framework.

Routes: ``GET /ping``, ``POST /invocations``, ``GET /execution-parameters``. The app owns
content negotiation, payload limits, status codes, error bodies and the per-request log
line; the runtime only sees decoded requests. A framework's routing, header objects and
response classes cost as much CPU per request as a small model's predict, so the three
routes are dispatched by hand (PEP 3333, nothing more).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from inference_pipeline.serving.errors import (
    BadRequest,
    InferenceError,
    ModelNotReady,
    NoContent,
    PayloadTooLarge,
)
from inference_pipeline.serving.logs import log_request
from inference_pipeline.serving.media import JSON, JSONLINES, MediaType, parse_accept
from inference_pipeline.serving.model_state import BatchingOptions, LoadState, ModelHolder
from inference_pipeline.serving.rsgi import RequestBodyError
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime
from inference_pipeline.serving.settings import ServingSettings

log = logging.getLogger(__name__)

#: environ keys of the request id headers, in order of preference.
REQUEST_ID_KEYS = ("HTTP_X_AMZN_SAGEMAKER_INFERENCE_ID", "HTTP_X_REQUEST_ID")
ROUTES = {"/ping": "GET", "/invocations": "POST", "/execution-parameters": "GET"}
_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
            413: "Payload Too Large", 415: "Unsupported Media Type", 424: "Failed Dependency",
            500: "Internal Server Error", 503: "Service Unavailable"}

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


def _status_line(status: int) -> str:
    return f"{status} {_REASONS.get(status, 'Unknown')}"


class BodyReadError(BadRequest):
    """The request body ended early or its chunked framing is broken (RFC 9112 §6.3, §7.1)."""


def read_body(environ: Environ, limit: int) -> bytes:
    """The whole request body, at most ``limit`` bytes (413 above it, 400 when it is cut short,
    malformed or late). Under granian the RSGI bridge (serving.rsgi) has read it already, within
    INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS: a request thread never waits on a client."""
    raw_length = environ.get("CONTENT_LENGTH") or ""
    declared: int | None = None
    if raw_length:
        if not raw_length.isdigit():
            raise BadRequest(f"Content-Length {raw_length[:40]!r} is not a number")
        declared = int(raw_length)
        if declared > limit:
            raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit} bytes "
                                  "(SAGEMAKER_MAX_PAYLOAD_IN_MB)")
    try:
        body: bytes = environ["wsgi.input"].read(declared if declared is not None else limit + 1)
    except RequestBodyError as exc:
        raise BodyReadError(str(exc)) from None
    except OSError as exc:  # another WSGI server's input: the client went away mid-body
        raise BodyReadError(f"the request body could not be read: {type(exc).__name__}: {exc}") from None
    if declared is not None and len(body) < declared:
        raise BodyReadError(f"the request body ended after {len(body)} of the {declared} bytes "
                            "its Content-Length announced")
    if len(body) > limit:
        raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB)")
    return body


def request_headers(environ: Environ) -> dict[str, str]:
    """Request headers as ``Title-Case`` names, like the frameworks scripts were written against."""
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
               if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["Content-Length"] = environ["CONTENT_LENGTH"]
    return headers


def request_id_of(environ: Environ) -> str:
    for key in REQUEST_ID_KEYS:
        value = environ.get(key)
        if value:
            return str(value)[:128]
    return uuid.uuid4().hex


def wants_json(accept_header: str) -> bool:
    for media in parse_accept(accept_header):
        if media.essence in (JSON, JSONLINES):
            return True
        if media.essence in ("text/csv", "text/plain", "text/libsvm"):
            return False
    # JSON is the toolkit's convention for machine clients when nothing else is asked for.
    return True


def error_body(exc: InferenceError, request_id: str, accept_header: str) -> tuple[bytes, str]:
    """Error body as JSON or plain text per Accept; never a stack trace."""
    if wants_json(accept_header):
        body = json.dumps({"error": exc.code, "message": exc.message, "request_id": request_id})
        return (body + "\n").encode(), "application/json"
    return f"{exc.message} (request id {request_id})\n".encode(), "text/plain; charset=utf-8"


class ServingApp:
    """The WSGI callable of one worker: one runtime, its load state and the settings."""

    def __init__(self, holder: ModelHolder, settings: ServingSettings) -> None:
        self.holder = holder
        self.settings = settings
        self.max_payload_bytes = settings.max_payload_bytes

    @property
    def runtime(self) -> Runtime:
        return self.holder.runtime

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/invocations" and method == "POST":
            return self.invocations(environ, start_response)
        if path == "/ping" and method in ("GET", "HEAD"):
            return self.ping(start_response)
        if path == "/execution-parameters" and method in ("GET", "HEAD"):
            return self.execution_parameters(start_response)
        if path in ROUTES:
            error = InferenceError(f"method {method} is not allowed on {path}", status=405,
                                   code="MethodNotAllowed")
            allow = ROUTES[path] if ROUTES[path] == "POST" else "GET, HEAD"
            return self._error(environ, start_response, error, request_id_of(environ), [("Allow", allow)])
        error = InferenceError(f"no route {path}; this container serves /ping, /invocations and "
                               "/execution-parameters", status=404, code="NotFound")
        return self._error(environ, start_response, error, request_id_of(environ))

    def ping(self, start_response: StartResponse) -> Iterable[bytes]:
        if self.holder.state is LoadState.READY:
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        body = (self.holder.reason + "\n").encode()
        start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8"),
                                                   ("Content-Length", str(len(body)))])
        return [body]

    def execution_parameters(self, start_response: StartResponse) -> Iterable[bytes]:
        settings = self.settings
        params: dict[str, Any] = {
            "MaxConcurrentTransforms": settings.max_concurrent_transforms or settings.workers,
            "BatchStrategy": settings.batch_strategy,
            "MaxPayloadInMB": int(settings.max_payload_mb),
        }
        if self.holder.state is LoadState.READY:
            params.update(self.runtime.execution_parameters() or {})
        body = json.dumps(params).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def invocations(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = request_id_of(environ)
        raw_type = (environ.get("CONTENT_TYPE") or "").strip()
        accept_header = environ.get("HTTP_ACCEPT", "")
        bytes_in = 0
        extra: dict[str, str] = {}
        try:
            if self.holder.state is not LoadState.READY:
                raise ModelNotReady(self.holder.reason)
            body = read_body(environ, self.max_payload_bytes)
            bytes_in = len(body)
            runtime = self.runtime
            content_type, accept = runtime.negotiate(MediaType.parse(raw_type) if raw_type else None,
                                                     accept_header, self.settings.default_accept)
            result: InferenceResponse = runtime.invoke(InferenceRequest(
                body=body, content_type=content_type, accept=accept, accept_header=accept_header,
                headers=request_headers(environ), request_id=request_id))
            status, payload, media, extra = result.status, result.body, result.content_type, result.headers
        except NoContent:
            status, payload, media = 204, b"", ""
        except InferenceError as exc:
            status, payload, media = self._error_parts(exc, request_id, accept_header)
        except Exception:  # genuine bug: log the trace, never send it
            log.exception("request %s failed", request_id)
            internal = InferenceError("internal error while serving the request; "
                                      f"see the container log for request id {request_id}")
            status, payload, media = self._error_parts(internal, request_id, accept_header)
        if isinstance(payload, str):
            payload = payload.encode()
        headers = [("Content-Length", str(len(payload))), ("X-Request-Id", request_id)]
        if media:
            headers.append(("Content-Type", media))
        headers.extend((key, str(value)) for key, value in extra.items()
                       if key.lower() not in ("content-length", "content-type", "x-request-id"))
        if bytes_in == 0 and status >= 400 and environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            # The body was refused unread (413, 503): close so its bytes are not taken as a request.
            headers.append(("Connection", "close"))
        start_response(_status_line(status), headers)
        log_request(path="/invocations", method="POST", status=status,
                    latency_ms=round((time.perf_counter() - started) * 1000, 3), bytes_in=bytes_in,
                    bytes_out=len(payload), request_id=request_id, content_type=raw_type,
                    accept=accept_header)
        return [payload]

    def _error_parts(self, exc: InferenceError, request_id: str, accept_header: str) -> tuple[int, bytes, str]:
        if exc.status == 204:
            return 204, b"", ""
        if self.runtime.plain_errors:
            return exc.status, exc.message.encode(), "text/plain; charset=utf-8"
        body, media = error_body(exc, request_id, accept_header)
        return exc.status, body, media

    def _error(self, environ: Environ, start_response: StartResponse, exc: InferenceError, request_id: str,
               extra: list[tuple[str, str]] | None = None) -> Iterable[bytes]:
        body, media = error_body(exc, request_id, environ.get("HTTP_ACCEPT", ""))
        start_response(_status_line(exc.status), [("Content-Type", media), ("Content-Length", str(len(body))),
                                                  ("X-Request-Id", request_id), *(extra or [])])
        return [body]


def create_app(runtime: Runtime, settings: ServingSettings, *, start_loading: bool = True) -> ServingApp:
    """Build the WSGI app; with ``start_loading`` the model starts loading in the background."""
    holder = ModelHolder(runtime, settings.model_dir,
                         BatchingOptions(settings.max_batch_size, settings.max_batch_delay_ms))
    if start_loading:
        holder.start()
    return ServingApp(holder, settings)
