"""Trains the three containers of the car-evaluation pipeline, as AWS's notebook does, locally.

1. Spark: StringIndexer(cat) → label (fitted on all rows); six StringIndexers + six
   OneHotEncoders + VectorAssembler (15 features) fitted on an 80% split; exported as an MLeap
   bundle → work/features/model.tar.gz (bundle.json + root/ at the top, as the notebook repacks it).
2. XGBoost multi:softmax (4 classes, num_round 10, mlogloss) on the label-first CSV the Glue job
   writes → work/xgboost/model.tar.gz holding `xgboost-model`.
3. Spark IndexToString(label → cat), labels taken from the label indexer as MLeap does →
   work/postprocess/model.tar.gz; also work/labels.txt for the postprocessing-image variant.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["buying", "maint", "doors", "persons", "lug_boot", "safety"]
FEATURES_SCHEMA = ('{"input":[{"type":"string","name":"buying"},{"type":"string","name":"maint"},'
                   '{"type":"string","name":"doors"},{"type":"string","name":"persons"},'
                   '{"type":"string","name":"lug_boot"},{"type":"string","name":"safety"}],'
                   '"output":{"type":"double","name":"features","struct":"vector"}}')
POSTPROCESS_SCHEMA = '{"input": [{"type": "double", "name": "label"}], "output": {"type": "string", "name": "cat"}}'


def train(data: Path, work: Path, seed: int = 42) -> dict[str, Path]:
    import json

    import numpy as np
    import xgboost as xgb
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import IndexToString, OneHotEncoder, StringIndexer, VectorAssembler

    from inference_pipeline.archives import package_model_dir
    from inference_pipeline.mleap.export import export_pipeline, local_session
    from inference_pipeline.runtimes.versions import record_versions

    spark = local_session("car-evaluation")
    frame = spark.read.csv(str(data), header=False).toDF(*COLUMNS, "cat").dropna()
    label_model = StringIndexer(inputCol="cat", outputCol="label").fit(frame)
    labelled = label_model.transform(frame)
    train_df, validation_df = labelled.randomSplit([0.8, 0.2], seed=seed)
    stages = [StringIndexer(inputCol=c, outputCol=f"indexed_{c}") for c in COLUMNS]
    stages += [OneHotEncoder(inputCol=f"indexed_{c}", outputCol=f"{c}_vec") for c in COLUMNS]
    stages.append(VectorAssembler(inputCols=[f"{c}_vec" for c in COLUMNS], outputCol="features"))
    features_model = Pipeline(stages=stages).fit(train_df)

    def label_first(df):
        rows = features_model.transform(df).select("label", "features").collect()
        return np.array([r.label for r in rows]), np.array([r.features.toArray() for r in rows])

    y_train, x_train = label_first(train_df)
    y_valid, x_valid = label_first(validation_df)
    booster = xgb.train({"objective": "multi:softmax", "num_class": 4, "eval_metric": "mlogloss"},
                        xgb.DMatrix(x_train, label=y_train), num_boost_round=10,
                        evals=[(xgb.DMatrix(x_valid, label=y_valid), "validation")], early_stopping_rounds=5,
                        verbose_eval=False)

    work.mkdir(parents=True, exist_ok=True)
    predictions = features_model.transform(validation_df)
    features_tar = export_pipeline(features_model, work / "features" / "model.tar.gz", dataset=predictions,
                                   archive="tar.gz", schema=json.loads(FEATURES_SCHEMA), check_jvm=True)
    post_tar = export_pipeline(IndexToString(inputCol="label", outputCol="cat"), work / "postprocess" / "model.tar.gz",
                               dataset=predictions, archive="tar.gz", schema=json.loads(POSTPROCESS_SCHEMA),
                               check_jvm=True)
    xgb_dir = work / "xgboost" / "model"
    xgb_dir.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(xgb_dir / "xgboost-model.json"))
    (xgb_dir / "xgboost-model").write_bytes((xgb_dir / "xgboost-model.json").read_bytes())
    (xgb_dir / "xgboost-model.json").unlink()
    record_versions(xgb_dir, ["xgboost-cpu"])
    xgb_tar = package_model_dir(xgb_dir, work / "xgboost" / "model.tar.gz")
    (work / "labels.txt").write_text("\n".join(label_model.labels) + "\n")
    # Host-side answers for every row, to compare the served pipeline with.
    all_rows = features_model.transform(labelled).select(*COLUMNS, "features").collect()
    expected = booster.predict(xgb.DMatrix(np.array([r.features.toArray() for r in all_rows])))
    (work / "expected.csv").write_text("".join(",".join([*(r[c] for c in COLUMNS),
                                                         label_model.labels[int(p)]]) + "\n"
                                               for r, p in zip(all_rows, expected)))
    (work / "batch").mkdir(exist_ok=True)
    (work / "batch" / "cars.csv").write_text("".join(",".join(r[c] for c in COLUMNS) + "\n" for r in all_rows))
    print(f"labels (index order): {label_model.labels}; features: {x_train.shape[1]}")
    spark.stop()
    return {"features": features_tar, "xgboost": xgb_tar, "postprocess": post_tar}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=HERE / "work" / "car.data")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    for name, path in train(args.data, args.work).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
