"""Selectable inference outputs (SAGEMAKER_INFERENCE_OUTPUT) as SageMaker's XGBoost container
computes and encodes them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from inference_pipeline.runtimes.xgboost.outputs import encode_selected, parse_selected_keys, select
from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import ModelLoadError
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.runtime import InferenceRequest
from inference_pipeline.serving.settings import load_settings
from tests.support.xgboost_models import csv_body, model_dir_for, save, train, training_data

xgb = pytest.importorskip("xgboost")
ALL = ["predicted_label", "labels", "probability", "probabilities", "raw_score", "raw_scores"]


def test_keys_are_lower_cased_without_spaces():
    assert parse_selected_keys(" Predicted_Label , PROBABILITY") == ["predicted_label", "probability"]
    assert parse_selected_keys("") == [] and parse_selected_keys(None) == []


def test_binary_logistic_all_keys():
    rows = select([0.6, 0.1], ALL, "binary:logistic", 0)
    assert rows[0] == {"predicted_label": 1, "labels": [0, 1], "probability": 0.6,
                       "probabilities": [1.0 - 0.6, 0.6], "raw_score": 0.6, "raw_scores": [1.0 - 0.6, 0.6]}
    assert rows[1]["predicted_label"] == 0


def test_multiclass_and_regression_keys():
    softprob = select([[0.1, 0.5, 0.4]], ALL, "multi:softprob", 3)[0]
    assert softprob == {"predicted_label": 1, "labels": [0, 1, 2], "probability": 0.5,
                        "probabilities": [0.1, 0.5, 0.4], "raw_score": 0.5, "raw_scores": [0.1, 0.5, 0.4]}
    softmax = select([2.0], ALL, "multi:softmax", 3)[0]
    assert softmax["predicted_label"] == 2.0 and softmax["labels"] == [0, 1, 2]
    assert softmax["raw_scores"] == [-1.0, 2.0]  # AWS's [1 - v, v], whatever v is
    assert math.isnan(softmax["probability"]) and math.isnan(softmax["probabilities"])
    assert select([-7.6], ["predicted_label"], "binary:logitraw", 0)[0] == {"predicted_label": 0}
    regression = select([0.6], ["predicted_score", "predicted_label", "foo"], "reg:logistic", 0)[0]
    assert list(regression) == ["predicted_score", "predicted_label", "foo"]
    assert regression["predicted_score"] == 0.6 and math.isnan(regression["foo"])


def test_valid_keys_come_in_aws_order_and_csv_in_requested_order():
    keys = ["probabilities", "predicted_label"]
    rows = select([0.6, 0.1], keys, "binary:logistic", 0)
    assert list(rows[0]) == ["predicted_label", "probabilities"]
    csv = encode_selected(rows, keys, "text/csv", batch=False).decode()
    assert csv == f'"{[1.0 - 0.6, 0.6]}",1\n"{[1.0 - 0.1, 0.1]}",0'
    assert encode_selected(rows, keys, "text/csv", batch=True).decode().endswith("0\n")
    lines = encode_selected(rows, keys, "application/jsonlines", batch=False).decode().splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert json.loads(encode_selected(rows, keys, "application/json", batch=False)) == {"predictions": rows}
    records = recordio.read_recordio(encode_selected(rows, keys, "application/x-recordio-protobuf", batch=False))
    labels = [recordio.parse_record(r)[1] for r in records]
    assert [lab["predicted_label"].values.tolist() for lab in labels] == [[1.0], [0.0]]
    np.testing.assert_allclose(labels[1]["probabilities"].values, [0.9, 0.1], rtol=1e-6)


def invoke(runtime, body, accept):
    return runtime.invoke(InferenceRequest(body, MediaType.parse("text/csv"), MediaType.parse(accept), accept))


def test_runtime_selectable_outputs_match_booster(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_INFERENCE_OUTPUT", "predicted_label,probability,labels")
    model_dir, booster = model_dir_for("multi:softprob", "json", tmp_path)
    runtime = XGBoostRuntime(load_settings())
    runtime.load(model_dir)
    x, _ = training_data("multi:softprob", n=50, seed=4)
    probabilities = booster.predict(xgb.DMatrix(x))
    got = json.loads(invoke(runtime, csv_body(x), "application/json").body)["predictions"]
    assert [p["predicted_label"] for p in got] == probabilities.argmax(axis=1).tolist()
    assert [p["probability"] for p in got] == probabilities.max(axis=1).tolist()
    assert all(p["labels"] == [0, 1, 2, 3] for p in got)
    csv_lines = invoke(runtime, csv_body(x[:2]), "text/csv").body.decode().split("\n")
    assert csv_lines[0] == f"{got[0]['predicted_label']},{got[0]['probability']},\"[0, 1, 2, 3]\""


def test_selectable_outputs_need_a_supported_objective(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_INFERENCE_OUTPUT", "predicted_score")
    save(train("reg:absoluteerror", rounds=2), tmp_path / "mae", "json")
    runtime = XGBoostRuntime(load_settings())
    with pytest.raises(ModelLoadError, match="objective reg:absoluteerror has no selectable outputs"):
        runtime.load(tmp_path / "mae")
