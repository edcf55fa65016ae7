"""Writes train/abalone.csv: 4,177 synthetic rows with UCI abalone's 9-column schema (sex first,
rings last, no header), the notebook's training input. The real file: UCI's abalone.data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import abalone_rows, write_csv  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "work" / "train" / "abalone.csv")
    args = parser.parse_args()
    print(f"wrote {write_csv(abalone_rows(4177, seed=2), args.out)}")
