"""One command: generate data → train → start the 3-container pipeline → send the notebook's
request → batch-transform every car → compare with the trained model → stop.

    python examples/sparkml-xgboost-car-evaluation/run.py [--no-docker] [--port 8080] [--keep-up]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import Request, ask_both_ways, show_trace  # noqa: E402

PAYLOAD = b"low,low,5more,more,big,high"  # the notebook's invoke_endpoint body (text/csv, no Accept)


def prepare(work: Path, data: Path | None) -> None:
    if data is None:
        data = work / "car.data"
        subprocess.run([sys.executable, str(HERE / "generate_data.py"), "--out", str(data)], check=True)
    subprocess.run([sys.executable, str(HERE / "train.py"), "--data", str(data), "--work", str(work)], check=True)
    labelmap = work / "labelmap"
    labelmap.mkdir(exist_ok=True)
    shutil.copy(work / "labels.txt", labelmap / "labels.txt")


def run(spec_name: str, work: Path, *, docker: bool, port: int, keep_up: bool) -> dict:
    from inference_pipeline.pipeline.local import LocalPipeline
    from inference_pipeline.pipeline.local_transform import run_local_transform
    from inference_pipeline.spec.model import load_spec

    spec = load_spec(HERE / spec_name)
    pipeline = LocalPipeline(spec, port=port, docker=docker)
    state = pipeline.up(on_status=lambda m: print(f"… {m}"))
    try:
        # as the notebook does: boto3's invoke_endpoint, only endpoint_url points here (and the CLI agrees)
        status, answer, _ = ask_both_ways(state.url, state.endpoint, Request("the notebook's row", PAYLOAD,
                                                                               "text/csv"))
        if status != 200:
            raise SystemExit(f"the endpoint answered {status}: {answer}")
        print(f"Our result for this payload is: {answer}")
        show_trace(state.url)
    finally:
        if not keep_up:
            pipeline.down()
    out = work / f"batch-out-{spec.name}"
    report = run_local_transform(spec, work / "batch", out, docker=docker, port=0)  # any free port, held: port + 1 may be taken
    if not report.succeeded:
        raise SystemExit("batch transform failed: " + "; ".join(f.describe() for f in report.failures))
    predicted = (out / "cars.csv.out").read_text().splitlines()
    expected = [line.rsplit(",", 1)[1] for line in (work / "expected.csv").read_text().splitlines()]
    agree = sum(p == e for p, e in zip(predicted, expected))
    print(f"batch transform: {report.records} rows in {report.seconds:.2f} s; "
          f"{agree}/{len(expected)} answers equal the trained model's")
    return {"answer": answer, "rows": len(predicted), "agree": agree, "expected": len(expected)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-docker", action="store_true", help="run containers as local processes")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data", type=Path, help="a real car.data instead of the generated one")
    parser.add_argument("--keep-up", action="store_true", help="leave the real-time pipeline running")
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    work = HERE / "work"  # pipeline*.yaml point at the artifacts in here
    if not args.skip_train:
        prepare(work, args.data)
    if args.keep_up:  # the pipeline an earlier --keep-up run left serving would hold the port
        from inference_pipeline.pipeline.local import LocalPipeline
        from inference_pipeline.spec.model import load_spec

        LocalPipeline(load_spec(HERE / "pipeline.yaml"), port=args.port).down()
    results = {}
    # The pipeline --keep-up leaves serving (the notebook's, IndexToString last) runs last, so the
    # label-map variant never competes with it for the port.
    for spec in ("pipeline.postprocessing.yaml", "pipeline.yaml"):
        print(f"\n== {spec}")
        results[spec] = run(spec, work, docker=not args.no_docker, port=args.port,
                            keep_up=args.keep_up and spec == "pipeline.yaml")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
