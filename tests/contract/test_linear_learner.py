"""The Linear Learner stand-in over HTTP, with models fitted by scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
from sklearn.linear_model import LinearRegression, LogisticRegression

from inference_pipeline.runtimes.linear_learner.model import save_linear_learner_model
from inference_pipeline.serving.codecs import recordio
from tests.support.server import serve

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4))


@pytest.fixture(scope="module")
def regressor(tmp_path_factory):
    model = LinearRegression().fit(X, X @ [1.0, -2.0, 0.5, 3.0] + 4)
    path = tmp_path_factory.mktemp("ll") / "model"
    save_linear_learner_model(path, model)
    with serve("linear-learner", path, tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server, model


def post(server, body, content_type, accept=None):
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    return requests.post(f"{server.url}/invocations", data=body, headers=headers, timeout=10)


def test_json_instances_regressor(regressor):
    server, model = regressor
    body = {"instances": [{"features": X[0].tolist()}, {"data": {"features": {"values": X[1].tolist()}}}]}
    response = post(server, json.dumps(body), "application/json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    scores = [p["score"] for p in response.json()["predictions"]]
    np.testing.assert_allclose(scores, model.predict(X[:2]), rtol=1e-12)


def test_csv_jsonlines_recordio_requests_and_accepts(regressor):
    server, model = regressor
    csv_body = "\n".join(",".join(repr(float(v)) for v in row) for row in X[:3])
    lines = post(server, csv_body, "text/csv", "application/jsonlines").text.splitlines()
    np.testing.assert_allclose([json.loads(line)["score"] for line in lines], model.predict(X[:3]), rtol=1e-12)
    jsonl = "\n".join(json.dumps({"features": row.tolist()}) for row in X[:3])
    as_csv = post(server, jsonl, "application/jsonlines", "text/csv").text
    np.testing.assert_allclose([float(v) for v in as_csv.split()], model.predict(X[:3]), rtol=1e-12)
    answer = post(server, recordio.encode_dense(X[:2]), "application/x-recordio-protobuf",
                  "application/x-recordio-protobuf")
    records = [recordio.parse_record(r)[1]["score"].dense()[0] for r in recordio.read_recordio(answer.content)]
    np.testing.assert_allclose(records, model.predict(X[:2].astype(np.float32)), rtol=1e-5)


def test_feature_dim_mismatch_is_400(regressor):
    server, _ = regressor
    response = post(server, "1,2,3", "text/csv")
    assert response.status_code == 400 and "feature_dim 4" in response.json()["message"]


def test_classifiers(tmp_path):
    binary = LogisticRegression().fit(X, X[:, 0] > 0)
    multi = LogisticRegression().fit(X, np.digitize(X[:, 0], [-0.5, 0.5]))
    save_linear_learner_model(tmp_path / "binary", binary)
    save_linear_learner_model(tmp_path / "multi", multi)
    with serve("linear-learner", tmp_path / "binary", tmp_path=tmp_path) as server:
        first = post(server, json.dumps({"instances": [{"features": X[0].tolist()}]}), "application/json")
        prediction = first.json()["predictions"][0]
        assert prediction["predicted_label"] == int(binary.predict(X[:1])[0])
        assert abs(prediction["score"] - binary.predict_proba(X[:1])[0, 1]) < 1e-12
    with serve("linear-learner", tmp_path / "multi", tmp_path=tmp_path) as server:
        prediction = post(server, ",".join(repr(float(v)) for v in X[0]), "text/csv").json()["predictions"][0]
        np.testing.assert_allclose(prediction["score"], multi.predict_proba(X[:1])[0], rtol=1e-10)
        assert prediction["predicted_label"] == int(multi.predict(X[:1])[0])


def test_missing_artifact_keeps_ping_503(tmp_path):
    (tmp_path / "empty").mkdir()
    with serve("linear-learner", tmp_path / "empty", wait_for=503, tmp_path=tmp_path) as server:
        import time

        deadline = time.monotonic() + 20
        while "failed" not in (ping := requests.get(f"{server.url}/ping", timeout=5)).text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "linear-learner.json" in ping.text
