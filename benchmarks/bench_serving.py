"""Serving benchmark: every image, started as SageMaker starts it, under load on 127.0.0.1.

For each image: p50/p99 latency and requests/s at concurrency 1 and 8, with 1-row and 100-row
requests, next to a floor measured in the same run (gunicorn + Flask returning a constant body,
same worker settings), so figures read as ratios. Bounded: a fixed number of requests per cell.

    .venv/bin/python benchmarks/bench_serving.py [--requests 400]   # needs the images built
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# serving.md is benchmarks/run.py's (ours vs peers); this script keeps every image vs a constant-body floor.
RESULTS = ROOT / "benchmarks" / "results" / "serving-all-images.md"

from tests.support.docker import run_container  # noqa: E402
from tests.support.net import LOCALHOST, held_port  # noqa: E402


@dataclass
class Case:
    image: str
    model: Callable[[Path], Path]
    content_type: str
    accept: str
    body: Callable[[int], bytes]
    env: dict[str, str]


def sklearn_model(tmp: Path) -> Path:
    from tests.support.sklearn_models import build_featurizer

    return build_featurizer(tmp / "sklearn")


def sparkml_model(tmp: Path) -> Path:
    from tests.support.mleap_bundles import ABALONE_SCHEMA, abalone_pipeline, write

    return write(abalone_pipeline(), tmp / "sparkml", schema=ABALONE_SCHEMA)


def xgboost_model(tmp: Path) -> Path:
    from tests.support.xgboost_models import save, train

    return save(train("reg:squarederror"), tmp / "xgboost", "ubj")


def ll_model(tmp: Path) -> Path:
    from sklearn.linear_model import LinearRegression

    from inference_pipeline.runtimes.linear_learner.model import save_linear_learner_model

    x = np.random.default_rng(0).normal(size=(50, 10))
    save_linear_learner_model(tmp / "ll", LinearRegression().fit(x, x.sum(axis=1)))
    return tmp / "ll"


def bt_model(tmp: Path) -> Path:
    from tests.support.fasttext_models import train

    return train(tmp / "bt")


def abalone_rows(n: int) -> bytes:
    return ("\n".join("M,0.44,0.365,0.125,0.516,0.2155,0.114,0.155" for _ in range(n)) + "\n").encode()


CASES = [
    Case("sklearn", sklearn_model, "text/csv", "text/csv", abalone_rows, {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}),
    Case("sparkml", sparkml_model, "text/csv", "text/csv", abalone_rows, {}),
    Case("xgboost", xgboost_model, "text/csv", "text/csv",
         lambda n: ("\n".join("0.1,0.2,0.3,0.4,0.5" for _ in range(n)) + "\n").encode(), {}),
    Case("linear-learner", ll_model, "text/csv", "application/json",
         lambda n: ("\n".join(",".join(["0.5"] * 10) for _ in range(n)) + "\n").encode(), {}),
    Case("blazingtext", bt_model, "application/json", "application/json",
         lambda n: json.dumps({"instances": ["the rocket engine of the aircraft"] * n}).encode(), {}),
]


def load(url: str, body: bytes, headers: dict[str, str], concurrency: int, total: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    def one(_: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        response = session.post(f"{url}/invocations", data=body, headers=headers, timeout=30)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        with lock:
            latencies.append(elapsed)

    for _ in range(20):  # warm-up
        one(0)
    latencies.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(total)))
    wall = time.perf_counter() - started
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1], total / wall


FLOOR_APP = """
from flask import Flask, Response
app = Flask("floor")
@app.post("/invocations")
def invocations():
    return Response(b"0.5\\n", mimetype="text/csv")
"""


def floor_server(tmp: Path):
    (tmp / "floor_app.py").write_text(FLOOR_APP)
    with held_port() as port:  # until gunicorn (SO_REUSEADDR) listens on it
        return _start_floor(tmp, port)


def _start_floor(tmp: Path, port: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "4", "-w", "1",
                             "-b", f"{LOCALHOST}:{port}", "--chdir", str(tmp), "floor_app:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{LOCALHOST}:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.post(f"{url}/invocations", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per cell")
    parser.add_argument("--images", nargs="*", default=[c.image for c in CASES])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        proc, floor_url = floor_server(tmp)
        try:
            floor = {c: load(floor_url, b"x", {"Content-Type": "text/csv"}, c, args.requests) for c in (1, 8)}
        finally:
            proc.terminate()
        for case in [c for c in CASES if c.image in args.images]:
            model = case.model(tmp)
            for root, _dirs, _files in os.walk(model):
                os.chmod(root, 0o755)
            with run_container(f"inference-pipeline/{case.image}:latest", model, env=case.env) as container:
                for n in (1, 100):
                    body = case.body(n)
                    for concurrency in (1, 8):
                        p50, p99, rps = load(container.url, body, {"Content-Type": case.content_type,
                                                                   "Accept": case.accept}, concurrency, args.requests)
                        rows.append((case.image, n, concurrency, p50, p99, rps, floor[concurrency][2]))
                        print(rows[-1], flush=True)
    lines = ["# Serving benchmark", "",
             f"Each image runs as SageMaker starts it (`docker run IMAGE serve`, host network, 1 gunicorn worker "
             f"with 4 threads), {args.requests} requests per cell after 20 warm-up requests, keep-alive clients on "
             "127.0.0.1 (the Python client itself costs about a millisecond a request, so the floor, not the image, "
             "bounds the small cells). Floor: gunicorn + Flask returning a constant body, same settings, measured in "
             "the same run "
             f"(c=1: {floor[1][2]:,.0f} req/s, p50 {floor[1][0] * 1e3:.2f} ms; c=8: {floor[8][2]:,.0f} req/s).", "",
             "| image | rows/request | concurrency | p50 | p99 | req/s | req/s vs floor |", "|---|---|---|---|---|---|---|"]
    for image, n, concurrency, p50, p99, rps, floor_rps in rows:
        lines.append(f"| {image} | {n} | {concurrency} | {p50 * 1e3:.2f} ms | {p99 * 1e3:.2f} ms | {rps:,.0f} | "
                     f"{rps / floor_rps:.2f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
