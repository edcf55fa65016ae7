"""Runs the front door as its own process: ``python -m inference_pipeline.pipeline.frontdoor_server``.

Either ``--hop NAME=URL`` (repeated, in order: one variant, one instance) or ``--config FILE``,
the JSON the simulator writes (:func:`~inference_pipeline.pipeline.frontdoor.endpoint_config`)::

    {"endpoint": "car-evaluation", "mode": "Serial", "timeout": 60,
     "variants": [{"name": "AllTraffic", "weight": 1.0,
                   "instances": [[{"name": "features", "url": "http://127.0.0.1:40001"}, ...], ...]}],
     "data_capture": {"destination": "/tmp/capture", "sampling_percentage": 100, ...} | null}

Served by granian (one worker, its event loop serving every request: the traces kept for
``/traces`` live in it). The limit on request bodies is InvokeEndpoint's 6 MiB unless ``INFERENCE_PIPELINE_MAX_REQUEST_MB``
says otherwise (a local Batch Transform's MaxPayloadInMB).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import deque
from pathlib import Path
from typing import Any

from inference_pipeline.pipeline.data_capture import CaptureSettings, DataCapture
from inference_pipeline.pipeline.frontdoor import (
    DEFAULT_VARIANT,
    MAX_HOP_BYTES,
    MAX_REQUEST_MB_ENV,
    Endpoint,
    Hop,
    SerialPipeline,
    Trace,
    VariantPool,
    endpoint_config,
    request_limits,
)
from inference_pipeline.pipeline.frontdoor_app import FrontDoor
from inference_pipeline.serving.errors import SettingsError
from inference_pipeline.serving.server import http_options, tune_collector
from inference_pipeline.serving.settings import ServingSettings, load_settings


def parse_hops(values: list[str]) -> list[Hop]:
    hops = []
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not url.startswith("http"):
            raise argparse.ArgumentTypeError(f"--hop wants NAME=http://HOST:PORT, got {value!r}")
        hops.append(Hop(name, url.rstrip("/")))
    return hops


def build_endpoint(config: dict[str, Any], max_hop_bytes: int | None = MAX_HOP_BYTES,
                   ) -> tuple[Endpoint, DataCapture | None]:
    traces: deque[Trace] = deque(maxlen=50)  # one list for the whole endpoint, newest last
    mode = config.get("mode", "Serial")
    timeout = float(config.get("timeout", 60.0))
    pools = []
    for variant in config["variants"]:
        instances = [SerialPipeline([Hop(h["name"], h["url"].rstrip("/")) for h in hops], mode=mode, timeout=timeout,
                                    variant=variant["name"], instance=index, traces=traces,
                                    max_hop_bytes=max_hop_bytes)
                     for index, hops in enumerate(variant["instances"])]
        pools.append(VariantPool(variant["name"], float(variant.get("weight", 1.0)), instances))
    endpoint = Endpoint(config.get("endpoint"), pools)
    capture_config = config.get("data_capture")
    capture = None
    if capture_config:
        capture = DataCapture(CaptureSettings.from_dict(capture_config), config.get("endpoint") or "local")
    return endpoint, capture


#: The endpoint config handed to granian's worker process (JSON), set by ``main``.
CONFIG_ENV = "INFERENCE_PIPELINE_FRONTDOOR_CONFIG"
#: The containers' settings the front door shares (their defaults unless set).
SHARED_SETTINGS = ("INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS",)
#: Not the containers' rloop: the front door's container calls are asyncio connections of its own,
#: and under rloop (0.5.0) a call in flight to a container killed with SIGKILL was never failed
#: (tests/reliability/test_faults.py: the client gave up after 10 s; under asyncio, 503 at once).
EVENT_LOOP = "asyncio"


def build_worker_app() -> FrontDoor:
    """granian's factory, run in the worker process: the endpoint from ``CONFIG_ENV``."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s frontdoor: %(message)s"))
    frontdoor_log = logging.getLogger("inference_pipeline.pipeline")
    frontdoor_log.addHandler(handler)
    frontdoor_log.setLevel(logging.INFO)
    frontdoor_log.propagate = False
    max_request, max_hop = request_limits(os.environ.get(MAX_REQUEST_MB_ENV))
    endpoint, capture = build_endpoint(json.loads(os.environ[CONFIG_ENV]), max_hop)
    app = FrontDoor(endpoint, capture, max_request, shared_settings().read_timeout_s)
    tune_collector()
    return app


def shared_settings() -> ServingSettings:
    """The containers' settings, from SHARED_SETTINGS only (the others are theirs)."""
    return load_settings({name: value for name, value in os.environ.items() if name in SHARED_SETTINGS})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="local SageMaker endpoint front door")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--hop", action="append", help="NAME=URL, in pipeline order")
    source.add_argument("--config", type=Path, help="endpoint JSON (variants, instances, mode, data capture)")
    parser.add_argument("--endpoint-name", help="with --hop: the EndpointName accepted (default: any)")
    parser.add_argument("--mode", choices=("Serial", "Direct"), default="Serial", help="with --hop")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per container call")
    args = parser.parse_args(argv)
    if args.hop:
        try:
            hops = parse_hops(args.hop)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))
        config = endpoint_config(args.endpoint_name, [{"name": DEFAULT_VARIANT, "weight": 1.0, "instances": [
            [{"name": h.name, "url": h.url} for h in hops]]}], mode=args.mode, timeout=args.timeout)
    else:
        config = json.loads(args.config.read_text())
    try:
        request_limits(os.environ.get(MAX_REQUEST_MB_ENV))
    except ValueError:
        parser.error(f"{MAX_REQUEST_MB_ENV} must be a whole number of MiB, got {os.environ[MAX_REQUEST_MB_ENV]!r}")
    try:
        build_endpoint(config)  # refuse a bad config here, with a message, not in the worker
    except (KeyError, TypeError, ValueError) as exc:
        parser.error(f"invalid endpoint config: {exc!r}")
    os.environ[CONFIG_ENV] = json.dumps(config)
    from granian.server import Server

    # granian, as the model containers and with their options (serving.server.http_options):
    # request heads parsed in Rust, bodies awaited on the event loop, both bounded by
    # INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS, so stalled clients hold no thread.
    # One worker: the traces kept for /traces live in that process. It binds with SO_REUSEADDR,
    # so the simulator can hold the port (ports.PortBook) until this process listens.
    try:
        settings = shared_settings()
    except SettingsError as exc:
        parser.error(str(exc))
    Server(f"{__name__}:build_worker_app", **http_options(host=args.host, port=args.port,
                                                         read_timeout_s=settings.read_timeout_s,
                                                         event_loop=EVENT_LOOP, backlog=1024,
                                                         kill_timeout=10)).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
