"""What the local front door adds: the car-evaluation pipeline (3 containers, --no-docker) at c=1.

Each container is first timed directly with the exact body it receives inside the pipeline
(taken from the front door's /traces), then the whole pipeline through the front door. The
front door's cost per hop is (front door p50 - sum of the containers' p50) / number of hops.
Targets (issue 12/13): <= 0.3 ms per hop (p50); 1 row c=1 p50 <= 3 ms, p99 <= 10 ms.

    .venv/bin/python benchmarks/bench_frontdoor.py [--requests 2000]
    (trains the example's artifacts first if examples/sparkml-xgboost-car-evaluation/work is empty)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _bench_support import running, time_requests, tree_cpu_seconds  # noqa: E402

from inference_pipeline.spec.model import load_spec  # noqa: E402

EXAMPLE = ROOT / "examples" / "sparkml-xgboost-car-evaluation"
RESULTS = ROOT / "benchmarks" / "results" / "frontdoor.md"
ROW = b"low,low,5more,more,big,high"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if not (EXAMPLE / "work" / "xgboost" / "model.tar.gz").is_file():
        raise SystemExit(f"train the example first: python {EXAMPLE / 'run.py'} (or its train.py)")
    spec = load_spec(EXAMPLE / "pipeline.yaml")
    with tempfile.TemporaryDirectory() as tmp, running(spec, Path(tmp)) as state:
        path = f"/endpoints/{state.endpoint}/invocations"
        headers = {"Content-Type": "text/csv"}
        time_requests(state.url, path, ROW, headers, count=1, warmup=0)
        with urllib.request.urlopen(f"{state.url}/traces", timeout=10) as answer:
            hops = json.load(answer)[-1]["hops"]
        direct = []
        for hop, container in zip(hops, state.containers, strict=True):
            hop_headers = {"Content-Type": hop["content_type"]} if hop["content_type"] else {}
            if hop["accept"]:
                hop_headers["Accept"] = hop["accept"]
            timing = time_requests(f"http://127.0.0.1:{container.port}", "/invocations",
                                   hop["request_body"].encode(), hop_headers, count=args.requests)
            direct.append((container.name, timing))
        before = tree_cpu_seconds(state.frontdoor_pid or 0)
        through = time_requests(state.url, path, ROW, headers, count=args.requests)
        frontdoor_cpu_ms = (tree_cpu_seconds(state.frontdoor_pid or 0) - before) * 1000 / (args.requests + 20)
        with urllib.request.urlopen(f"{state.url}/traces", timeout=10) as answer:
            traces = json.load(answer)
        # inside the front door: its own time around the container calls, and each call as it sees it
        own = sorted(t["millis"] - sum(h["millis"] for h in t["hops"]) for t in traces)
        seen = [sorted(t["hops"][i]["millis"] for t in traces) for i in range(len(direct))]
    containers_p50 = sum(t.p50_ms for _, t in direct)
    per_hop = (through.p50_ms - containers_p50) / len(direct)
    load = os.getloadavg()[0]
    lines = ["# Local front door overhead", "",
             f"car-evaluation pipeline (3 containers, `--no-docker`), 1 row `{ROW.decode()}`, concurrency 1, "
             f"{args.requests} requests per row after 20 warm-up, keep-alive client; 2 shared cores. "
             "`python benchmarks/bench_frontdoor.py`.", "",
             "| called | p50 ms | p99 ms | req/s |", "|---|---:|---:|---:|"]
    lines += [f"| {name} directly | {t.p50_ms:.3f} | {t.p99_ms:.3f} | {t.per_second:,.0f} |" for name, t in direct]
    lines += [f"| {name} as the front door's call sees it | {statistics.median(times):.3f} | | |"
              for (name, _), times in zip(direct, seen, strict=True)]
    lines += [f"| sum of the three containers | {containers_p50:.3f} | | |",
              f"| whole pipeline through the front door | {through.p50_ms:.3f} | {through.p99_ms:.3f} | "
              f"{through.per_second:,.0f} |", "",
              f"Front door cost per hop (p50, wall clock): **{per_hop:.3f} ms** (target ≤ 0.3 ms); pipeline p50 "
              f"**{through.p50_ms:.2f} ms** (target ≤ 3 ms), p99 **{through.p99_ms:.2f} ms** (target ≤ 10 ms). "
              f"Load average during the run: {load:.1f} on 2 cores.", "",
              f"Front door CPU per request (its process, from /proc): **{frontdoor_cpu_ms:.3f} ms**, "
              f"{frontdoor_cpu_ms / len(direct):.3f} ms per hop. Its own wall time around the container calls "
              f"(trace total minus the calls, median of the last {len(own)}): {statistics.median(own):.3f} ms.", ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
