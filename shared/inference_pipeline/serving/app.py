"""WSGI app factory: SageMaker's container routes around any Runtime.

Routes: ``GET /ping``, ``POST /invocations``, ``GET /execution-parameters``. The app owns
content negotiation, payload limits, status codes, error bodies and the per-request log
line; the runtime only sees decoded requests.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, request

from inference_pipeline.serving.errors import InferenceError, ModelNotReady, NoContent, PayloadTooLarge
from inference_pipeline.serving.logs import log_request
from inference_pipeline.serving.media import JSON, JSONLINES, MediaType, parse_accept
from inference_pipeline.serving.model_state import LoadState, ModelHolder
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime
from inference_pipeline.serving.settings import ServingSettings

log = logging.getLogger(__name__)

REQUEST_ID_HEADERS = ("X-Amzn-SageMaker-Inference-Id", "X-Request-Id")


def create_app(runtime: Runtime, settings: ServingSettings) -> Flask:
    """Build the Flask app and start loading the model in the background."""
    holder = ModelHolder(runtime, settings.model_dir)
    app = Flask(f"inference_pipeline.{runtime.name}")
    app.config["MAX_CONTENT_LENGTH"] = None  # we enforce the limit ourselves, with our message

    @app.get("/ping")
    def ping() -> Response:
        if holder.state is LoadState.READY:
            return Response(b"", status=200)
        return Response(holder.reason + "\n", status=503, mimetype="text/plain")

    @app.get("/execution-parameters")
    def execution_parameters() -> Response:
        params: dict[str, Any] = {
            "MaxConcurrentTransforms": settings.max_concurrent_transforms or settings.workers,
            "BatchStrategy": settings.batch_strategy,
            "MaxPayloadInMB": int(settings.max_payload_mb),
        }
        if holder.state is LoadState.READY:
            params.update(runtime.execution_parameters() or {})
        return Response(json.dumps(params), mimetype="application/json")

    @app.post("/invocations")
    def invocations() -> Response:
        return _invoke(holder, settings)

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        return _error_response(InferenceError(f"no route {request.path}; this container serves "
                                              "/ping, /invocations and /execution-parameters",
                                              status=404, code="NotFound"), _request_id())

    @app.errorhandler(405)
    def not_allowed(_: Exception) -> Response:
        return _error_response(InferenceError(f"method {request.method} is not allowed on {request.path}",
                                              status=405, code="MethodNotAllowed"), _request_id())

    holder.start()
    return app


def _request_id() -> str:
    for header in REQUEST_ID_HEADERS:
        value = request.headers.get(header)
        if value:
            return value[:128]
    return uuid.uuid4().hex


def _read_body(limit: int) -> bytes:
    declared = request.content_length
    if declared is not None and declared > limit:
        raise PayloadTooLarge(f"request body is {declared} bytes; the limit is {limit} bytes "
                              "(SAGEMAKER_MAX_PAYLOAD_IN_MB)")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge(f"request body exceeds the limit of {limit} bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB)")
    return body


def _build_request(runtime: Runtime, settings: ServingSettings, body: bytes, request_id: str) -> InferenceRequest:
    raw_type = request.headers.get("Content-Type", "").strip()
    accept_header = request.headers.get("Accept", "")
    content_type, accept = runtime.negotiate(MediaType.parse(raw_type) if raw_type else None, accept_header,
                                             settings.default_accept)
    return InferenceRequest(body=body, content_type=content_type, accept=accept,
                            accept_header=accept_header, headers=dict(request.headers),
                            request_id=request_id)


def _invoke(holder: ModelHolder, settings: ServingSettings) -> Response:
    started = time.perf_counter()
    request_id = _request_id()
    bytes_in = 0
    try:
        if holder.state is not LoadState.READY:
            raise ModelNotReady(holder.reason)
        body = _read_body(settings.max_payload_bytes)
        bytes_in = len(body)
        inference_request = _build_request(holder.runtime, settings, body, request_id)
        result = holder.runtime.invoke(inference_request)
        response = _to_flask(result)
    except NoContent:
        response = Response(b"", status=204)
    except InferenceError as exc:
        if holder.runtime.plain_errors and exc.status != 204:
            response = Response(exc.message, status=exc.status, mimetype="text/plain")
        else:
            response = _error_response(exc, request_id)
    except Exception:  # genuine bug: log the trace, never send it
        log.exception("request %s failed", request_id)
        response = _error_response(InferenceError("internal error while serving the request; "
                                                  f"see the container log for request id {request_id}"),
                                   request_id)
    response.headers["X-Request-Id"] = request_id
    log_request(path=request.path, method=request.method, status=response.status_code,
                latency_ms=round((time.perf_counter() - started) * 1000, 3), bytes_in=bytes_in,
                bytes_out=response.calculate_content_length() or 0, request_id=request_id,
                content_type=request.headers.get("Content-Type", ""),
                accept=request.headers.get("Accept", ""))
    return response


def _to_flask(result: InferenceResponse) -> Response:
    response = Response(result.body, status=result.status)
    response.headers["Content-Type"] = result.content_type
    for key, value in result.headers.items():
        response.headers[key] = value
    return response


def _wants_json(accept_header: str) -> bool:
    for media in parse_accept(accept_header):
        if media.essence in (JSON, JSONLINES):
            return True
        if media.essence in ("text/csv", "text/plain", "text/libsvm"):
            return False
    # JSON is the toolkit's convention for machine clients when nothing else is asked for.
    return True


def _error_response(exc: InferenceError, request_id: str) -> Response:
    """Error body as JSON or plain text per Accept; never a stack trace."""
    if exc.status == 204:
        return Response(b"", status=204)
    if _wants_json(request.headers.get("Accept", "")):
        body = json.dumps({"error": exc.code, "message": exc.message, "request_id": request_id})
        return Response(body + "\n", status=exc.status, mimetype="application/json")
    return Response(f"{exc.message} (request id {request_id})\n", status=exc.status, mimetype="text/plain")
