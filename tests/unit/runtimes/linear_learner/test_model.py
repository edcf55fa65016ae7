"""The Linear Learner stand-in: artifact writer/reader and response shapes, against scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inference_pipeline.runtimes.linear_learner.model import ARTIFACT, save_linear_learner_model
from inference_pipeline.runtimes.linear_learner.runtime import LinearLearnerRuntime
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, ModelLoadError
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.runtime import InferenceRequest

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

RNG = np.random.default_rng(1)
X = RNG.normal(loc=3.0, scale=2.0, size=(80, 6))
Y = X @ [1.0, -2.0, 0.5, 3.0, 0.0, 1.5] + 4 + RNG.normal(scale=0.1, size=80)


def runtime_for(model_dir) -> LinearLearnerRuntime:
    runtime = LinearLearnerRuntime()
    runtime.load(model_dir)
    return runtime


def ask(runtime, body: bytes, content_type="text/csv", accept="application/json"):
    return runtime.invoke(InferenceRequest(body, MediaType.parse(content_type), MediaType.parse(accept), accept))


def csv_rows(x) -> bytes:
    return "\n".join(",".join(repr(float(v)) for v in row) for row in x).encode()


@pytest.mark.parametrize("estimator", [LinearRegression(), SGDRegressor(random_state=0, max_iter=2000),
                                       make_pipeline(StandardScaler(), LinearRegression())],
                         ids=["linear", "sgd", "scaled-pipeline"])
def test_regressors_score_as_sklearn_predicts(tmp_path, estimator):
    x = StandardScaler().fit_transform(X) if isinstance(estimator, SGDRegressor) else X
    estimator.fit(x, Y)
    save_linear_learner_model(tmp_path, estimator)
    scores = [p["score"] for p in json.loads(ask(runtime_for(tmp_path), csv_rows(x)).body)["predictions"]]
    np.testing.assert_allclose(scores, estimator.predict(x), rtol=1e-10, atol=1e-9)


def test_label_scaling_and_feature_standardisation(tmp_path):
    mean, std = X.mean(axis=0), X.std(axis=0)
    target_mean, target_std = Y.mean(), Y.std()
    model = LinearRegression().fit((X - mean) / std, (Y - target_mean) / target_std)
    save_linear_learner_model(tmp_path, model, feature_mean=mean, feature_std=std,
                              label_mean=target_mean, label_std=target_std)
    scores = [p["score"] for p in json.loads(ask(runtime_for(tmp_path), csv_rows(X)).body)["predictions"]]
    np.testing.assert_allclose(scores, model.predict((X - mean) / std) * target_std + target_mean, rtol=1e-10)


def test_binary_classifier_and_threshold(tmp_path):
    model = LogisticRegression().fit(X, Y > np.median(Y))
    save_linear_learner_model(tmp_path / "default", model)
    predictions = json.loads(ask(runtime_for(tmp_path / "default"), csv_rows(X)).body)["predictions"]
    np.testing.assert_allclose([p["score"] for p in predictions], model.predict_proba(X)[:, 1], rtol=1e-10)
    assert [p["predicted_label"] for p in predictions] == model.predict(X).astype(int).tolist()
    save_linear_learner_model(tmp_path / "strict", model, binary_threshold=0.9)
    strict = json.loads(ask(runtime_for(tmp_path / "strict"), csv_rows(X)).body)["predictions"]
    assert [p["predicted_label"] for p in strict] == (model.predict_proba(X)[:, 1] > 0.9).astype(int).tolist()


def test_multiclass_classifier(tmp_path):
    labels = np.digitize(Y, np.quantile(Y, [0.33, 0.66]))
    model = LogisticRegression(max_iter=1000).fit(X, labels)
    save_linear_learner_model(tmp_path, model)
    runtime = runtime_for(tmp_path)
    predictions = json.loads(ask(runtime, csv_rows(X)).body)["predictions"]
    np.testing.assert_allclose([p["score"] for p in predictions], model.predict_proba(X), rtol=1e-9)
    assert [p["predicted_label"] for p in predictions] == model.predict(X).tolist()
    first = ask(runtime, csv_rows(X[:1]), accept="text/csv").body.decode().strip().split(",")
    assert len(first) == 4 and first[-1] == str(predictions[0]["predicted_label"])


def test_response_formats(tmp_path):
    model = LogisticRegression().fit(X, Y > np.median(Y))
    save_linear_learner_model(tmp_path, model)
    runtime = runtime_for(tmp_path)
    want = json.loads(ask(runtime, csv_rows(X[:3])).body)["predictions"]
    lines = ask(runtime, csv_rows(X[:3]), accept="application/jsonlines").body.decode().splitlines()
    assert [json.loads(line) for line in lines] == want
    csv = ask(runtime, csv_rows(X[:3]), accept="text/csv").body.decode().splitlines()
    assert csv == [f"{p['score']!r},{p['predicted_label']}" for p in want]
    body = ask(runtime, csv_rows(X[:3]), accept="application/x-recordio-protobuf").body
    labels = [recordio.parse_record(r)[1] for r in recordio.read_recordio(body)]
    assert [lab["predicted_label"].values.tolist() for lab in labels] == [[p["predicted_label"]] for p in want]
    np.testing.assert_allclose([lab["score"].values[0] for lab in labels], [p["score"] for p in want], rtol=1e-6)


def test_request_forms_agree(tmp_path):
    model = LinearRegression().fit(X, Y)
    save_linear_learner_model(tmp_path, model)
    runtime = runtime_for(tmp_path)
    rows = X[:2]
    forms = {
        "application/json": [
            json.dumps({"instances": [{"features": r.tolist()} for r in rows]}),
            json.dumps({"instances": [{"data": {"features": {"values": r.tolist()}}} for r in rows]}),
        ],
        "application/jsonlines": ["\n".join(json.dumps({"features": r.tolist()}) for r in rows)],
        "application/x-recordio-protobuf": [recordio.encode_dense(rows)],
        "text/csv": [csv_rows(rows)],
    }
    for content_type, bodies in forms.items():
        for body in bodies:
            data = body if isinstance(body, bytes) else body.encode()
            scores = [p["score"] for p in json.loads(ask(runtime, data, content_type).body)["predictions"]]
            np.testing.assert_allclose(scores, model.predict(rows), rtol=1e-6, err_msg=content_type)
    sparse = {"instances": [{"data": {"features": {"keys": [0, 3], "shape": [6], "values": [1.0, 2.0]}}}]}
    got = json.loads(ask(runtime, json.dumps(sparse).encode(), "application/json").body)["predictions"][0]["score"]
    assert got == pytest.approx(model.predict([[1.0, 0, 0, 2.0, 0, 0]])[0], rel=1e-12)


def test_feature_dim_mismatch_names_both(tmp_path):
    save_linear_learner_model(tmp_path, LinearRegression().fit(X, Y))
    with pytest.raises(BadRequest, match="the model has feature_dim 6, the request has 3 features"):
        ask(runtime_for(tmp_path), b"1,2,3")
    with pytest.raises(BadRequest, match="features must be numbers"):
        ask(runtime_for(tmp_path), b"a,b,c,d,e,f")


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "other"}, "format"),
    ({"version": 2}, "unsupported version 2"),
    ({"predictor_type": "ranker"}, "predictor_type must be one of"),
    ({"bias": [1.0, 2.0]}, "one bias per output"),
    ({"feature_dim": 5}, "outputs × feature_dim"),
    ({"weights": [["x"] * 6]}, "must be numbers"),
    ({"feature_mean": [0.0] * 6}, "feature_mean and feature_std go together"),
    ({"predictor_type": "multiclass_classifier"}, "needs one weight row per class"),
])
def test_invalid_artifacts_fail_with_one_line(tmp_path, change, message):
    path = save_linear_learner_model(tmp_path, LinearRegression().fit(X, Y))
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(ModelLoadError, match=message):
        runtime_for(tmp_path)


def test_missing_or_aws_artifacts(tmp_path):
    with pytest.raises(ModelLoadError, match=f"{ARTIFACT} is missing"):
        runtime_for(tmp_path)
    (tmp_path / "model_algo-1").write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelLoadError, match="AWS Linear Learner's model_algo-1"):
        runtime_for(tmp_path)


def test_writer_rejects_what_linear_learner_cannot_express(tmp_path):
    with pytest.raises(ValueError, match="classes must be 0..n-1"):
        save_linear_learner_model(tmp_path, LogisticRegression().fit(X, np.where(Y > 4, "hi", "lo")))
    with pytest.raises(ValueError, match="predictor_type must be one of"):
        save_linear_learner_model(tmp_path, LinearRegression().fit(X, Y), predictor_type="ranker")
