"""A worker's model: loaded once (before serving, by serving.server; or in the background via
``start`` when an app is built with start_loading), with a state /ping reports truthfully."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from inference_pipeline.serving.batching import MicroBatcher
from inference_pipeline.serving.errors import ModelLoadError
from inference_pipeline.serving.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchingOptions:
    max_batch_size: int
    max_delay_ms: float


class LoadState(str, Enum):
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class ModelHolder:
    """Owns one runtime and its load state; thread-safe reads, a single writer."""

    def __init__(self, runtime: Runtime, model_dir: Path, batching: BatchingOptions | None = None) -> None:
        self.runtime = runtime
        self.model_dir = model_dir
        self.batching = batching
        self.state = LoadState.LOADING
        self.reason = "model is loading"
        self._ready = threading.Event()

    def start(self) -> None:
        """Load in the background (the worker serves /ping's 503 "loading" meanwhile)."""
        threading.Thread(target=self.load, name="model-loader", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def load(self) -> None:
        """Load now, on this thread; failures become the FAILED state with their reason."""
        started = time.perf_counter()
        try:
            if not self.model_dir.is_dir():
                raise ModelLoadError(f"model directory {self.model_dir} does not exist")
            self.runtime.load(self.model_dir)
        except ModelLoadError as exc:
            self._fail(str(exc))
        except Exception as exc:  # a runtime bug or a corrupt artifact: still one clear line
            log.exception("model load crashed")
            self._fail(f"{type(exc).__name__}: {exc}")
        else:
            self._loaded()
            log.info("%s model loaded from %s in %.3f s", self.runtime.name, self.model_dir,
                     time.perf_counter() - started)
        finally:
            self._ready.set()

    def adopt(self, loaded: ModelHolder) -> None:
        """Take ``loaded``'s outcome (success or failure, with its reason) instead of loading: it
        holds this holder's runtime, loaded before this process forked (Runtime.load_before_fork)."""
        if loaded.state is LoadState.READY:
            self._loaded()
        else:
            self.state, self.reason = loaded.state, loaded.reason
        self._ready.set()

    def _loaded(self) -> None:
        self._attach_batcher()
        self.state, self.reason = LoadState.READY, ""

    def _attach_batcher(self) -> None:
        # Asked after load: a user script declares row independence in the module it loaded.
        options, runtime = self.batching, self.runtime
        if options is None or options.max_batch_size <= 1 or not runtime.batchable():
            return
        runtime.batcher = MicroBatcher(runtime.batch_predict, max_batch_size=options.max_batch_size,
                                       max_delay_s=options.max_delay_ms / 1000)
        log.info("%s: micro-batching up to %d rows, waiting at most %g ms", runtime.name,
                 options.max_batch_size, options.max_delay_ms)

    def _fail(self, reason: str) -> None:
        self.state = LoadState.FAILED
        self.reason = f"model failed to load: {reason}"
        log.error("%s", self.reason)
