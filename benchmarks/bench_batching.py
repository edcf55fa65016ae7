"""Micro-batching benchmark: the abalone featurizer (an AWS-style script that opts in with
``ROW_INDEPENDENT = True``), 1-row CSV requests at concurrency 32, batching off vs on, back to
back on the same machine, the real ``serve`` process (granian) on 127.0.0.1, driven by wrk.

Reports req/s, p50/p99 latency and CPU per request (the server's process tree, from /proc: the
figure least disturbed by other load on a shared machine). Bounded: a few seconds per cell.

    .venv/bin/python benchmarks/bench_batching.py [--seconds 6] [--rounds 2]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench_support import tree_cpu_seconds  # noqa: E402

from tests.support.server import serve  # noqa: E402
from tests.support.sklearn_models import build_featurizer  # noqa: E402

ROW = "M, 0.44, 0.365, 0.125, 0.516, 0.2155, 0.114, 0.155"
WRK_SCRIPT = f"""
wrk.method = "POST"
wrk.body = "{ROW}"
wrk.headers["Content-Type"] = "text/csv"
wrk.headers["Accept"] = "text/csv"
"""
CONFIGS = {
    "off (batch size 1), 4 threads": {"INFERENCE_PIPELINE_MAX_BATCH_SIZE": "1"},
    "off (batch size 1), 32 threads": {"INFERENCE_PIPELINE_MAX_BATCH_SIZE": "1", "INFERENCE_PIPELINE_WORKER_THREADS": "32"},
    "on, 4 threads, 0 ms": {"INFERENCE_PIPELINE_WORKER_THREADS": "4"},
    "on, 32 threads, 0 ms": {"INFERENCE_PIPELINE_WORKER_THREADS": "32", "INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "0"},
    "on, 32 threads, 2 ms": {"INFERENCE_PIPELINE_WORKER_THREADS": "32", "INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "2"},
    "on, 32 threads, 5 ms": {"INFERENCE_PIPELINE_WORKER_THREADS": "32", "INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "5"},
}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, script: Path, seconds: int, concurrency: int) -> tuple[int, float, float, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"{url}/invocations"], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _ms(re.search(r"50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors[1]} failed responses:\n{out}")
    return requests, rate, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = build_featurizer(work / "model")
        script = work / "post.lua"
        script.write_text(WRK_SCRIPT)
        print("| round | config | req/s | p50 ms | p99 ms | CPU ms/req |\n| --- | --- | --- | --- | --- | --- |")
        for round_no in range(1, args.rounds + 1):
            for label, env in CONFIGS.items():
                full_env = {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py",
                            "SAGEMAKER_CONTAINER_LOG_LEVEL": "WARNING", **env}
                with serve("sklearn", model_dir, env=full_env, workers=2, tmp_path=work) as server:
                    subprocess.run(["wrk", "-t2", f"-c{args.concurrency}", "-d1s", "-s", str(script),
                                    f"{server.url}/invocations"], capture_output=True, check=True)  # warm-up
                    cpu_before = tree_cpu_seconds(server.process.pid)
                    count, rate, p50, p99 = run_wrk(server.url, script, args.seconds, args.concurrency)
                    cpu = (tree_cpu_seconds(server.process.pid) - cpu_before) / count * 1000
                print(f"| {round_no} | {label} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {cpu:.2f} |", flush=True)


if __name__ == "__main__":
    main()
