"""A local stand-in for a SageMaker endpoint in front of an inference pipeline.

``SerialPipeline.invoke`` calls each container in order (a coroutine: everything here runs on
the front door's event loop): the client's Content-Type goes to the first, each response's
Content-Type to the next, the client's Accept to the last (intermediate containers answer in
their own default format, as on SageMaker). In ``Direct`` mode only the container named by
``X-Amzn-SageMaker-Target-Container-Hostname`` is called. SageMaker's limits apply (6 MB in,
5 MB between containers) and its errors: a container answering 4xx/5xx gives 424 ``ModelError``
naming the container with its original status and message; an unreachable container gives 503
naming it. ``Endpoint`` holds the production variants (each a list of pipeline copies, its
instances) and picks one per request: the requested ``TargetVariant``, else by weight.
The HTTP side is :mod:`inference_pipeline.pipeline.frontdoor_app`.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from inference_pipeline.pipeline.hop_client import HopConnections, HopTimeout, HopUnreachable

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # InvokeEndpoint body limit (6 MiB)
MAX_HOP_BYTES = 5 * 1024 * 1024  # between pipeline containers
# A local Batch Transform sizes requests by the job's MaxPayloadInMB (up to 100), not by
# InvokeEndpoint's 6 MiB: local_transform sets this (MiB, 0 = no limit) in the front door's environment.
MAX_REQUEST_MB_ENV = "INFERENCE_PIPELINE_MAX_REQUEST_MB"


BATCH_HOP_BYTES = 100 * 1024 * 1024  # MaxPayloadInMB's ceiling


def request_limits(max_request_mb: str | None) -> tuple[int | None, int | None]:
    """(request, between-container) byte limits (None = unlimited): SageMaker's real-time ones, or
    for a batch job its payload, with hops bounded only by MaxPayloadInMB's 100 MB ceiling (the 5 MB
    hop limit is the real-time endpoint's; a mini-batch grows as it crosses the containers)."""
    if max_request_mb is None or not max_request_mb.strip():
        return MAX_REQUEST_BYTES, MAX_HOP_BYTES
    megabytes = int(max_request_mb)
    if megabytes == 0:
        return None, BATCH_HOP_BYTES
    return max(megabytes * 1024 * 1024, MAX_REQUEST_BYTES), BATCH_HOP_BYTES
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
INFERENCE_ID = "X-Amzn-SageMaker-Inference-Id"
FORWARDED_HEADERS = (CUSTOM_ATTRIBUTES, INFERENCE_ID)
TRACE_BODY_BYTES = 2048
DEFAULT_VARIANT = "AllTraffic"

Mode = Literal["Serial", "Direct"]


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
    variant: str = DEFAULT_VARIANT
    instance: int = 0
    hops: list[HopTrace] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    custom_attributes: str | None
    trace: Trace


def _preview(body: bytes) -> str:
    text = body[:TRACE_BODY_BYTES].decode("utf-8", errors="replace")
    return text + ("…" if len(body) > TRACE_BODY_BYTES else "")


