"""Abalone featurizer for the SageMaker scikit-learn container, in the style of AWS's sample.

Training (``python sklearn_abalone_featurizer.py --train DIR --model-dir DIR``) fits a
ColumnTransformer: median-impute + scale the 7 measurements, constant-impute + one-hot ``sex``.
Serving: CSV in; labelled rows (9 columns) come back with the label first; JSON output is
Linear Learner's request format ``{"instances": [{"features": [...]}]}``.
"""

import argparse
import json
import os
from io import StringIO

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sagemaker_containers.beta.framework import encoders, worker

feature_columns_names = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
                         "viscera_weight", "shell_weight"]
label_column = "rings"
feature_columns_dtype = {"sex": "category", **{name: "float64" for name in feature_columns_names[1:]}}

# Each output row depends on its input row alone (imputers, scaler and one-hot encoder are
# fitted constants applied row by row), so the inference-pipeline sklearn image may merge
# concurrent requests into one transform call. AWS's container ignores this name.
ROW_INDEPENDENT = True


def read_training_frames(directory):
    files = [os.path.join(directory, name) for name in sorted(os.listdir(directory))]
    frames = [pd.read_csv(path, header=None, names=feature_columns_names + [label_column],
                          dtype={**feature_columns_dtype, label_column: "float64"}) for path in files]
    return pd.concat(frames)


def fit(train_dir, model_dir):
    frame = read_training_frames(train_dir).drop(label_column, axis=1)
    preprocessor = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         make_column_selector(dtype_exclude="category")),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")),
         make_column_selector(dtype_include="category")),
    ])
    preprocessor.fit(frame)
    joblib.dump(preprocessor, os.path.join(model_dir, "model.joblib"))


def input_fn(input_data, content_type):
    if content_type != "text/csv":
        raise ValueError(f"{content_type} not supported by script!")
    df = pd.read_csv(StringIO(input_data), header=None, skipinitialspace=True)
    if len(df.columns) == len(feature_columns_names) + 1:
        df.columns = feature_columns_names + [label_column]  # labelled rows
    elif len(df.columns) == len(feature_columns_names):
        df.columns = feature_columns_names
    else:
        raise ValueError(f"expected {len(feature_columns_names)} or {len(feature_columns_names) + 1} columns, got {len(df.columns)}")
    return df


def predict_fn(input_data, model):
    features = model.transform(input_data)
    if label_column in input_data:
        return np.insert(features, 0, input_data[label_column], axis=1)  # label first, for training
    return features


def output_fn(prediction, accept):
    # JSON is what the next container (Linear Learner) reads; the mimetype tells it so.
    if accept == "application/json":
        instances = [{"features": row} for row in prediction.tolist()]
        return worker.Response(json.dumps({"instances": instances}), mimetype=accept)
    if accept == "text/csv":
        return worker.Response(encoders.encode(prediction, accept), mimetype=accept)
    raise ValueError(f"{accept} accept type is not supported by this script.")


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()
    fit(args.train, args.model_dir)
