"""Text and post-processing benchmark: the blazingtext and postprocessing images under load.

p50/p99 latency and requests/s at concurrency 1 and 8 with 1-row and 100-row requests, per
request format, next to the gunicorn + Flask constant-body floor measured in the same run
(the load loop and the floor are ``bench_serving``'s). Bounded: a fixed number of requests per cell.

    .venv/bin/python benchmarks/bench_text_post.py [--requests 400]   # needs both images built
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_serving  # noqa: E402  (also puts the repo root on sys.path)

from tests.support.docker import run_container  # noqa: E402

RESULTS = bench_serving.ROOT / "benchmarks" / "results" / "text_post.md"
CAR_LABELS = "unacc\nacc\ngood\nvgood\n"
TEXT = "the rocket engine of the aircraft"


def postprocessing_model(tmp: Path) -> Path:
    model = tmp / "postprocessing"
    model.mkdir(exist_ok=True)
    (model / "labels.txt").write_text(CAR_LABELS)
    return model


@dataclass
class Case:
    image: str
    label: str
    model: Callable[[Path], Path]
    content_type: str
    accept: str
    body: Callable[[int], bytes]
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("blazingtext", "JSON instances, k=1", bench_serving.bt_model, "application/json", "application/json",
         lambda n: json.dumps({"instances": [TEXT] * n}).encode()),
    Case("blazingtext", "JSON Lines source, k=3", bench_serving.bt_model, "application/jsonlines",
         "application/jsonlines",
         lambda n: "".join(json.dumps({"source": TEXT, "k": 3}) + "\n" for _ in range(n)).encode()),
    Case("postprocessing", "label, CSV → CSV (car example)", postprocessing_model, "text/csv", "text/csv",
         lambda n: "\n".join(["3.0"] * n).encode(), {"POSTPROCESSOR": "label"}),
    Case("postprocessing", "argmax, XGBoost JSON → JSON", postprocessing_model, "application/json",
         "application/json", lambda n: json.dumps({"predictions": [{"score": [0.1, 0.2, 0.3, 0.4]}] * n}).encode(),
         {"POSTPROCESSOR": "argmax"}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per cell")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        proc, floor_url = bench_serving.floor_server(tmp)
        try:
            floor = {c: bench_serving.load(floor_url, b"x", {"Content-Type": "text/csv"}, c, args.requests)
                     for c in (1, 8)}
        finally:
            proc.terminate()
            proc.wait()
        for case in CASES:
            model = case.model(tmp)
            for root, _dirs, _files in os.walk(model):
                os.chmod(root, 0o755)
            with run_container(f"inference-pipeline/{case.image}:latest", model, env=case.env) as container:
                for n in (1, 100):
                    body = case.body(n)
                    headers = {"Content-Type": case.content_type, "Accept": case.accept}
                    for concurrency in (1, 8):
                        p50, p99, rps = bench_serving.load(container.url, body, headers, concurrency, args.requests)
                        rows.append((case.image, case.label, n, concurrency, p50, p99, rps, floor[concurrency]))
                        print(rows[-1][:7], flush=True)
    lines = ["# BlazingText and post-processing benchmark", "",
             f"Each image runs as SageMaker starts it (`docker run IMAGE serve`, host network, 1 gunicorn worker "
             f"with 4 threads), {args.requests} requests per cell after 20 warm-up requests, keep-alive clients "
             "on 127.0.0.1 (`benchmarks/bench_text_post.py`). Floor: gunicorn + Flask returning a constant body, "
             f"same settings, measured in the same run (c=1: {floor[1][2]:,.0f} req/s, p50 {floor[1][0] * 1e3:.2f} ms; "
             f"c=8: {floor[8][2]:,.0f} req/s, p50 {floor[8][0] * 1e3:.2f} ms).", "",
             "| image | request | rows | concurrency | p50 | p99 | req/s | p50 vs floor | req/s vs floor |",
             "|---|---|---|---|---|---|---|---|---|"]
    for image, label, n, concurrency, p50, p99, rps, (floor_p50, _, floor_rps) in rows:
        lines.append(f"| {image} | {label} | {n} | {concurrency} | {p50 * 1e3:.2f} ms | {p99 * 1e3:.2f} ms | "
                     f"{rps:,.0f} | {p50 / floor_p50:.2f}× | {rps / floor_rps:.2f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
