"""Trains the dbpedia pipeline locally: Spark's Tokenizer over `abstract` (used directly, not in a
Pipeline, as the Glue script does) exported as an MLeap bundle → work/sparkml/model.tar.gz, and
a fastText supervised model (BlazingText's supervised mode) on `__label__<k> <tokens>` lines →
work/blazingtext/model.tar.gz holding model.bin.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = {"input": [{"name": "abstract", "type": "string"}],
          "output": {"name": "tokenized_abstract", "type": "string", "struct": "array"}}


def train(data: Path, work: Path) -> None:
    import fasttext
    from pyspark.ml.feature import Tokenizer
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    from inference_pipeline.archives import package_model_dir
    from inference_pipeline.mleap.export import export_pipeline, local_session

    spark = local_session("dbpedia")
    schema = StructType([StructField("label", IntegerType()), StructField("title", StringType()),
                         StructField("abstract", StringType())])
    tokenizer = Tokenizer(inputCol="abstract", outputCol="tokenized_abstract")
    lines = {}
    for split in ("train", "test"):
        frame = spark.read.csv(str(data / f"{split}.csv"), header=False, schema=schema, encoding="UTF-8")
        tokenized = tokenizer.transform(frame)
        lines[split] = [f"__label__{r.label} " + " ".join(r.tokenized_abstract)
                        for r in tokenized.select("label", "tokenized_abstract").collect()]
    export_pipeline(tokenizer, work / "sparkml" / "model.tar.gz", dataset=tokenized, archive="tar.gz", schema=SCHEMA,
                    check_jvm=True)
    spark.stop()

    (work / "fasttext").mkdir(parents=True, exist_ok=True)
    (work / "fasttext" / "train.txt").write_text("\n".join(lines["train"]) + "\n")
    (work / "fasttext" / "validation.txt").write_text("\n".join(lines["test"]) + "\n")
    # The notebook's BlazingText hyperparameters (mode=supervised) in fastText's names.
    model = fasttext.train_supervised(str(work / "fasttext" / "train.txt"), epoch=10, lr=0.05, dim=10, minCount=2,
                                      wordNgrams=2, thread=1, seed=7, verbose=0)
    bt_dir = work / "blazingtext" / "model"
    bt_dir.mkdir(parents=True, exist_ok=True)
    model.save_model(str(bt_dir / "model.bin"))
    package_model_dir(bt_dir, work / "blazingtext" / "model.tar.gz")
    samples, precision, _ = model.test(str(work / "fasttext" / "validation.txt"))
    (work / "validation.json").write_text(json.dumps({"samples": samples, "precision_at_1": precision}))
    print(f"fastText: precision@1 {precision:.3f} on {samples} validation abstracts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=HERE / "work" / "data")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    train(args.data, args.work)


if __name__ == "__main__":
    main()
