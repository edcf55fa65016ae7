"""One command: data → train → pipeline up → the notebook's request → batch transform → down.

    python examples/sklearn-linear-learner-abalone/run.py [--no-docker] [--port 8080] [--data abalone.csv]
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

# The notebook's request: one unlabelled row (note the blank after each comma), Accept JSON.
REQUEST = Request("text/csv → application/json", b"M, 0.44, 0.365, 0.125, 0.516, 0.2155, 0.114, 0.155",
                  "text/csv", "application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-docker", action="store_true")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--data", type=Path, help="the real abalone CSV (9 columns) instead of generated data")
    args = parser.parse_args()
    work = HERE / "work"
    data = args.data or work / "train" / "abalone.csv"
    if args.data is None:
        subprocess.run([sys.executable, str(HERE / "generate_data.py"), "--out", str(data)], check=True)
    subprocess.run([sys.executable, str(HERE / "train.py"), "--data", str(data), "--work", str(work)], check=True)
    docker = not args.no_docker
    (status, body, content_type), = serve_and_ask(HERE / "pipeline.yaml", [REQUEST], docker=docker, port=args.port)
    expected = json.loads((work / "expected.json").read_text())

    def scores(out: Path) -> list[float]:
        return [json.loads(line)["score"] for line in (out / "abalone_batch.csv.out").read_text().splitlines()]

    rows = batch_transform(HERE / "pipeline.yaml", work / "batch", work / "batch-out", docker=docker,
                           check=lambda out: f"largest difference from the host-side model "
                                             f"{max(abs(a - b) for a, b in zip(scores(out), expected['batch'])):.2e}")
    got = scores(work / "batch-out")
    print(json.dumps({"status": status, "content_type": content_type, "answer": json.loads(body),
                      "expected_notebook_row": expected["notebook_row"], "batch_rows": rows,
                      "batch_lines": len(got),
                      "batch_max_abs_diff": max(abs(a - b) for a, b in zip(got, expected["batch"]))}, indent=2))


if __name__ == "__main__":
    main()
