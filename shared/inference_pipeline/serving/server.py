"""Runs the serving app under granian (the front door uses granian too: pipeline/frontdoor_server).

Model containers use granian (a Rust HTTP/1.1 server), through its RSGI interface and
serving.rsgi's bridge to the WSGI app: heads are parsed in Rust and bodies awaited on the
event loop, each within INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS, so slow or stalled clients cost
no Python thread, and malformed or incomplete framing is a 400, never a 500 or a 200.
benchmarks/results/server-choice.md has the measurements against gunicorn (gthread and sync
workers) that made the choice.

Every worker process builds its own runtime and loads its model *before* it serves its first
request (or, for a runtime that declares ``load_before_fork``, starts with the one the server
process loaded before forking it), so a replacement worker (after a crash or kill -9) never
answers 503 while the others are ready. On Linux each granian worker listens on a socket of its
own (SO_REUSEPORT), opened only once its app is built: until then the kernel hands new
connections to the siblings that listen. Connections already queued on a dying worker's socket
are reset (the kernel does not move them between SO_REUSEPORT sockets).

At start, before any worker has loaded, nothing listens: /ping is refused rather than answered
503 "loading". Kept on purpose: SageMaker counts a refused /ping, or one that misses its 2 s
timeout, exactly as it counts a 503 (not healthy yet, retried until the start-up health-check
timeout), the local simulator's ``up`` keeps polling on refusals too, and a failed load does not
kill the worker: it serves 503 "model failed to load: <reason>", so ``up`` still stops early. A
503 "loading" from a replacement worker, by contrast, would fail a health check while its
siblings serve.
Loads are short since the libraries are imported before the fork (``preload_modules``).
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from inference_pipeline.serving.balance import share_loads, worker_balancer
from inference_pipeline.serving.model_state import ModelHolder
from inference_pipeline.serving.rsgi import BodyPolicy, InlinePolicy, RSGIBridge
from inference_pipeline.serving.runtime import Runtime
from inference_pipeline.serving.settings import ServingSettings

log = logging.getLogger(__name__)

#: ``module:Class`` of the runtime the worker processes build (set by ``serve_runtime``).
RUNTIME_ENV = "INFERENCE_PIPELINE_SERVE_RUNTIME"


def http_options(*, host: str, port: int, read_timeout_s: float, event_loop: str, workers: int = 1,
                 backlog: int = 2048, kill_timeout: int = 25) -> dict[str, Any]:
    """granian settings every server of the toolkit shares (model containers and the front door):
    RSGI (serving.rsgi's bridge around the containers' WSGI app; the front door is an RSGI app of
    its own), so a request head must arrive within ``read_timeout_s`` (granian's header read
    timeout) and its body within the same time again (serving.rsgi.read_body's deadline), and
    neither wait holds a thread."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    return {
        "address": host,
        "port": port,
        "interface": Interfaces.RSGI,
        "loop": Loops(event_loop),
        "workers": workers,
        # The event loop's thread: RSGI allows one. The app's threads are the bridge's pool.
        "blocking_threads": 1,
        "http": HTTPModes.http1,
        "websockets": False,
        "http1_settings": HTTP1Settings(header_read_timeout=int(read_timeout_s * 1000), keep_alive=True),
        "backlog": backlog,
        "log_access": False,
        "log_level": LogLevels.warning,
        # A worker's shutdown waits for its blocking threads to go idle-expired: with granian's
        # default (30 s) every SIGTERM ended in workers_kill_timeout's SIGKILL (granian 2.8.9, WSGI).
        "blocking_threads_idle_timeout": 5,
        # SageMaker sends SIGKILL 30 s after SIGTERM: finish in-flight requests before that.
        "workers_kill_timeout": kill_timeout,
        "factory": True,
    }


def granian_options(settings: ServingSettings, name: str, runtime_loop: str = Runtime.event_loop) -> dict[str, Any]:
    """granian settings of a model container, from SageMaker's environment variables;
    ``runtime_loop``: the event loop the runtime prefers, when the settings name none."""
    return {
        **http_options(host=settings.host, port=settings.port, read_timeout_s=settings.read_timeout_s,
                       event_loop=settings.event_loop or runtime_loop, workers=settings.workers),
        "respawn_failed_workers": True,
        "respawn_interval": 0.1,
    }


def body_policy(settings: ServingSettings) -> BodyPolicy:
    return BodyPolicy(max_bytes=settings.max_payload_bytes, timeout_s=settings.read_timeout_s)


def build_worker_app() -> Any:
    """granian's factory, called in each worker process: runtime, settings, loaded model."""
    from inference_pipeline.serving.app import create_app
    from inference_pipeline.serving.logs import configure_logging
    from inference_pipeline.serving.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    module_name, _, class_name = os.environ[RUNTIME_ENV].partition(":")
    runtime_factory = getattr(importlib.import_module(module_name), class_name)
    forked = _loaded_before_fork
    runtime: Runtime = forked.runtime if forked is not None else runtime_factory(settings)
    app = create_app(runtime, settings, start_loading=False)
    if forked is not None:
        app.holder.adopt(forked)
    else:
        # Load on this thread, before granian serves from this worker: granian calls the factory
        # while importing the target, so a loader thread importing the model's modules would
        # wait on the import lock until the factory returned.
        app.holder.load()
    tune_collector()
    batcher = runtime.batcher
    inline = inline_policy(settings, worker_event_loop(settings, runtime_factory))
    bridge = RSGIBridge(app, body_policy(settings), settings.threads, inline=inline,
                        balancer=worker_balancer())
    if batcher is not None:
        batcher.upcoming = bridge.upcoming
        batcher.may_wait = bridge.dispatch.off_loop
        bridge.dispatch.predict_cpu_s = batcher.predict_cpu_s
    return bridge


