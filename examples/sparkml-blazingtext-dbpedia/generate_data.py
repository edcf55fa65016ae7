"""Writes DBpedia-ontology-shaped data: train.csv / test.csv (label 1–14, title, abstract; the text
fields quoted, as in Zhang et al.'s dataset) and batch_input_dbpedia.csv (one abstract per line).

Each of the 14 classes has its own vocabulary mixed with common words, so a text classifier has
something to learn. The real files are the DBpedia ontology dataset's train.csv/test.csv.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CLASSES = {
    1: ("Company", "company founded headquartered manufacturer corporation subsidiary products industry"),
    2: ("EducationalInstitution", "school college university students campus founded education secondary"),
    3: ("Artist", "singer musician painter band album songwriter recorded artist"),
    4: ("Athlete", "footballer player played league team season olympic championship"),
    5: ("OfficeHolder", "politician served minister elected member parliament governor party"),
    6: ("MeanOfTransportation", "aircraft ship locomotive engine designed built vessel launched"),
    7: ("Building", "building built tower church hotel architecture historic floors"),
    8: ("NaturalPlace", "mountain river lake located range elevation valley glacier"),
    9: ("Village", "village population district county census municipality rural gmina"),
    10: ("Animal", "species genus family moth snail found described beetle"),
    11: ("Plant", "plant species flowering genus endemic shrub leaves native"),
    12: ("Album", "album released studio records tracks recorded debut label"),
    13: ("Film", "film directed starring released drama comedy produced movie"),
    14: ("WrittenWork", "novel book published author written magazine series story"),
}
COMMON = "the a of in and was is by for with its from as on an which it has at".split()


def abstract(rng: np.random.Generator, label: int) -> str:
    words = list(rng.choice(CLASSES[label][1].split(), 6)) + list(rng.choice(COMMON, 10))
    rng.shuffle(words)
    words[0] = words[0].capitalize()
    return " ".join(words) + " ."


def write(path: Path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        for _ in range(n):
            label = int(rng.integers(1, 15))
            writer.writerow([label, f"{CLASSES[label][0]} {int(rng.integers(1, 10_000))}", abstract(rng, label)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE / "work" / "data")
    args = parser.parse_args()
    write(args.out / "train.csv", 5600, seed=1)
    write(args.out / "test.csv", 700, seed=2)
    rng = np.random.default_rng(3)
    batch = [abstract(rng, int(rng.integers(1, 15))) for _ in range(200)]
    (args.out / "batch" / "batch_input_dbpedia.csv").parent.mkdir(parents=True, exist_ok=True)
    (args.out / "batch" / "batch_input_dbpedia.csv").write_text("\n".join(batch) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
