"""Runs the front door as its own process: ``python -m inference_pipeline.pipeline.frontdoor_server``.

Either ``--hop NAME=URL`` (repeated, in order: one variant, one instance) or ``--config FILE``,
the JSON the simulator writes (:func:`~inference_pipeline.pipeline.frontdoor.endpoint_config`)::

    {"endpoint": "car-evaluation", "mode": "Serial", "timeout": 60,
     "variants": [{"name": "AllTraffic", "weight": 1.0,
                   "instances": [[{"name": "features", "url": "http://127.0.0.1:40001"}, ...], ...]}],
     "data_capture": {"destination": "/tmp/capture", "sampling_percentage": 100, ...} | null}

``--fd N`` serves on an already bound and listening socket (the simulator binds the port first,
so nothing can take it between the check and the start). One gunicorn worker with many threads:
the traces kept for ``/traces`` live in that process.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import deque
from pathlib import Path
from typing import Any

from inference_pipeline.pipeline.data_capture import CaptureSettings, DataCapture
from inference_pipeline.pipeline.frontdoor import (
    DEFAULT_VARIANT,
    Endpoint,
    Hop,
    SerialPipeline,
    Trace,
    VariantPool,
    endpoint_config,
)
from inference_pipeline.pipeline.frontdoor_app import create_frontdoor_app
from inference_pipeline.serving.server import WSGIServer


def parse_hops(values: list[str]) -> list[Hop]:
    hops = []
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not url.startswith("http"):
            raise argparse.ArgumentTypeError(f"--hop wants NAME=http://HOST:PORT, got {value!r}")
        hops.append(Hop(name, url.rstrip("/")))
    return hops


def build_endpoint(config: dict[str, Any]) -> tuple[Endpoint, DataCapture | None]:
    traces: deque[Trace] = deque(maxlen=50)  # one list for the whole endpoint, newest last
    mode = config.get("mode", "Serial")
    timeout = float(config.get("timeout", 60.0))
    pools = []
    for variant in config["variants"]:
        instances = [SerialPipeline([Hop(h["name"], h["url"].rstrip("/")) for h in hops], mode=mode, timeout=timeout,
                                    variant=variant["name"], instance=index, traces=traces)
                     for index, hops in enumerate(variant["instances"])]
        pools.append(VariantPool(variant["name"], float(variant.get("weight", 1.0)), instances))
    endpoint = Endpoint(config.get("endpoint"), pools)
    capture_config = config.get("data_capture")
    capture = None
    if capture_config:
        capture = DataCapture(CaptureSettings.from_dict(capture_config), config.get("endpoint") or "local")
    return endpoint, capture


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="local SageMaker endpoint front door")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--hop", action="append", help="NAME=URL, in pipeline order")
    source.add_argument("--config", type=Path, help="endpoint JSON (variants, instances, mode, data capture)")
    parser.add_argument("--endpoint-name", help="with --hop: the EndpointName accepted (default: any)")
    parser.add_argument("--mode", choices=("Serial", "Direct"), default="Serial", help="with --hop")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--fd", type=int, help="serve on this inherited, listening socket instead of binding")
    parser.add_argument("--threads", type=int, default=16)
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s frontdoor: %(message)s")
    endpoint, capture = build_endpoint(config)
    longest = max(len(p.hops) for p in endpoint.pipelines)
    WSGIServer(lambda: create_frontdoor_app(endpoint, capture), {
        "bind": f"fd://{args.fd}" if args.fd is not None else f"{args.host}:{args.port}",
        "workers": 1, "worker_class": "gthread", "threads": args.threads, "keepalive": 75,
        "timeout": int(float(config.get("timeout", args.timeout)) * longest) + 30, "graceful_timeout": 10,
        "accesslog": None, "loglevel": "warning", "proc_name": "inference-pipeline-frontdoor",
    }).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
