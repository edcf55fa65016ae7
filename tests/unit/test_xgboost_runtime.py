"""The XGBoost runtime against Booster.predict: every objective × artifact format × request type."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from inference_pipeline.runtimes.base import InferenceRequest
from inference_pipeline.runtimes.xgboost import XGBoostRuntime
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, NoContent
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.settings import load_settings
from tests.support.xgboost_models import OBJECTIVES, save, train, training_data

xgb = pytest.importorskip("xgboost")


def runtime_for(tmp_path, objective, fmt):
    runtime = XGBoostRuntime(load_settings())
    runtime.load(save(train(objective), tmp_path / f"{objective}-{fmt}", fmt))
    return runtime


def request(body: bytes, content_type: str, accept: str = "text/csv") -> InferenceRequest:
    return InferenceRequest(body, MediaType.parse(content_type), MediaType.parse(accept), accept)


def to_csv(x: np.ndarray) -> bytes:
    return "\n".join(",".join("" if np.isnan(v) else repr(float(v)) for v in row) for row in x).encode()


def to_libsvm(x: np.ndarray) -> bytes:
    return "\n".join("0 " + " ".join(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row) if not np.isnan(v))
                     for row in x).encode()


@pytest.mark.parametrize("objective", list(OBJECTIVES))
@pytest.mark.parametrize("fmt", ["pickle", "json", "ubj"])
def test_predictions_equal_booster_predict(tmp_path, objective, fmt):
    booster = train(objective)
    runtime = XGBoostRuntime(load_settings())
    runtime.load(save(booster, tmp_path / "model", fmt))
    x, _ = training_data(objective, n=1000, seed=7)
    for rows in (x[:1], x):
        dense = np.nan_to_num(rows, nan=0.0)  # RecordIO dense tensors carry no missing values
        cases = {"text/csv": (to_csv(rows), rows), "text/libsvm": (to_libsvm(rows), rows),
                 "application/x-recordio-protobuf": (recordio.encode_dense(dense), dense)}
        for content_type, (body, source) in cases.items():
            if content_type == "text/libsvm":
                # libsvm leaves absent entries missing, exactly like NaN in a dense matrix
                want = booster.predict(xgb.DMatrix(rows))
            else:
                want = booster.predict(xgb.DMatrix(source))
            response = runtime.invoke(request(body, content_type))
            got = np.loadtxt(io.StringIO(response.body.decode()), delimiter=",", ndmin=2)
            np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-6, atol=1e-7,
                                       err_msg=f"{objective} {fmt} {content_type} {len(rows)} rows")


def test_response_shapes_per_objective(tmp_path):
    softmax = runtime_for(tmp_path, "multi:softmax", "json")
    x, _ = training_data("multi:softmax", n=2, seed=3)
    body = softmax.invoke(request(to_csv(x), "text/csv")).body.decode()
    assert all(line.endswith(".0") for line in body.splitlines())  # class ids as floats: 3.0
    softprob = runtime_for(tmp_path, "multi:softprob", "json")
    rows = softprob.invoke(request(to_csv(x), "text/csv")).body.decode().splitlines()
    assert len(rows) == 2 and all(len(r.split(",")) == 4 for r in rows)
    as_json = json.loads(softprob.invoke(request(to_csv(x), "text/csv", "application/json")).body)
    assert len(as_json["predictions"][0]["score"]) == 4


def test_errors(tmp_path):
    runtime = runtime_for(tmp_path, "reg:squarederror", "json")
    with pytest.raises(BadRequest, match="expects 5 features, the request has 3"):
        runtime.invoke(request(b"1,2,3", "text/csv"))
    with pytest.raises(NoContent):
        runtime.invoke(request(b"", "text/csv"))
    with pytest.raises(BadRequest) as info:
        runtime.invoke(request(b"[1]", "application/json"))
    assert info.value.status == 415 and "application/json is not supported" in info.value.message
    with pytest.raises(BadRequest, match="row 1, column 2"):
        runtime.invoke(request(b"1,x,3,4,5", "text/csv"))


def test_selectable_outputs_and_batch_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_INFERENCE_OUTPUT", "predicted_label,probabilities")
    runtime = runtime_for(tmp_path, "binary:logistic", "json")
    x, _ = training_data("binary:logistic", n=3, seed=5)
    body = json.loads(runtime.invoke(request(to_csv(x), "text/csv", "application/json")).body)
    first = body["predictions"][0]
    assert set(first) == {"predicted_label", "probabilities"} and abs(sum(first["probabilities"]) - 1) < 1e-6
    lines = runtime.invoke(request(to_csv(x), "text/csv", "application/jsonlines")).body.decode().splitlines()
    assert len(lines) == 3
    monkeypatch.delenv("SAGEMAKER_INFERENCE_OUTPUT")
    monkeypatch.setenv("SAGEMAKER_BATCH", "true")
    batch = runtime_for(tmp_path, "multi:softprob", "json")
    text = batch.invoke(request(to_csv(x), "text/csv", "application/json")).body.decode()
    assert text.startswith("[") and text.count("\n") == 3  # Python list repr per line, whatever Accept says
