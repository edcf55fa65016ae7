"""Writes abalone.csv: 4,177 synthetic rows with UCI abalone's 9-column schema (sex first, rings
last, no header). The real file is UCI's `abalone/abalone.data`; the notebook read the same
format from its own bucket. Point `run.py --data` at it to train on real data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import abalone_rows, write_csv  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "work" / "abalone.csv")
    args = parser.parse_args()
    print(f"wrote {write_csv(abalone_rows(4177, seed=1), args.out)}")
