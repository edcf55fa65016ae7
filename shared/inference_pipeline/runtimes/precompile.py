"""Write the bytecode a container's start-up needs, at image build time.

The images run with ``PYTHONDONTWRITEBYTECODE=1`` (a read-only or throw-away container must not
write into its venv) and their install layers drop ``__pycache__`` to stay small, so without this
step every ``serve`` compiled pandas, scikit-learn and scipy from source before its first /ping:
3.7 s of the sklearn image's 4.4 s import time on an idle machine (1.3 s with bytecode).

Compiling the whole venv costs 62 MB in the sklearn image; instead each Dockerfile runs

    PYTHONDONTWRITEBYTECODE= python3 -m inference_pipeline.runtimes.precompile

which imports exactly what ``serve`` imports before it answers (the HTTP server, the serving app,
the image's runtime and the libraries it preloads), so only those modules get a ``.pyc``: the
postprocessing image has a 200 MB budget and 2 MB to spare.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

from inference_pipeline.runtimes import runtime_class

#: Imported by every worker before its first request (granian's server and our WSGI app).
SERVING_MODULES = ("granian.server", "inference_pipeline.serving.app", "inference_pipeline.runtimes.serve")


def precompile(runtime: str) -> list[str]:
    """Import the serving path of ``runtime`` with bytecode writing on; returns the modules imported."""
    sys.dont_write_bytecode = False
    runtime_cls = runtime_class(runtime)
    names = [*SERVING_MODULES, *getattr(runtime_cls, "preload_modules", ())]
    for name in names:
        importlib.import_module(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="precompile", description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default=os.environ.get("INFERENCE_PIPELINE_RUNTIME"),
                        help="runtime name (sklearn, sparkml, ...); default $INFERENCE_PIPELINE_RUNTIME")
    opts = parser.parse_args(argv)
    if not opts.runtime:
        parser.error("no runtime: set INFERENCE_PIPELINE_RUNTIME or pass --runtime")
    started = time.perf_counter()
    names = precompile(opts.runtime)
    print(f"precompile: bytecode for {opts.runtime} ({', '.join(names)}) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
