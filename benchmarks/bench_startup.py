"""Start-up benchmark: for every image, the time from ``docker run IMAGE serve`` to the first
``/ping`` 200, and the container's idle memory (cgroup, as ``docker stats`` reports it: shared
pages of forked workers counted once) and the summed RSS of its process tree.

Two workers (SAGEMAKER_MODEL_SERVER_WORKERS=2, what a 2-vCPU instance gets by default), host
networking, 127.0.0.1. Compare tags back to back on the same machine:

    .venv/bin/python benchmarks/bench_startup.py --tag latest [--tag before] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_serving import bt_model, ll_model, sklearn_model, sparkml_model, xgboost_model  # noqa: E402

from tests.support.net import LOCALHOST, held_port  # noqa: E402

IMAGES: dict[str, tuple[Callable[[Path], Path] | None, dict[str, str]]] = {
    "sklearn": (sklearn_model, {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}),
    "xgboost": (xgboost_model, {}),
    "sparkml": (sparkml_model, {}),
    "linear-learner": (ll_model, {}),
    "blazingtext": (bt_model, {}),
    "postprocessing": (None, {"POSTPROCESSOR": "topk", "POSTPROCESSING_TOP_K": "2",
                              "POSTPROCESSING_LABELS": '["a", "b", "c"]'}),
}


def readable(path: Path) -> Path:
    """Model files readable by the container's user (temp dirs are 0700)."""
    for entry in [path, *path.rglob("*")]:
        entry.chmod(0o755 if entry.is_dir() else 0o644)
    path.parent.chmod(0o755)
    return path


def _mib(text: str) -> float:
    value = text.strip().split("/")[0].strip()
    for unit, scale in (("GiB", 1024), ("MiB", 1), ("KiB", 1 / 1024), ("B", 1 / 1024 / 1024)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * scale
    raise ValueError(value)


def tree_rss_mib(container: str) -> float:
    out = subprocess.run(["docker", "top", container, "-eo", "pid,rss"], capture_output=True, text=True,
                         check=True).stdout
    return sum(int(line.split()[1]) for line in out.splitlines()[1:]) / 1024


def measure(image: str, model_dir: Path | None, env: dict[str, str]) -> tuple[float, float, float, int]:
    with held_port() as port:  # the container's server binds over the hold
        return _measure(image, model_dir, env, port)


def _measure(image: str, model_dir: Path | None, env: dict[str, str], port: int) -> tuple[float, float, float, int]:
    name = f"ip-startup-{uuid.uuid4().hex[:8]}"
    args = ["docker", "run", "-d", "--name", name, "--network=host", "-e", f"SAGEMAKER_BIND_TO_PORT={port}",
            "-e", f"INFERENCE_PIPELINE_BIND_HOST={LOCALHOST}", "-e", "SAGEMAKER_MODEL_SERVER_WORKERS=2"]
    for key, value in env.items():
        args += ["-e", f"{key}={value}"]
    if model_dir is not None:
        args += ["-v", f"{model_dir}:/opt/ml/model:ro"]
    started = time.monotonic()
    subprocess.run([*args, image, "serve"], check=True, capture_output=True)
    try:
        ready = None
        while time.monotonic() - started < 120:
            try:
                if requests.get(f"http://{LOCALHOST}:{port}/ping", timeout=2).status_code == 200:
                    ready = time.monotonic() - started
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        if ready is None:
            logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=False)
            raise RuntimeError(f"{image} not ready in 120 s:\n{logs.stderr[-2000:]}")
        time.sleep(3)  # idle: both workers loaded, nothing in flight
        stats = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", name],
                               capture_output=True, text=True, check=True).stdout
        processes = len(subprocess.run(["docker", "top", name], capture_output=True, text=True,
                                       check=True).stdout.strip().splitlines()) - 1
        return ready, _mib(stats), tree_rss_mib(name), processes
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tag", action="append", default=[], help="image ref template, e.g. latest")
    parser.add_argument("--prefix", action="append", default=[], help="repository prefix per tag")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    refs = list(zip(args.prefix or ["inference-pipeline"] * len(args.tag), args.tag or ["latest"], strict=True))
    with tempfile.TemporaryDirectory() as tmp:
        print("| image | build | ready s (median of runs) | idle memory MiB (cgroup) | process tree RSS MiB | processes |")
        print("| --- | --- | --- | --- | --- | --- |")
        for image, (builder, env) in IMAGES.items():
            if args.only and image not in args.only:
                continue
            model_dir = readable(builder(Path(tmp))) if builder else None
            for prefix, tag in refs:
                rows = [measure(f"{prefix}/{image}:{tag}", model_dir, env) for _ in range(args.runs)]
                ready = statistics.median(r[0] for r in rows)
                print(f"| {image} | {prefix}:{tag} | {ready:.2f} ({', '.join(f'{r[0]:.1f}' for r in rows)}) | "
                      f"{statistics.median(r[1] for r in rows):.0f} | {statistics.median(r[2] for r in rows):.0f} | "
                      f"{rows[0][3]} |", flush=True)


if __name__ == "__main__":
    main()
