"""One command: data → train → pipeline up → the notebook's three requests → batch transform → down.

    python examples/sparkml-xgboost-abalone/run.py [--no-docker] [--port 8080] [--data abalone.csv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import Request, batch_transform, serve_and_ask  # noqa: E402
from train import SCHEMA  # noqa: E402

REORDERED = {**SCHEMA, "input": [SCHEMA["input"][1], SCHEMA["input"][0], *SCHEMA["input"][2:]]}
REQUESTS = [
    Request("CSV (schema from the env var)", b"F,0.515,0.425,0.14,0.766,0.304,0.1725,0.255", "text/csv", "text/csv"),
    Request("JSON with the env schema", json.dumps({"data": ["F", 0.515, 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255]})
            .encode(), "application/json", "text/csv"),
    Request("JSON with an in-body schema (length and sex swapped)",
            json.dumps({"schema": REORDERED, "data": [0.515, "F", 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255]}).encode(),
            "application/json", "text/csv"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data", type=Path, help="the real abalone CSV instead of generated data")
    args = parser.parse_args()
    work = HERE / "work"
    data = args.data or work / "abalone.csv"
    if args.data is None:
        subprocess.run([sys.executable, str(HERE / "generate_data.py"), "--out", str(data)], check=True)
    subprocess.run([sys.executable, str(HERE / "train.py"), "--data", str(data), "--work", str(work)], check=True)
    docker = not args.no_docker
    answers = serve_and_ask(HERE / "pipeline.yaml", REQUESTS, docker=docker, port=args.port)
    expected = json.loads((work / "expected.json").read_text())

    def check(out: Path) -> str:
        got = [float(v) for v in (out / "batch_input_abalone.csv.out").read_text().split()]
        worst = max(abs(a - b) for a, b in zip(got, expected))
        return f"{len(got)} predictions; largest difference from the host-side model {worst:.2e}"

    rows = batch_transform(HERE / "pipeline.yaml", work / "batch", work / "batch-out", docker=docker,
                           check=check)
    got = [float(v) for v in (work / "batch-out" / "batch_input_abalone.csv.out").read_text().split()]
    print(json.dumps({"answers": [a[1].strip() for a in answers], "statuses": [a[0] for a in answers],
                      "expected_notebook_row": json.loads((work / "expected_notebook_row.json").read_text()),
                      "batch_rows": rows, "batch_max_abs_diff": max(abs(a - b) for a, b in zip(got, expected))},
                     indent=2))


if __name__ == "__main__":
    main()
