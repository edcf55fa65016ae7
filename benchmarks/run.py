"""The serving benchmark: our images next to MLServer, Multi Model Server and a bare floor, in one run.

Every server of a scenario loads the same model bytes, runs 2 workers on 127.0.0.1 and Debian's
Python 3.11 (peers in venvs from benchmarks/peers/setup.sh, which this script runs), and must give
the model's own answers before it is timed. Load comes from wrk (one thread, keep-alive
connections) for each cell of rows/request × concurrency, after a warm-up. Per cell: p50/p90/p99,
req/s, rows/s, errors, the peak RSS and CPU time per request of the server's whole process tree.
Per server: cold start (start to first /ping 200, or to the first good answer where /ping answers
before the model is loaded) and image size. Writes <out>/<date>.json, <out>/serving.md (ratios
ours / best peer) and PNG plots (benchmarks/plot.py).

    .venv/bin/python benchmarks/run.py                  # full: 15 s per cell after 5 s warm-up
    .venv/bin/python benchmarks/run.py --quick          # CI: our images + floor, 2 s cells
    .venv/bin/python benchmarks/run.py --measure 8 --warmup 3 --only ridge xgboost
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import servers  # noqa: E402
from benchmarks.harness.cells import Protocol, check_answers, measure  # noqa: E402
from benchmarks.harness.models import Model, build  # noqa: E402
from benchmarks.harness.report import write_markdown  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"
IMAGES = {"sklearn": "inference-pipeline/sklearn:latest", "xgboost": "inference-pipeline/xgboost:latest",
          "sparkml": "inference-pipeline/sparkml:latest"}
SCENARIOS = ("ridge", "featurizer", "xgboost", "sparkml")
PEERS = ("mlserver", "mms")

StartServer = tuple[str, Callable[[], AbstractContextManager[servers.Server]]]  # (label if it fails, start)


def sparkml_model(work: Path) -> Model:
    """The abalone MLeap bundle (StringIndexer → OneHotEncoder → VectorAssembler) for the sparkml image."""
    from tests.support.mleap_bundles import ABALONE_SCHEMA, abalone_pipeline, write

    directory = write(abalone_pipeline(), work / "models" / "sparkml", schema=ABALONE_SCHEMA)
    for path in [directory, *directory.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return Model("featurizer", directory, "", "sparkml")  # same CSV rows as the sklearn featurizer


def starters(scenario: str, models: dict[str, Model], peers: bool) -> list[StartServer]:
    if scenario == "sparkml":
        model = sparkml_model(WORK)
        return [("ours (sparkml image)", lambda: servers.ours(IMAGES["sparkml"], model))]
    model = models[scenario]
    env = {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"} if scenario == "featurizer" else None
    out: list[StartServer] = [(f"ours ({model.framework} image)",
                               lambda: servers.ours(IMAGES[model.framework], model, env))]
    if peers:
        out += [("MLServer", lambda: servers.mlserver(model, WORK)),
                ("MMS + sagemaker-inference", lambda: servers.mms(model, WORK))]
    out.append(("floor (gunicorn+Flask+np.loadtxt)", lambda: servers.floor(model, WORK)))
    return out


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


def run_scenario(scenario: str, start: StartServer, protocol: Protocol, models: dict[str, Model]) -> dict[str, Any]:
    label, start_server = start
    record: dict[str, Any] = {"scenario": scenario, "name": label}
    try:
        with start_server() as server:
            record.update(name=server.name, side=server.side, cold_start_s=round(server.cold_start_s, 3),
                          image_mib=server.image_bytes / 2**20 if server.image_bytes else None, notes=server.notes)
            print(f"{scenario}: {server.name} up in {server.cold_start_s:.2f} s", flush=True)
            if scenario != "sparkml":  # the MLeap answers are checked by tests/; here only that they come
                check_answers(server, models[scenario])
            else:
                server.post(100)
            record["cells"] = measure(server, protocol)
    except Exception as exc:  # one broken server must not lose the others' numbers
        traceback.print_exc()
        record["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI: fewer cells, 2 s each, no peers")
    parser.add_argument("--peers", action=argparse.BooleanOptionalAction, default=None,
                        help="include MLServer and MMS (default: yes, no with --quick)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per cell (default 5, quick 1)")
    parser.add_argument("--measure", type=float, help="seconds measured per cell (default 15, quick 2)")
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--no-sparkml-inprocess", action="store_true",
                        help="skip the in-process MLeap runtime vs pyspark table (needs pyspark; skipped by --quick)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    peers = (not args.quick) if args.peers is None else args.peers
    protocol = Protocol(rows=(1, 100), concurrency=(8,) if args.quick else (1, 8, 32),
                        warmup_s=args.warmup if args.warmup is not None else (1 if args.quick else 5),
                        measure_s=args.measure if args.measure is not None else (2 if args.quick else 15))

    subprocess.run(["bash", str(ROOT / "benchmarks" / "peers" / "setup.sh"), "floor", "plot",
                    *(PEERS if peers else ())], check=True)
    models = build(WORK / "models")
    commit = git("rev-parse", "HEAD")
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "git_commit": commit,
        "git_dirty_files": [line[3:] for line in git("status", "--porcelain", "--", "shared", "images").splitlines()],
        "quick": args.quick, "protocol": {**protocol.__dict__, "client": "wrk -t1, keep-alive, 127.0.0.1",
                                          "workers": servers.WORKERS},
        "host": {"cores": os.cpu_count(), "machine": platform.machine(), "python": "/usr/bin/python3.11 (Debian)"},
        "servers": [],
    }
    for scenario in args.only:
        for start in starters(scenario, models, peers):
            results["servers"].append(run_scenario(scenario, start, protocol, models))
    if not args.quick and not args.no_sparkml_inprocess and "sparkml" in args.only:
        from benchmarks.bench_sparkml import measure as sparkml_inprocess

        results["sparkml_inprocess"] = sparkml_inprocess(quick=False)

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    json_path = args.out / f"{stamp}{'-quick' if args.quick else ''}.json"
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    write_markdown(results, args.out / ("serving-quick.md" if args.quick else "serving.md"), json_path.name)
    plot_python = WORK / "peers" / "plot" / "bin" / "python"
    subprocess.run([str(plot_python), str(ROOT / "benchmarks" / "plot.py"), str(json_path), str(args.out)],
                   check=True)
    print(f"wrote {json_path}")
    failed = [f"{r['scenario']}/{r.get('name', '?')}: {r['error']}" for r in results["servers"] if "error" in r]
    if failed:
        print("FAILED:\n  " + "\n  ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
