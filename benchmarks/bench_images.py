"""Image sizes against their budgets, next to the base image, as a markdown table.

    .venv/bin/python benchmarks/bench_images.py     # needs the images built (scripts/build-images.sh)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "images.md"
BUDGETS_MB = {"sklearn": 450, "sparkml": 250, "postprocessing": 200, "xgboost": 400,
              "linear-learner": None, "blazingtext": None}
BASES = {"local base (debootstrap bookworm + python3)": "inference-pipeline/base:bookworm",
         "shared serving layer (images/base)": "inference-pipeline/base-python:0.1.0"}


def size_mb(ref: str) -> float | None:
    proc = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", ref], capture_output=True, text=True)
    return int(proc.stdout) / 1e6 if proc.returncode == 0 else None


def main() -> None:
    lines = ["# Image sizes", "", "Uncompressed size as `docker image inspect` reports it (shared layers counted "
             "in each image).", "", "| image | size | budget | share of budget |", "|---|---|---|---|"]
    for label, ref in BASES.items():
        size = size_mb(ref)
        lines.append(f"| {label} | {size:,.0f} MB | – | – |" if size else f"| {label} | not built | – | – |")
    for name, budget in BUDGETS_MB.items():
        size = size_mb(f"inference-pipeline/{name}:latest")
        if size is None:
            lines.append(f"| {name} | not built | {budget or '–'} | – |")
            continue
        share = f"{size / budget:.0%}" if budget else "–"
        lines.append(f"| {name} | {size:,.0f} MB | {f'{budget} MB' if budget else '–'} | {share} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
