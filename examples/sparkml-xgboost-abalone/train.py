"""Trains AWS's SparkML + XGBoost abalone pipeline locally.

Spark: StringIndexer(sex) → OneHotEncoder → VectorAssembler(sex_vec + 7 measurements = 9
features), fitted on the whole data set as the Glue script does, exported as an MLeap bundle →
work/sparkml/model.tar.gz. XGBoost regression on the label-first CSV with the notebook's
hyperparameters → work/xgboost/model.tar.gz. Also writes the batch input (8 columns, no rings)
and the host-side predictions for it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from example_support import ABALONE_COLUMNS, abalone_rows, write_csv  # noqa: E402

SCHEMA = {"input": [{"name": "sex", "type": "string"}, {"name": "length", "type": "double"},
                    {"name": "diameter", "type": "double"}, {"name": "height", "type": "double"},
                    {"name": "whole_weight", "type": "double"}, {"name": "shucked_weight", "type": "double"},
                    {"name": "viscera_weight", "type": "double"}, {"name": "shell_weight", "type": "double"}],
          "output": {"name": "features", "type": "double", "struct": "vector"}}


def train(data: Path, work: Path) -> None:
    import numpy as np
    import xgboost as xgb
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, StringIndexer, VectorAssembler
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    from inference_pipeline.archives import package_model_dir
    from inference_pipeline.mleap.export import export_pipeline, local_session
    from inference_pipeline.runtimes.versions import record_versions

    spark = local_session("abalone")
    schema = StructType([StructField("sex", StringType(), True)] +
                        [StructField(c, DoubleType(), True) for c in ABALONE_COLUMNS[1:]])
    total = spark.read.csv(str(data), header=False, schema=schema)
    stages = [StringIndexer(inputCol="sex", outputCol="indexed_sex"),
              OneHotEncoder(inputCol="indexed_sex", outputCol="sex_vec"),
              VectorAssembler(inputCols=["sex_vec", *ABALONE_COLUMNS[1:8]], outputCol="features")]
    model = Pipeline(stages=stages).fit(total)
    transformed = model.transform(total)
    rows = transformed.select("rings", "features").collect()
    y = np.array([r.rings for r in rows])
    x = np.array([r.features.toArray() for r in rows])
    params = {"objective": "reg:squarederror", "eta": 0.2, "gamma": 4, "max_depth": 5, "subsample": 0.7,
              "min_child_weight": 6, "seed": 7}
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=10)

    export_pipeline(model, work / "sparkml" / "model.tar.gz", dataset=transformed, archive="tar.gz", schema=SCHEMA,
                    check_jvm=True)
    xgb_dir = work / "xgboost" / "model"
    xgb_dir.mkdir(parents=True, exist_ok=True)
    (xgb_dir / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))
    record_versions(xgb_dir, ["xgboost-cpu"])
    package_model_dir(xgb_dir, work / "xgboost" / "model.tar.gz")

    batch = [row[:8] for row in abalone_rows(300, seed=99)]
    write_csv(batch, work / "batch" / "batch_input_abalone.csv")
    frame = spark.createDataFrame(batch, schema=StructType(schema.fields[:8]))
    features = np.array([r.features.toArray() for r in model.transform(frame).select("features").collect()])
    expected = booster.predict(xgb.DMatrix(features))
    (work / "expected.json").write_text(json.dumps([float(v) for v in expected]))
    first = spark.createDataFrame([("F", 0.515, 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255)], StructType(schema.fields[:8]))
    notebook_row = model.transform(first).select("features").first().features.toArray()
    (work / "expected_notebook_row.json").write_text(json.dumps(float(booster.predict(xgb.DMatrix([notebook_row]))[0])))
    print(f"trained on {len(y)} rows; sex labels by frequency: {model.stages[0].labels}")
    spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    train(args.data, args.work)


if __name__ == "__main__":
    main()
