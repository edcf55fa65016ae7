"""Runs the front door as its own process: ``python -m inference_pipeline.pipeline.frontdoor_server``.

One gunicorn worker with many threads: the traces kept for ``/traces`` live in that process.
"""

from __future__ import annotations

import argparse
import logging
import sys

from inference_pipeline.pipeline.frontdoor import Hop, SerialPipeline, create_frontdoor_app
from inference_pipeline.serving.server import WSGIServer


def parse_hops(values: list[str]) -> list[Hop]:
    hops = []
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not url.startswith("http"):
            raise argparse.ArgumentTypeError(f"--hop wants NAME=http://HOST:PORT, got {value!r}")
        hops.append(Hop(name, url.rstrip("/")))
    return hops


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="local SageMaker serial pipeline front door")
    parser.add_argument("--hop", action="append", required=True, help="NAME=URL, in pipeline order")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per container call")
    args = parser.parse_args(argv)
    try:
        hops = parse_hops(args.hop)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s frontdoor: %(message)s")
    pipeline = SerialPipeline(hops, timeout=args.timeout)
    WSGIServer(lambda: create_frontdoor_app(pipeline), {
        "bind": f"{args.host}:{args.port}", "workers": 1, "worker_class": "gthread", "threads": args.threads,
        "timeout": int(args.timeout * len(hops)) + 30, "graceful_timeout": 10, "accesslog": None,
        "loglevel": "warning", "proc_name": "inference-pipeline-frontdoor",
    }).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
