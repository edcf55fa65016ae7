"""A featurizer script in the style AWS's sklearn container expects (legacy imports included).

Labelled rows (9 columns, label last) come back with the label first; unlabelled rows (8
columns) give only the features. JSON output is Linear Learner's request format.
"""

import json
import os
from io import StringIO

import joblib
import numpy as np
import pandas as pd
from sagemaker_containers.beta.framework import encoders, worker

feature_columns_names = ["sex", "length", "diameter", "height", "whole_weight",
                         "shucked_weight", "viscera_weight", "shell_weight"]
label_column = "rings"


def input_fn(input_data, content_type):
    if content_type == "text/csv":
        df = pd.read_csv(StringIO(input_data), header=None, skipinitialspace=True)
        if len(df.columns) == len(feature_columns_names) + 1:
            df.columns = feature_columns_names + [label_column]
        elif len(df.columns) == len(feature_columns_names):
            df.columns = feature_columns_names
        return df
    raise ValueError("{} not supported by script!".format(content_type))


def output_fn(prediction, accept):
    if accept == "application/json":
        instances = [{"features": row} for row in prediction.tolist()]
        return worker.Response(json.dumps({"instances": instances}), mimetype=accept)
    if accept == "text/csv":
        return worker.Response(encoders.encode(prediction, accept), mimetype=accept)
    raise ValueError("{} accept type is not supported by this script.".format(accept))


def predict_fn(input_data, model):
    features = model.transform(input_data)
    if label_column in input_data:
        return np.insert(features, 0, input_data[label_column], axis=1)
    return features


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
