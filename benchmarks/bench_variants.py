"""Requests/s of the local endpoint with 1 and 2 instances of the car-evaluation pipeline.

One variant with ``initial_instance_count`` 1, then 2 (each instance its own three containers,
the front door alternating between them), 1-row requests at concurrency 1, 4 and 8, a fixed
number of requests per cell (bounded). On the CI machine's 2 cores a second instance can only
help while a single instance leaves a core idle: read the ratios, not the absolute numbers.

    .venv/bin/python benchmarks/bench_variants.py [--requests 1200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _bench_support import Timing, running, time_requests  # noqa: E402

from inference_pipeline.spec.model import load_spec, parse_spec  # noqa: E402

EXAMPLE = ROOT / "examples" / "sparkml-xgboost-car-evaluation"
RESULTS = ROOT / "benchmarks" / "results" / "variants.md"
ROW = b"low,low,5more,more,big,high"
CONCURRENCY = (1, 4, 8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1200)
    args = parser.parse_args()
    if not (EXAMPLE / "work" / "xgboost" / "model.tar.gz").is_file():
        raise SystemExit(f"train the example first: python {EXAMPLE / 'run.py'} (or its train.py)")
    base = load_spec(EXAMPLE / "pipeline.yaml").model_dump(mode="json", exclude_none=True)
    results: dict[int, dict[int, Timing]] = {}
    for instances in (1, 2):
        data = {**base, "endpoint": {"variants": [{"name": "AllTraffic", "initial_instance_count": instances}]}}
        spec = parse_spec(data, base_dir=EXAMPLE)
        with tempfile.TemporaryDirectory() as tmp, running(spec, Path(tmp)) as state:
            path = f"/endpoints/{state.endpoint}/invocations"
            results[instances] = {c: time_requests(state.url, path, ROW, {"Content-Type": "text/csv"},
                                                   count=args.requests, concurrency=c) for c in CONCURRENCY}
    lines = ["# Production variant instances, locally", "",
             f"car-evaluation pipeline (3 containers each, `--no-docker`), 1-row requests, {args.requests} per "
             "cell after warm-up, keep-alive clients; 2 cores shared with the client. "
             "`python benchmarks/bench_variants.py`.", "",
             "| concurrency | 1 instance req/s | p50 / p99 ms | 2 instances req/s | p50 / p99 ms | ratio |",
             "|---:|---:|---:|---:|---:|---:|"]
    for c in CONCURRENCY:
        one, two = results[1][c], results[2][c]
        lines.append(f"| {c} | {one.per_second:,.0f} | {one.p50_ms:.2f} / {one.p99_ms:.2f} | {two.per_second:,.0f} | "
                     f"{two.p50_ms:.2f} / {two.p99_ms:.2f} | {two.per_second / one.per_second:.2f}× |")
    lines += ["", f"Load average at the end of the run: {os.getloadavg()[0]:.1f} on 2 cores (other engineers' test "
              "suites): a second instance helps once the client keeps more requests in flight than one "
              "instance's workers serve; at c=1 it only adds processes competing for the cores.", ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
