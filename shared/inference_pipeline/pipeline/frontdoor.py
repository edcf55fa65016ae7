"""A local stand-in for SageMaker's serial inference pipeline endpoint.

``/invocations`` calls each container in order: the client's Content-Type goes to the first,
each response's Content-Type to the next, the client's Accept to the last (intermediate
containers answer in their own default format, as on SageMaker). SageMaker's limits apply
(6 MB in, 5 MB between containers) and its errors: a container answering 4xx/5xx gives 424
``ModelError`` naming the container with its original status and message; an unreachable
container gives 503 naming it. ``/ping`` is 200 only when every container's is. Per-hop timings
come back in ``X-Inference-Pipeline-Hops`` and in the log; ``GET /traces`` returns the last
requests hop by hop (content types, sizes, timings, bodies truncated) for debugging.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from flask import Flask, Response, request

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # InvokeEndpoint body limit (6 MiB)
MAX_HOP_BYTES = 5 * 1024 * 1024  # between pipeline containers
FORWARDED_HEADERS = ("X-Amzn-SageMaker-Custom-Attributes", "X-Amzn-SageMaker-Inference-Id")
TRACE_BODY_BYTES = 2048


@dataclass(frozen=True)
class Hop:
    """One pipeline container as the front door sees it."""

    name: str
    url: str  # e.g. http://127.0.0.1:8081


@dataclass
class HopTrace:
    container: str
    content_type: str
    accept: str | None
    request_bytes: int
    status: int | None = None
    response_content_type: str | None = None
    response_bytes: int = 0
    millis: float = 0.0
    request_body: str = ""
    response_body: str = ""


@dataclass
class Trace:
    request_id: str
    status: int
    millis: float
    hops: list[HopTrace] = field(default_factory=list)


def _preview(body: bytes) -> str:
    text = body[:TRACE_BODY_BYTES].decode("utf-8", errors="replace")
    return text + ("…" if len(body) > TRACE_BODY_BYTES else "")


class PipelineError(Exception):
    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("Message", ""))
        self.status = status
        self.payload = payload
        #: The failed request's own trace (set by ``SerialPipeline.invoke``): with many threads
        #: serving, the newest entry of ``traces`` may be another request's.
        self.trace: Trace | None = None


class SerialPipeline:
    """Calls the hops in order with SageMaker's header hand-off and limits."""

    def __init__(self, hops: list[Hop], *, timeout: float = 60.0, ping_timeout: float = 2.0,
                 keep_traces: int = 50) -> None:
        if not 1 <= len(hops) <= 15:
            raise ValueError("a pipeline has 1 to 15 containers")
        self.hops = hops
        self.timeout = timeout
        self.ping_timeout = ping_timeout
        self.traces: deque[Trace] = deque(maxlen=keep_traces)
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        # One pooled session per thread: requests.Session is not thread-safe.
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def ping(self) -> dict[str, str]:
        """Container name → problem, for every container that is not healthy (empty: all good)."""
        def check(hop: Hop) -> tuple[str, str | None]:
            try:
                response = requests.get(f"{hop.url}/ping", timeout=self.ping_timeout)
            except requests.RequestException as exc:
                return hop.name, f"unreachable ({type(exc).__name__})"
            if response.status_code != 200:
                return hop.name, f"ping answered {response.status_code}: {response.text.strip()[:200]}"
            return hop.name, None

        with ThreadPoolExecutor(max_workers=len(self.hops)) as pool:
            results = list(pool.map(check, self.hops))
        return {name: problem for name, problem in results if problem}

    def invoke(self, body: bytes, content_type: str, accept: str | None, headers: dict[str, str],
               request_id: str) -> tuple[bytes, str, Trace]:
        started = time.perf_counter()
        trace = Trace(request_id=request_id, status=200, millis=0.0)
        current_type = content_type
        try:
            for index, hop in enumerate(self.hops):
                last = index == len(self.hops) - 1
                hop_accept = accept if last else None
                body, current_type = self._call(hop, body, current_type, hop_accept, headers, trace)
                if not last and len(body) > MAX_HOP_BYTES:
                    following = self.hops[index + 1].name
                    raise PipelineError(424, _model_error(
                        hop.name, 200,
                        f"Received response from {hop.name} with status code 200. However, the request payload "
                        f"from {hop.name} to {following} is {len(body)} bytes, which has exceeded the maximum "
                        "limit of 5 MB.", ""))
        except PipelineError as exc:
            trace.status = exc.status
            exc.trace = trace
            raise
        finally:
            trace.millis = round((time.perf_counter() - started) * 1000, 3)
            self.traces.append(trace)
        return body, current_type, trace

    def _call(self, hop: Hop, body: bytes, content_type: str, accept: str | None, headers: dict[str, str],
              trace: Trace) -> tuple[bytes, str]:
        hop_headers = dict(headers)
        if content_type:
            hop_headers["Content-Type"] = content_type
        if accept:
            hop_headers["Accept"] = accept
        hop_trace = HopTrace(hop.name, content_type, accept, len(body), request_body=_preview(body))
        trace.hops.append(hop_trace)
        started = time.perf_counter()
        try:
            response = self.session.post(f"{hop.url}/invocations", data=body, headers=hop_headers,
                                         timeout=self.timeout)
        except requests.Timeout:
            raise PipelineError(424, _model_error(hop.name, 408, f"container {hop.name} did not answer within "
                                                  f"{self.timeout:g} s", "")) from None
        except requests.RequestException as exc:
            raise PipelineError(503, {"ErrorCode": "ServiceUnavailable",
                                      "Message": f"container {hop.name} is unreachable at {hop.url}: "
                                                 f"{type(exc).__name__}", "Container": hop.name}) from None
        finally:
            hop_trace.millis = round((time.perf_counter() - started) * 1000, 3)
        hop_trace.status = response.status_code
        hop_trace.response_content_type = response.headers.get("Content-Type")
        hop_trace.response_bytes = len(response.content)
        hop_trace.response_body = _preview(response.content)
        if response.status_code >= 400:
            kind = "client" if response.status_code < 500 else "server"
            original = response.content.decode("utf-8", errors="replace")
            raise PipelineError(424, _model_error(
                hop.name, response.status_code,
                f"Received {kind} error ({response.status_code}) from {hop.name} with message \"{original.strip()}\".",
                original))
        return response.content, response.headers.get("Content-Type", "")


