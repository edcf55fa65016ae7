"""Writes car.data: the full 1,728-row factorial design of UCI Car Evaluation's six attributes,
labelled by a rule that mimics the original concept hierarchy (price × comfort × safety).

The real file (same format, headerless CSV, 7 columns) is UCI's `car/car.data`; point
`train.py --data` at it to train on the real labels instead.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

BUYING = ["vhigh", "high", "med", "low"]
MAINT = ["vhigh", "high", "med", "low"]
DOORS = ["2", "3", "4", "5more"]
PERSONS = ["2", "4", "more"]
LUG_BOOT = ["small", "med", "big"]
SAFETY = ["low", "med", "high"]


def label(buying: str, maint: str, doors: str, persons: str, lug_boot: str, safety: str) -> str:
    # The original hierarchy: unacceptable whenever it carries 2 people or has low safety; else
    # a price score (buying + maintenance) and a comfort/tech score decide acc/good/vgood.
    if persons == "2" or safety == "low":
        return "unacc"
    price = BUYING.index(buying) + MAINT.index(maint)  # 0 (vhigh, vhigh) .. 6 (low, low)
    comfort = DOORS.index(doors) // 2 + LUG_BOOT.index(lug_boot) + (1 if persons == "more" else 0)
    tech = SAFETY.index(safety) + comfort  # safety med=1/high=2
    if price <= 1 or (price == 2 and tech <= 2):
        return "unacc"
    if price >= 5 and tech >= 5:
        return "vgood"
    if price >= 4 and tech >= 4:
        return "good"
    if tech >= 2:
        return "acc"
    return "unacc"


def rows() -> list[list[str]]:
    return [[*combo, label(*combo)] for combo in itertools.product(BUYING, MAINT, DOORS, PERSONS, LUG_BOOT, SAFETY)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "work" / "car.data")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = rows()
    args.out.write_text("".join(",".join(row) + "\n" for row in data))
    counts = {c: sum(r[-1] == c for r in data) for c in ("unacc", "acc", "good", "vgood")}
    print(f"wrote {len(data)} rows to {args.out}: {counts}")


if __name__ == "__main__":
    main()