#: Answered on the event loop whatever the model's speed: constant-time, and /ping must not wait
#: for a pool thread behind slow requests.
HEALTH_PATHS = frozenset({"/ping", "/execution-parameters"})


#: CPU time of a predict from which requests of a micro-batching runtime that have company may go
#: to the pool, to share a predict, when the worker's trial measures that cheaper than running them
#: inline (serving.rsgi.InlinePolicy.batch_over_s, serving.batch_trial), per event loop. Below it
#: no trial runs: a shared predict would save each request less than the hand-off to a thread and
#: back costs (a bare granian RSGI request costs ~0.1 ms in all, benchmarks/results/http_floor.md).
#: Under asyncio that hand-off costs more (each result wakes the loop's selector through its
#: self-pipe): xgboost's 0.27 ms predicts, 1 row, 8 clients, ran 2,963-3,335 req/s with the trial
#: and 3,667-3,699 without (3 alternating rounds; at 32 clients 4,028-4,756 against 3,996-4,130),
#: while under rloop the trial won at 32 clients (5,201-5,476 against 4,030-4,171) and lost less
#: at 8 (3,347-3,493 against 3,725-3,863). sparkml's predicts are 0.02-0.05 ms, the featurizer's 2-5.
BATCH_OVER_S = {"rloop": 0.0001, "asyncio": 0.001}


def worker_event_loop(settings: ServingSettings, runtime_factory: Any) -> str:
    """The event loop the workers run: the setting's, else the runtime's (a user's factory need not
    be a Runtime subclass: it gets the base class's)."""
    return str(settings.event_loop or getattr(runtime_factory, "event_loop", Runtime.event_loop))


def inline_policy(settings: ServingSettings, event_loop: str = Runtime.event_loop) -> InlinePolicy:
    # Without a batcher the dispatch's predict time stays 0, under any threshold: inline as before.
    return InlinePolicy(budget_s=settings.inline_budget_ms / 1000, always=HEALTH_PATHS,
                        batch_over_s=BATCH_OVER_S[event_loop])


def tune_collector() -> None:
    """Freeze what this process holds: in the server process before granian forks, and in each
    worker once its model is loaded.

    The libraries and the model are hundreds of thousands of long-lived objects: frozen, the
    cyclic collector's full passes skip them (unfrozen, one pass took tens of milliseconds
    mid-request: the featurizer's p99 at one client was ~110 ms against a p50 of 12 ms; frozen,
    21 ms). Before the fork it also keeps the workers' collectors off what they inherit: a
    collection writes into the header of every object it walks, so a worker walking the
    libraries the server process imported copied every page they live on (47 MB more private
    memory per idle sklearn worker; the use ``gc.freeze`` documents). The thresholds stay
    CPython's: raised to (20,000, 20, 20) they made the xgboost image's p99 at 8 clients ~50 ms
    instead of ~10 (its per-request garbage then piles up)."""
    gc.collect()
    gc.freeze()


def preload_modules(names: tuple[str, ...]) -> None:
    """Import the model's libraries once, here, before granian forks its workers: each worker
    then starts with them imported (no per-worker import time) and shares their pages copy-on-
    write. Only imports: a loaded model (and the threads a library starts to use it) must not
    cross a fork, so workers still load their own model, unless its runtime declares
    ``load_before_fork``."""
    started = time.perf_counter()
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # the worker's load reports what is missing, with its reason
            log.debug("preload of %s skipped: %s", name, exc)
    if names:
        log.info("preloaded %s in %.3f s", ", ".join(names), time.perf_counter() - started)


#: The model the server process loaded before forking its workers (Runtime.load_before_fork):
#: every worker it forks, replacements included, starts with it.
_loaded_before_fork: ModelHolder | None = None


def load_before_fork(runtime_factory: Callable[[ServingSettings], Runtime], settings: ServingSettings) -> None:
    global _loaded_before_fork
    if not getattr(runtime_factory, "load_before_fork", False):
        return
    holder = ModelHolder(runtime_factory(settings), settings.model_dir)  # batchers are per worker
    holder.load()
    _loaded_before_fork = holder


def serve_runtime(runtime_factory: Callable[[ServingSettings], Runtime], settings: ServingSettings,
                  name: str) -> None:
    """Serve one runtime until SIGTERM; each worker builds its own runtime and loads its model,
    so /ping reflects that worker's state."""
    from granian.server import Server

    # Workers import the runtime class by its path (serving/ may not import runtimes/).
    os.environ[RUNTIME_ENV] = f"{runtime_factory.__module__}:{runtime_factory.__qualname__}"
    preload_modules(getattr(runtime_factory, "preload_modules", ()))
    load_before_fork(runtime_factory, settings)
    if settings.balance_workers:
        share_loads(settings.workers)
    tune_collector()
    options = granian_options(settings, name, worker_event_loop(settings, runtime_factory))
    Server(f"{__name__}:build_worker_app", **options).serve()