def _model_error(container: str, status: int, message: str, original: str) -> dict[str, Any]:
    return {"ErrorCode": "ModelError", "Message": message, "OriginalStatusCode": status,
            "OriginalMessage": original, "Container": container,
            "LogStreamArn": f"local:{container}"}


def create_frontdoor_app(pipeline: SerialPipeline) -> Flask:
    app = Flask("inference_pipeline.frontdoor")

    @app.get("/ping")
    def ping() -> Response:
        problems = pipeline.ping()
        if not problems:
            return Response(b"", status=200)
        body = {"ErrorCode": "ServiceUnavailable", "Message": "containers failed the ping check: "
                + ", ".join(sorted(problems)), "Containers": problems}
        return Response(json.dumps(body), status=503, mimetype="application/json")

    @app.post("/invocations")
    def invocations() -> Response:
        request_id = request.headers.get("X-Amzn-SageMaker-Inference-Id") or uuid.uuid4().hex
        body = request.get_data(cache=False)
        if len(body) > MAX_REQUEST_BYTES:
            return _json(413, {"ErrorCode": "ValidationError", "Message": f"request body is {len(body)} bytes; "
                               f"the limit is {MAX_REQUEST_BYTES} bytes"})
        # werkzeug headers are case-insensitive; plain dicts downstream are not.
        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
        trace: Trace | None
        try:
            out, content_type, trace = pipeline.invoke(body, request.headers.get("Content-Type", ""),
                                                       request.headers.get("Accept"), headers, request_id)
        except PipelineError as exc:
            trace = exc.trace
            log.warning("request %s failed: %s", request_id, exc.payload.get("Message"))
            response = _json(exc.status, exc.payload)
        else:
            response = Response(out, status=200)
            response.headers["Content-Type"] = content_type
        if trace is not None:
            response.headers["X-Inference-Pipeline-Hops"] = ";".join(
                f"{hop.container}={hop.millis}ms" for hop in trace.hops)
            log.info(json.dumps({"request_id": request_id, "status": response.status_code,
                                 "millis": trace.millis,
                                 "hops": [{"container": h.container, "status": h.status, "millis": h.millis}
                                          for h in trace.hops]}))
        response.headers["X-Request-Id"] = request_id
        return response

    @app.get("/traces")
    def traces() -> Response:
        return Response(json.dumps([asdict(t) for t in pipeline.traces], indent=2), mimetype="application/json")

    @app.get("/execution-parameters")
    def execution_parameters() -> Response:
        # What the first container advertises drives local Batch Transform defaults.
        try:
            response = requests.get(f"{pipeline.hops[0].url}/execution-parameters", timeout=pipeline.ping_timeout)
            if response.status_code == 200:
                return Response(response.content, mimetype="application/json")
        except requests.RequestException:
            pass
        return Response(b"{}", status=404, mimetype="application/json")

    return app


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")
