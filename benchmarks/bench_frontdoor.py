"""What the local front door adds: the car-evaluation pipeline (3 containers, --no-docker) at c=1.

Three ways in, measured in alternating rounds (the machine's load drifts; each figure is the
median over the rounds): each container directly with the exact body it receives inside the
pipeline (taken from the front door's /traces); the three in turn by one plain keep-alive client
(what the calls cost with no front door, including the pipeline's own cost of waking three
processes in turn); the whole pipeline through the front door. The front door's cost per hop is
its p50 minus the chain's, over the number of hops; the issue's first estimate (minus the sum of
the containers called alone, each kept hot by back-to-back calls) is reported beside it.
Targets (issue 12/13): <= 0.3 ms per hop (p50); 1 row c=1 p50 <= 3 ms, p99 <= 10 ms.

    .venv/bin/python benchmarks/bench_frontdoor.py [--requests 2000] [--rounds 4]
    (trains the example's artifacts first if examples/sparkml-xgboost-car-evaluation/work is empty)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _bench_support import Timing, connect, post, running, time_requests, timing, tree_cpu_seconds  # noqa: E402

from inference_pipeline.spec.model import load_spec  # noqa: E402

EXAMPLE = ROOT / "examples" / "sparkml-xgboost-car-evaluation"
RESULTS = ROOT / "benchmarks" / "results" / "frontdoor.md"
ROW = b"low,low,5more,more,big,high"


@dataclass(frozen=True)
class Call:
    name: str
    url: str
    body: bytes
    headers: dict[str, str]


def time_chain(calls: list[Call], *, count: int, warmup: int = 20) -> Timing:
    """``count`` passes through ``calls`` in order, one kept-alive connection per container."""
    connections = [connect(call.url) for call in calls]
    latencies = []
    started = time.perf_counter()
    for index in range(count + warmup):
        if index == warmup:
            started = time.perf_counter()
        begun = time.perf_counter()
        for call, connection in zip(calls, connections, strict=True):
            post(connection, "/invocations", call.body, call.headers)
        if index >= warmup:
            latencies.append((time.perf_counter() - begun) * 1000)
    seconds = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return timing(latencies, seconds)


def _median(timings: list[Timing]) -> Timing:
    return Timing(sum(t.requests for t in timings), sum(t.seconds for t in timings),
                  statistics.median(t.p50_ms for t in timings), statistics.median(t.p99_ms for t in timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="per way in, over all rounds")
    parser.add_argument("--rounds", type=int, default=4)
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
        calls = []
        for hop, container in zip(hops, state.containers, strict=True):
            hop_headers = {"Content-Type": hop["content_type"]} if hop["content_type"] else {}
            if hop["accept"]:
                hop_headers["Accept"] = hop["accept"]
            calls.append(Call(container.name, f"http://127.0.0.1:{container.port}", hop["request_body"].encode(),
                              hop_headers))
        per_round = max(args.requests // args.rounds, 100)
        alone: list[list[Timing]] = [[] for _ in calls]
        chains: list[Timing] = []
        throughs: list[Timing] = []
        cpu_seconds = 0.0
        for _ in range(args.rounds):
            for index, call in enumerate(calls):
                alone[index].append(time_requests(call.url, "/invocations", call.body, call.headers, count=per_round))
            chains.append(time_chain(calls, count=per_round))
            before = tree_cpu_seconds(state.frontdoor_pid or 0)
            throughs.append(time_requests(state.url, path, ROW, headers, count=per_round))
            cpu_seconds += tree_cpu_seconds(state.frontdoor_pid or 0) - before
        direct = [(call.name, _median(timings)) for call, timings in zip(calls, alone, strict=True)]
        chain, through = _median(chains), _median(throughs)
        frontdoor_cpu_ms = cpu_seconds * 1000 / (args.rounds * (per_round + 20))
        with urllib.request.urlopen(f"{state.url}/traces", timeout=10) as answer:
            traces = json.load(answer)
        # inside the front door: its own time around the container calls, and each call as it sees it
        own = sorted(t["millis"] - sum(h["millis"] for h in t["hops"]) for t in traces)
        seen = [sorted(t["hops"][i]["millis"] for t in traces) for i in range(len(direct))]
    containers_p50 = sum(t.p50_ms for _, t in direct)
    per_hop = (through.p50_ms - chain.p50_ms) / len(direct)
    per_hop_hot = (through.p50_ms - containers_p50) / len(direct)
    load = os.getloadavg()[0]
    lines = ["# Local front door overhead", "",
             f"car-evaluation pipeline (3 containers, `--no-docker`), 1 row `{ROW.decode()}`, concurrency 1, "
             f"{args.requests} requests per way in, in {args.rounds} alternating rounds (medians over the rounds), "
             "keep-alive clients; 2 shared cores. `python benchmarks/bench_frontdoor.py`.", "",
             "| called | p50 ms | p99 ms | req/s |", "|---|---:|---:|---:|"]
    lines += [f"| {name} alone, back to back | {t.p50_ms:.3f} | {t.p99_ms:.3f} | {t.per_second:,.0f} |"
              for name, t in direct]
    lines += [f"| sum of the three alone | {containers_p50:.3f} | | |",
              f"| the three in turn, one plain client (no front door) | {chain.p50_ms:.3f} | {chain.p99_ms:.3f} | "
              f"{chain.per_second:,.0f} |"]
    lines += [f"| {name} as the front door's call sees it | {statistics.median(times):.3f} | | |"
              for (name, _), times in zip(direct, seen, strict=True)]
    lines += [f"| whole pipeline through the front door | {through.p50_ms:.3f} | {through.p99_ms:.3f} | "
              f"{through.per_second:,.0f} |", "",
              f"Front door cost per hop (p50, wall clock, against the plain client's chain): **{per_hop:.3f} ms** "
              f"(target ≤ 0.3 ms); against the sum of the containers alone: {per_hop_hot:.3f} ms (that sum leaves "
              f"out what calling three processes in turn costs: the chain is {chain.p50_ms - containers_p50:.2f} ms "
              f"slower than the sum with no front door at all). Pipeline p50 **{through.p50_ms:.2f} ms** (target "
              f"≤ 3 ms), p99 **{through.p99_ms:.2f} ms** (target ≤ 10 ms). Load average during the run: {load:.1f} "
              "on 2 cores.", "",
              f"Front door CPU per request (its process, from /proc): **{frontdoor_cpu_ms:.3f} ms**, "
              f"{frontdoor_cpu_ms / len(direct):.3f} ms per hop. Its own wall time around the container calls "
              f"(trace total minus the calls, median of the last {len(own)}): {statistics.median(own):.3f} ms.", ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
