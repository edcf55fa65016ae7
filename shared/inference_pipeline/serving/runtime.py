"""The runtime contract: one small class per model family, nothing about HTTP.

The serving app (``inference_pipeline.serving.app``) owns routes, limits, errors and logging;
a runtime loads a model directory, says which media types it reads and writes
(``negotiate``), and turns one request into one response. Modelled on MLServer's ``MLModel``:
adding an image means one runtime package under ``inference_pipeline.runtimes``.

Request flow: ``negotiate`` (Content-Type → 415, Accept → 406; the default reads the class
attributes) → ``invoke`` (the default: ``decode`` by Content-Type → ``predict`` → ``encode``
by the negotiated Accept). Runtimes with a contract of their own (SparkML, BlazingText, user
scripts) override ``negotiate`` and/or ``invoke``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from inference_pipeline.serving import codecs
from inference_pipeline.serving.errors import UnsupportedAccept, UnsupportedContentType
from inference_pipeline.serving.media import MediaType, negotiate

if TYPE_CHECKING:
    from inference_pipeline.serving.batching import MicroBatcher


@dataclass
class InferenceRequest:
    body: bytes
    #: Parsed Content-Type, or None when the header is missing.
    content_type: MediaType | None
    #: The negotiated response type (defaults already applied).
    accept: MediaType | None
    #: The raw Accept header as the client sent it ("" when absent).
    accept_header: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    request_id: str = ""


@dataclass
class InferenceResponse:
    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Runtime(ABC):
    """Base class for every image's runtime.

    Subclasses set the class attributes, implement ``load`` and ``predict`` (or override
    ``invoke``), and may override ``execution_parameters``.
    """

    #: Short name used in logs and the ``serve`` entrypoint.
    name: ClassVar[str] = "runtime"
    #: Request essences accepted (415 otherwise); None: any type is handed to ``invoke``.
    content_types: ClassVar[tuple[str, ...] | None] = ()
    #: Response essences offered (406 otherwise), in order of preference.
    accepts: ClassVar[tuple[str, ...]] = ()
    #: Used when the request has no Accept or ``*/*`` (overridable by
    #: ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``).
    default_accept: ClassVar[str] = "application/json"
    #: Error bodies as the bare message in text/plain (the JVM sparkml container's format)
    #: instead of JSON/text per Accept; the request id stays in the X-Request-Id header.
    plain_errors: ClassVar[bool] = False
    #: Request type assumed when Content-Type is missing; None answers 415.
    default_content_type: ClassVar[str | None] = None
    #: Each output row of ``predict`` depends on its input row alone, bit for bit, so concurrent
    #: requests may share one predict call (serving.batching). Linear algebra through BLAS is
    #: not: a 1-3 row matmul rounds differently from the same rows inside a bigger one.
    row_independent: ClassVar[bool] = False
    #: Modules the model's load imports, imported once before the workers fork (serving.server).
    preload_modules: ClassVar[tuple[str, ...]] = ()
    #: The loaded model starts no threads and is only read while serving: the server process
    #: loads it once, before the workers fork, and they share its memory copy-on-write instead
    #: of each holding its own copy (fastText reads a whole ``model.bin`` into private memory).
    #: A failed load is every worker's 503 with its reason, as when each loads its own.
    load_before_fork: ClassVar[bool] = False
    #: The workers' event loop unless INFERENCE_PIPELINE_EVENT_LOOP names one: ``rloop`` or ``asyncio``.
    event_loop: ClassVar[str] = "rloop"

    #: Set by the serving app after the model loaded, when batching is on and the runtime is
    #: row-independent; None: every request calls ``predict`` itself.
    batcher: MicroBatcher | None = None

    def __init__(self, settings: Any = None) -> None:
        # ``settings`` is the process's ServingSettings; typed loosely to keep runtimes
        # importable without the server.
        self.settings = settings

    @abstractmethod
    def load(self, model_dir: Path) -> None:
        """Load everything needed to serve; raise ModelLoadError with a one-line reason."""

    def negotiate(self, content_type: MediaType | None, accept_header: str,
                  default_accept: str | None) -> tuple[MediaType | None, MediaType | None]:
        """(the type the body is read as, the response type) for one request.

        ``default_accept`` is ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`` (None when unset). Raise
        ``UnsupportedContentType`` (415), ``UnsupportedAccept`` (406) or ``BadRequest``.
        """
        if self.content_types is not None:
            if content_type is None:
                if self.default_content_type is None:
                    raise UnsupportedContentType("", self.content_types)
                content_type = MediaType.parse(self.default_content_type)
            elif content_type.essence not in self.content_types:
                raise UnsupportedContentType(str(content_type), self.content_types)
        accept = negotiate(accept_header, list(self.accepts), default_accept or self.default_accept)
        if accept is None:
            raise UnsupportedAccept(accept_header, self.accepts)
        return content_type, accept

    def invoke(self, request: InferenceRequest) -> InferenceResponse:
        batcher = self.batcher
        if batcher is None:
            prediction = self.predict(self.decode(request), request)
        else:
            prediction = batcher.decode_and_predict(lambda: self.decode(request), request)
        return self.encode(prediction, request)

    def batchable(self) -> bool:
        """May concurrent requests share one predict? Asked once, after ``load``."""
        return self.row_independent

    def batch_predict(self, data: Any, context: Any) -> Any:
        """What the batcher calls, once per batch with the first request's context: ``predict``
        (user scripts batch at ``predict_fn`` instead)."""
        return self.predict(data, context)

    def decode(self, request: InferenceRequest) -> Any:
        assert request.content_type is not None
        return codecs.decode(request.body, request.content_type)

    def predict(self, data: Any, request: InferenceRequest) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement predict() or invoke()")

    def encode(self, prediction: Any, request: InferenceRequest) -> InferenceResponse:
        assert request.accept is not None
        return InferenceResponse(codecs.encode(prediction, request.accept), request.accept.essence)

    @classmethod  # noqa: B027 - an optional hook, empty by design
    def prepare_process(cls, settings: Any) -> None:
        """Once per container, before workers start (e.g. install ``code/requirements.txt``).

        Raise SettingsError with one clear line to stop the container.
        """

    def execution_parameters(self) -> dict[str, Any] | None:
        """Overrides for ``/execution-parameters`` (keys as in SageMaker's JSON)."""
        return None
