"""The container command: ``serve`` wires a runtime into the server; ``check`` loads the model
once and exits; ``train`` is refused clearly.

SageMaker runs ``docker run IMAGE serve``. ``docker run IMAGE check`` (what ``inference-pipeline
check`` runs before a deploy) does the same load a worker does and exits 0, or 1 with the reason
on one line; ``--mleap-jvm`` also applies MLeap 0.20's loader rules, for bundles meant for AWS's
sagemaker-sparkml-serving. The runtime comes from ``--runtime`` or ``INFERENCE_PIPELINE_RUNTIME``
(each Dockerfile sets it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from inference_pipeline.runtimes import runtime_class
from inference_pipeline.serving.errors import ModelLoadError, SettingsError
from inference_pipeline.serving.logs import configure_logging
from inference_pipeline.serving.runtime import Runtime
from inference_pipeline.serving.server import serve_runtime
from inference_pipeline.serving.settings import ServingSettings, load_settings

log = logging.getLogger("inference_pipeline.serve")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="serve", description="SageMaker inference container entrypoint")
    parser.add_argument("command", nargs="?", default="serve", help="serve (default), check or train")
    parser.add_argument("--mleap-jvm", action="store_true",
                        help="check: also apply MLeap 0.20's JVM loader rules to the bundle")
    parser.add_argument("--runtime", default=os.environ.get("INFERENCE_PIPELINE_RUNTIME"),
                        help="runtime name (sklearn, sparkml, xgboost, ...) or module:Class")
    opts, _unknown = parser.parse_known_args(args)

    if opts.command == "train":
        print("error: this image only serves models (docker run IMAGE serve); "
              "train with SageMaker's own training images", file=sys.stderr)
        return 2
    if opts.command not in ("serve", "check"):
        print(f"error: unknown command {opts.command!r}; this image supports 'serve' and 'check'", file=sys.stderr)
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

    if opts.command == "check":
        return check_model(runtime_cls, settings, mleap_jvm=opts.mleap_jvm)
    log.info("serving runtime %s on %s:%d with %d worker(s), model dir %s", opts.runtime,
             settings.host, settings.port, settings.workers, settings.model_dir)
    serve_runtime(runtime_cls, settings, opts.runtime)
    return 0


def check_model(runtime_cls: type[Runtime], settings: ServingSettings, *, mleap_jvm: bool = False) -> int:
    """Load the model as a worker would; 0 and one ``ok:`` line, or 1 and one ``error:`` line per problem."""
    problems: list[str] = []
    try:
        runtime_cls(settings).load(settings.model_dir)
    except ModelLoadError as exc:
        problems.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - a check reports every load failure, as /ping would
        problems.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
    if mleap_jvm:
        from inference_pipeline.mleap.jvm_rules import MLEAP_JVM_VERSION, check_bundle

        try:
            problems += [f"MLeap {MLEAP_JVM_VERSION} (sagemaker-sparkml-serving) would refuse it: {problem}"
                         for problem in check_bundle(settings.model_dir)]
        except Exception as exc:  # noqa: BLE001 - an unreadable bundle is a finding, not a crash
            problems.append(f"cannot check the bundle against MLeap {MLEAP_JVM_VERSION}: {exc}".splitlines()[0])
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {runtime_cls.name} loads {settings.model_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
