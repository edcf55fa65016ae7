"""The XGBoost runtime against Booster.predict: every objective × artifact format × request type."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
from inference_pipeline.serving.errors import BadRequest, InferenceError, ModelLoadError, NoContent, UnsupportedAccept
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.runtime import InferenceRequest
from inference_pipeline.serving.settings import load_settings
from tests.support.xgboost_models import (
    FORMATS,
    LEGACY_FORMATS,
    OBJECTIVES,
    bodies,
    csv_body,
    legacy_dir,
    legacy_predictions,
    model_dir_for,
    save,
    train,
    training_data,
)

xgb = pytest.importorskip("xgboost")


def make_runtime(model_dir, **settings) -> XGBoostRuntime:
    runtime = XGBoostRuntime(load_settings(**settings))
    runtime.load(model_dir)
    return runtime


def request(body: bytes, content_type: str | None, accept: str = "text/csv") -> InferenceRequest:
    media = MediaType.parse(content_type) if content_type else MediaType.parse("text/libsvm")
    return InferenceRequest(body, media, MediaType.parse(accept), accept)


def as_array(body: bytes) -> np.ndarray:
    return np.loadtxt(io.StringIO(body.decode()), delimiter=",", ndmin=2)


@pytest.mark.parametrize("objective", list(OBJECTIVES))
@pytest.mark.parametrize("fmt", FORMATS + LEGACY_FORMATS)
def test_predictions_equal_booster_predict(tmp_path, objective, fmt):
    model_dir, booster = model_dir_for(objective, fmt, tmp_path)
    runtime = make_runtime(model_dir)
    x, _ = training_data(objective, n=1000, seed=7)
    for rows in (x[:1], x):
        want = booster.predict(xgb.DMatrix(rows))
        for content_type, body in bodies(rows).items():
            response = runtime.invoke(request(body, content_type))
            assert response.content_type == "text/csv"
            # Byte for byte what AWS's CSV encoder writes for preds.tolist().
            expected = "".join((",".join(map(str, r)) if isinstance(r, list) else str(r)) + "\n"
                               for r in want.tolist())
            assert response.body.decode() == expected, f"{objective} {fmt} {content_type} {len(rows)} rows"


@pytest.mark.parametrize("objective", list(OBJECTIVES))
@pytest.mark.parametrize("fmt", LEGACY_FORMATS)
def test_legacy_artifacts_predict_what_xgboost_1_7_predicted(objective, fmt):
    runtime = make_runtime(legacy_dir(objective, fmt))
    x, _ = training_data(objective, n=200, seed=42)
    got = as_array(runtime.invoke(request(csv_body(x), "text/csv")).body)
    want = legacy_predictions(objective)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-6, atol=1e-7)


def test_json_accept_and_objective_shapes(tmp_path):
    x, _ = training_data("multi:softmax", n=3, seed=3)
    softmax = make_runtime(model_dir_for("multi:softmax", "json", tmp_path)[0])
    lines = softmax.invoke(request(csv_body(x), "text/csv")).body.decode().splitlines()
    assert len(lines) == 3 and all(line.endswith(".0") for line in lines)  # class ids as floats: 3.0
    softprob = make_runtime(model_dir_for("multi:softprob", "json", tmp_path)[0])
    rows = softprob.invoke(request(csv_body(x), "text/csv")).body.decode().splitlines()
    assert [len(r.split(",")) for r in rows] == [4, 4, 4]
    as_json = json.loads(softprob.invoke(request(csv_body(x), "text/csv", "application/json")).body)
    assert [len(p["score"]) for p in as_json["predictions"]] == [4, 4, 4]
    binary = make_runtime(model_dir_for("binary:logistic", "ubj", tmp_path)[0])
    scores = json.loads(binary.invoke(request(csv_body(x), "text/csv", "application/json")).body)["predictions"]
    assert all(set(p) == {"score"} and 0 < p["score"] < 1 for p in scores)


def test_jsonlines_accept_needs_selectable_outputs(tmp_path):
    runtime = make_runtime(model_dir_for("reg:squarederror", "json", tmp_path)[0])
    with pytest.raises(UnsupportedAccept):
        runtime.invoke(request(b"1,2,3,4,5", "text/csv", "application/jsonlines"))


def test_request_errors(tmp_path):
    runtime = make_runtime(model_dir_for("reg:squarederror", "json", tmp_path)[0])
    with pytest.raises(BadRequest, match="the model has 5 features, the request has 3"):
        runtime.invoke(request(b"1,2,3", "text/csv"))
    with pytest.raises(BadRequest, match="the model has 5 features, the largest feature index has 9"):
        runtime.invoke(request(b"0 9:1.5", "text/libsvm"))
    with pytest.raises(NoContent):
        runtime.invoke(request(b"", "text/csv"))
    with pytest.raises(NoContent):
        runtime.invoke(request(b"\n \n", "text/libsvm"))
    with pytest.raises(InferenceError) as info:
        runtime.invoke(request(b'{"instances": [[1, 2]]}', "application/json"))
    assert info.value.status == 415
    assert info.value.message.startswith("application/json is not an accepted ContentType")
    with pytest.raises(InferenceError) as info:
        runtime.invoke(request(b"1,2,3,4,5", "text/csv; label_size=2"))
    assert info.value.status == 415 and "label_size must be equal to 1" in info.value.message
    with pytest.raises(BadRequest, match="row 1, column 2"):
        runtime.invoke(request(b"1,x,3,4,5", "text/csv"))
    with pytest.raises(BadRequest, match="not valid utf-8"):
        runtime.invoke(request(b"\xff\xfe1,2", "text/csv"))


def test_fewer_libsvm_features_are_missing_values(tmp_path):
    model_dir, booster = model_dir_for("reg:squarederror", "ubj", tmp_path)
    runtime = make_runtime(model_dir)
    got = float(runtime.invoke(request(b"1:0.5 2:-1.0", "text/libsvm")).body)
    row = np.array([[0.5, -1.0, np.nan, np.nan, np.nan]], dtype=np.float32)
    assert got == float(booster.predict(xgb.DMatrix(row))[0])


def test_batch_mode_writes_python_repr_lines_whatever_the_accept(tmp_path):
    model_dir, booster = model_dir_for("multi:softprob", "json", tmp_path)
    runtime = make_runtime(model_dir, batch=True)
    x, _ = training_data("multi:softprob", n=3, seed=5)
    response = runtime.invoke(request(csv_body(x), "text/csv", "application/json"))
    want = "".join(f"{row}\n" for row in booster.predict(xgb.DMatrix(x)).tolist())
    assert response.body.decode() == want and response.content_type == "text/csv"


def test_ensemble_averages_and_votes(tmp_path, monkeypatch):
    x, _ = training_data("reg:squarederror", n=20, seed=9)
    first, second = train("reg:squarederror", rounds=4), train("reg:squarederror", rounds=9)
    save(first, tmp_path / "reg", "json", name="model-a")
    save(second, tmp_path / "reg", "ubj", name="model-b")
    runtime = make_runtime(tmp_path / "reg")
    got = as_array(runtime.invoke(request(csv_body(x), "text/csv")).body).ravel()
    want = np.mean([first.predict(xgb.DMatrix(x)), second.predict(xgb.DMatrix(x))], axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    monkeypatch.setenv("SAGEMAKER_INFERENCE_ENSEMBLE", "false")
    only_first = make_runtime(tmp_path / "reg")
    got = as_array(only_first.invoke(request(csv_body(x), "text/csv")).body).ravel()
    np.testing.assert_allclose(got, first.predict(xgb.DMatrix(x)), rtol=1e-6)
    monkeypatch.delenv("SAGEMAKER_INFERENCE_ENSEMBLE")

    members = [train("multi:softmax", rounds=r, max_depth=d) for r, d in ((2, 1), (8, 3), (5, 2))]
    for index, booster in enumerate(members):
        save(booster, tmp_path / "vote", "json", name=f"m{index}")
    votes = np.stack([b.predict(xgb.DMatrix(x)) for b in members]).astype(int)
    want_votes = [np.bincount(column).argmax() for column in votes.T]
    got_votes = as_array(make_runtime(tmp_path / "vote").invoke(request(csv_body(x), "text/csv")).body).ravel()
    assert got_votes.tolist() == [float(v) for v in want_votes]


def test_ensemble_members_must_agree(tmp_path):
    save(train("reg:squarederror"), tmp_path / "mixed", "json", name="a")
    save(train("binary:logistic"), tmp_path / "mixed", "json", name="b")
    with pytest.raises(ModelLoadError, match="ensemble members disagree"):
        make_runtime(tmp_path / "mixed")


def test_execution_parameters(tmp_path):
    import os

    runtime = make_runtime(model_dir_for("reg:squarederror", "json", tmp_path)[0])
    assert runtime.execution_parameters() == {"MaxConcurrentTransforms": os.cpu_count(),
                                              "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}