class PipelineError(Exception):
    """An error answer: ``payload["ErrorCode"]`` is the botocore error code, sent as ``x-amzn-ErrorType``."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("Message", ""))
        self.status = status
        self.payload = payload
        #: The failed request's own trace (set by ``SerialPipeline.invoke``): with many threads
        #: serving, the newest entry of ``traces`` may be another request's.
        self.trace: Trace | None = None


def validation_error(message: str, status: int = 400) -> PipelineError:
    return PipelineError(status, {"ErrorCode": "ValidationError", "Message": message})


def model_error(container: str, status: int, message: str, original: str, log_stream: str) -> PipelineError:
    return PipelineError(424, {"ErrorCode": "ModelError", "Message": message, "OriginalStatusCode": status,
                               "OriginalMessage": original, "Container": container, "LogStreamArn": log_stream})


class SerialPipeline:
    """One copy (instance) of the model: calls the hops with SageMaker's header hand-off and limits."""

    def __init__(self, hops: list[Hop], *, mode: Mode = "Serial", timeout: float = 60.0, ping_timeout: float = 2.0,
                 keep_traces: int = 50, variant: str = DEFAULT_VARIANT, instance: int = 0,
                 traces: deque[Trace] | None = None, max_hop_bytes: int | None = MAX_HOP_BYTES) -> None:
        if not 1 <= len(hops) <= 15:
            raise ValueError("a pipeline has 1 to 15 containers")
        self.hops = hops
        self.by_name = {hop.name: hop for hop in hops}
        self.mode = mode
        self.timeout = timeout
        self.ping_timeout = ping_timeout
        self.variant = variant
        self.instance = instance
        self.traces: deque[Trace] = traces if traces is not None else deque(maxlen=keep_traces)
        self.connections = HopConnections(timeout)
        self.max_hop_bytes = max_hop_bytes

    async def ping(self) -> dict[str, str]:
        """Container name → problem, for every container that is not healthy (empty: all good)."""
        async def check(hop: Hop) -> tuple[str, str | None]:
            try:
                answer = await self.connections.request("GET", hop.url, "/ping", None, {}, timeout=self.ping_timeout)
            except (HopUnreachable, HopTimeout) as exc:
                return hop.name, f"unreachable ({type(exc).__name__}: {exc})"
            if answer.status != 200:
                text = answer.body.decode("utf-8", errors="replace").strip()[:200]
                return hop.name, f"ping answered {answer.status}: {text}"
            return hop.name, None

        results = await asyncio.gather(*(check(hop) for hop in self.hops))
        return {name: problem for name, problem in results if problem}

    def route(self, target_container: str | None) -> list[Hop]:
        """The hops a request goes through: all of them (Serial) or the one it names (Direct)."""
        if self.mode == "Serial":
            if target_container:
                raise validation_error("TargetContainerHostname was given, but the endpoint is not configured "
                                       "for direct invocation (its model's InferenceExecutionConfig.Mode is Serial)")
            return self.hops
        if not target_container:
            raise validation_error("The endpoint is configured for direct invocation (InferenceExecutionConfig.Mode "
                                   "Direct): give TargetContainerHostname, one of " + ", ".join(self.by_name))
        hop = self.by_name.get(target_container)
        if hop is None:
            raise validation_error(f"TargetContainerHostname {target_container!r} does not exist in the endpoint; "
                                   "it has " + ", ".join(self.by_name))
        return [hop]

    async def invoke(self, body: bytes, content_type: str, accept: str | None, headers: dict[str, str],
                     request_id: str, *, target_container: str | None = None) -> Answer:
        started = time.perf_counter()
        trace = Trace(request_id=request_id, status=200, millis=0.0, variant=self.variant, instance=self.instance)
        current_type = content_type
        attributes: str | None = None
        try:
            hops = self.route(target_container)
            for index, hop in enumerate(hops):
                last = index == len(hops) - 1
                # every container gets the client's custom attributes; the client gets the last one's
                body, current_type, attributes = await self._call(hop, body, current_type,
                                                                  accept if last else None, dict(headers), trace)
                if not last and self.max_hop_bytes is not None and len(body) > self.max_hop_bytes:
                    following = hops[index + 1].name
                    limit = f"{self.max_hop_bytes // (1024 * 1024)} MB"
                    raise model_error(
                        hop.name, 200,
                        f"Received response from {hop.name} with status code 200. However, the request payload "
                        f"from {hop.name} to {following} is {len(body)} bytes, which has exceeded the maximum "
                        f"limit of {limit}.", "", self.log_stream(hop))
        except PipelineError as exc:
            trace.status = exc.status
            exc.trace = trace
            raise
        finally:
            trace.millis = round((time.perf_counter() - started) * 1000, 3)
            self.traces.append(trace)
        return Answer(body, current_type, attributes, trace)

    def log_stream(self, hop: Hop) -> str:
        # SageMaker's stream is {Variant}/{InstanceId}/{ContainerHostname}; locally the instance is a copy number.
        return f"local:{self.variant}/{self.instance}/{hop.name}"

    async def _call(self, hop: Hop, body: bytes, content_type: str, accept: str | None, headers: dict[str, str],
                    trace: Trace) -> tuple[bytes, str, str | None]:
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        hop_trace = HopTrace(hop.name, content_type, accept, len(body), request_body=_preview(body))
        trace.hops.append(hop_trace)
        started = time.perf_counter()
        try:
            answer = await self.connections.request("POST", hop.url, "/invocations", body, headers)
        except HopTimeout:
            raise model_error(hop.name, 408, f"container {hop.name} did not answer within {self.timeout:g} s", "",
                              self.log_stream(hop)) from None
        except HopUnreachable as exc:
            raise PipelineError(503, {"ErrorCode": "ServiceUnavailable",
                                      "Message": f"container {hop.name} is unreachable at {hop.url}: {exc}",
                                      "Container": hop.name}) from None
        finally:
            hop_trace.millis = round((time.perf_counter() - started) * 1000, 3)
        answer_type = answer.headers.get("content-type", "")
        hop_trace.status = answer.status
        hop_trace.response_content_type = answer_type or None
        hop_trace.response_bytes = len(answer.body)
        hop_trace.response_body = _preview(answer.body)
        if answer.status >= 400:
            kind = "client" if answer.status < 500 else "server"
            original = answer.body.decode("utf-8", errors="replace")
            raise model_error(hop.name, answer.status,
                              f"Received {kind} error ({answer.status}) from {hop.name} with message "
                              f"\"{original.strip()}\".", original, self.log_stream(hop))
        return answer.body, answer_type, answer.headers.get(CUSTOM_ATTRIBUTES.lower())


