"""The container command: ``serve`` wires a runtime into the server; ``train`` is refused clearly.

SageMaker runs ``docker run IMAGE serve``. The runtime comes from ``--runtime`` or
``INFERENCE_PIPELINE_RUNTIME`` (each Dockerfile sets it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from inference_pipeline.runtimes import runtime_class
from inference_pipeline.serving.errors import SettingsError
from inference_pipeline.serving.logs import configure_logging
from inference_pipeline.serving.server import serve_runtime
from inference_pipeline.serving.settings import load_settings

log = logging.getLogger("inference_pipeline.serve")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="serve", description="SageMaker inference container entrypoint")
    parser.add_argument("command", nargs="?", default="serve", help="serve (default) or train")
    parser.add_argument("--runtime", default=os.environ.get("INFERENCE_PIPELINE_RUNTIME"),
                        help="runtime name (sklearn, sparkml, xgboost, ...) or module:Class")
    opts, _unknown = parser.parse_known_args(args)

    if opts.command == "train":
        print("error: this image only serves models (docker run IMAGE serve); "
              "train with SageMaker's own training images", file=sys.stderr)
        return 2
    if opts.command != "serve":
        print(f"error: unknown command {opts.command!r}; this image supports 'serve'", file=sys.stderr)
        return 2
    if not opts.runtime:
        print("error: no runtime: set INFERENCE_PIPELINE_RUNTIME or pass --runtime", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)

    try:
        runtime_cls = runtime_class(opts.runtime)
    except (ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Process-wide preparation before workers fork (e.g. installing code/requirements.txt).
    try:
        runtime_cls.prepare_process(settings)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    log.info("serving runtime %s on %s:%d with %d worker(s), model dir %s", opts.runtime,
             settings.host, settings.port, settings.workers, settings.model_dir)
    serve_runtime(runtime_cls, settings, opts.runtime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
