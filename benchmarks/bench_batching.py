"""Micro-batching benchmark: the abalone featurizer (an AWS-style script that opts in with
``ROW_INDEPENDENT = True``), 1- and 100-row CSV requests at 8 and 32 concurrent clients,
batching off and in several configurations, back to back on the same machine, the real
``serve`` process (granian, 2 workers) on 127.0.0.1, driven by wrk.

Reports req/s, p50/p99 latency and CPU per request (the server's process tree, from /proc: the
figure least disturbed by other load on a shared machine). Bounded: a few seconds per cell.

    .venv/bin/python benchmarks/bench_batching.py [--seconds 6] [--rounds 2] [--cells 1x8,100x32]
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
WRK_SCRIPT = """
wrk.method = "POST"
local file = io.open("{body}", "rb")
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "text/csv"
wrk.headers["Accept"] = "text/csv"
"""
CONFIGS = {
    "off (batch size 1)": {"INFERENCE_PIPELINE_MAX_BATCH_SIZE": "1"},
    "64 rows, no wait (the previous settings)": {"INFERENCE_PIPELINE_MAX_BATCH_SIZE": "64",
                                                 "INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "0"},
    "1,024 rows, no wait": {"INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS": "0"},
    "1,024 rows, wait <= half a predict, <= 10 ms (the defaults)": {},
}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"not a wrk latency: {text!r}")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(url: str, script: Path, seconds: int, concurrency: int) -> tuple[int, float, float, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"{url}/invocations"], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    # Anchored: a "+/- Stdev" column such as "62.50%" ends in "50%" too.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1])  # type: ignore[index]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors[1]} failed responses:\n{out}")
    return requests, rate, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cells", default="1x8,1x32,100x8,100x32", help="ROWSxCONCURRENCY, comma-separated")
    args = parser.parse_args()
    cells = [tuple(int(part) for part in cell.split("x")) for cell in args.cells.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = build_featurizer(work / "model")
        print("| round | rows | clients | config | req/s | p50 ms | p99 ms | CPU ms/req |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |")
        for round_no in range(1, args.rounds + 1):
            for rows, concurrency in cells:
                body = work / f"body-{rows}.csv"
                body.write_text("".join(f"{ROW}\n" for _ in range(rows)))
                script = work / f"post-{rows}.lua"
                script.write_text(WRK_SCRIPT.format(body=body))
                for label, env in CONFIGS.items():
                    full_env = {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py",
                                "SAGEMAKER_CONTAINER_LOG_LEVEL": "WARNING", **env}
                    with serve("sklearn", model_dir, env=full_env, workers=2, tmp_path=work) as server:
                        subprocess.run(["wrk", "-t2", f"-c{concurrency}", "-d1s", "-s", str(script),
                                        f"{server.url}/invocations"], capture_output=True, check=True)  # warm-up
                        cpu_before = tree_cpu_seconds(server.process.pid)
                        count, rate, p50, p99 = run_wrk(server.url, script, args.seconds, concurrency)
                        cpu = (tree_cpu_seconds(server.process.pid) - cpu_before) / count * 1000
                    print(f"| {round_no} | {rows} | {concurrency} | {label} | {rate:,.0f} | {p50:.1f} | {p99:.1f} "
                          f"| {cpu:.2f} |", flush=True)


if __name__ == "__main__":
    main()