@dataclass
class VariantPool:
    """A production variant: its weight and its instances (copies of the pipeline), used in turn."""

    name: str
    weight: float
    instances: list[SerialPipeline]
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def next_instance(self) -> SerialPipeline:
        # itertools.count's next() is atomic under the GIL: a lock-free round-robin
        return self.instances[next(self._turn) % len(self.instances)]


class Endpoint:
    """The endpoint: routes each request to a variant (TargetVariant, else by weight), then an instance.

    Weighted choice is smooth weighted round-robin rather than random: over any run of requests
    the split matches the weights as closely as whole requests allow (SageMaker's is random with
    the same expectation), so a local A/B check is reproducible.
    """

    def __init__(self, name: str | None, variants: list[VariantPool]) -> None:
        if not variants:
            raise ValueError("an endpoint has at least one variant")
        if sum(v.weight for v in variants) <= 0:
            raise ValueError("at least one variant needs a weight above 0")
        self.name = name
        self.variants = {v.name: v for v in variants}
        self._credit = {v.name: 0.0 for v in variants}
        self.traces: deque[Trace] = variants[0].instances[0].traces

    @property
    def pipelines(self) -> list[SerialPipeline]:
        return [p for v in self.variants.values() for p in v.instances]

    def choose(self, target_variant: str | None) -> VariantPool:
        if target_variant:
            variant = self.variants.get(target_variant)
            if variant is None:
                raise validation_error(f"The variant {target_variant!r} does not exist in endpoint "
                                       f"{self.name or 'local'}; it has " + ", ".join(self.variants))
            return variant
        if len(self.variants) == 1:
            return next(iter(self.variants.values()))
        total = 0.0  # no lock: requests are routed on the event loop's one thread
        for name, variant in self.variants.items():
            self._credit[name] += variant.weight
            total += variant.weight
        chosen = max(self.variants, key=lambda n: self._credit[n])
        self._credit[chosen] -= total
        return self.variants[chosen]

    async def ping(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        several = len(self.pipelines) > 1
        answers = await asyncio.gather(*(pipeline.ping() for pipeline in self.pipelines))
        for pipeline, answer in zip(self.pipelines, answers, strict=True):
            for name, problem in answer.items():
                problems[f"{pipeline.variant}/{pipeline.instance}/{name}" if several else name] = problem
        return problems


def endpoint_config(endpoint: str | None, variants: list[dict[str, Any]], *, mode: str = "Serial",
                    timeout: float = 60.0, data_capture: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``--config`` document; ``variants`` items are ``{"name", "weight", "instances": [[hop, ...], ...]}``."""
    return {"endpoint": endpoint, "mode": mode, "timeout": timeout, "variants": variants,
            "data_capture": data_capture}
