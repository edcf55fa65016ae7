"""The AWS-style featurizer script served by the real serve process (granian) over HTTP."""

from __future__ import annotations

import io
import json
import time

import joblib
import numpy as np
import pandas as pd
import requests

from tests.support.sklearn_models import FEATURES

ROWS = "M, 0.44, 0.365, 0.125, 0.516, 0.2155, 0.114, 0.155\nF,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21\n"


def expected_features(model_dir, text: str) -> np.ndarray:
    frame = pd.read_csv(io.StringIO(text), header=None, skipinitialspace=True, names=FEATURES)
    return joblib.load(model_dir / "model.joblib").transform(frame)


def test_ping_is_200_with_empty_body(featurizer_server):
    response = requests.get(f"{featurizer_server.url}/ping", timeout=5)
    assert response.status_code == 200
    assert response.content == b""


def test_csv_in_csv_out_matches_host_transform(featurizer_server, featurizer_dir):
    response = requests.post(f"{featurizer_server.url}/invocations", data=ROWS,
                             headers={"Content-Type": "text/csv", "Accept": "text/csv"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    got = np.loadtxt(io.StringIO(response.text), delimiter=",", ndmin=2)
    want = expected_features(featurizer_dir, ROWS)
    assert got.shape == (2, 10)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_json_accept_gives_linear_learner_request_format(featurizer_server, featurizer_dir):
    row = ROWS.splitlines()[0]
    response = requests.post(f"{featurizer_server.url}/invocations", data=row,
                             headers={"Content-Type": "text/csv; charset=utf-8", "Accept": "application/json"},
                             timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["instances"] and len(body["instances"]) == 1
    np.testing.assert_allclose(body["instances"][0]["features"], expected_features(featurizer_dir, row)[0])


def test_missing_accept_uses_default_json(featurizer_server):
    response = requests.post(f"{featurizer_server.url}/invocations", data=ROWS.splitlines()[0],
                             headers={"Content-Type": "text/csv"}, timeout=10)
    assert response.status_code == 200
    assert "instances" in response.json()


def test_labelled_rows_put_label_first(featurizer_server, featurizer_dir):
    labelled = "M,0.44,0.365,0.125,0.516,0.2155,0.114,0.155,15\n"
    response = requests.post(f"{featurizer_server.url}/invocations", data=labelled,
                             headers={"Content-Type": "text/csv", "Accept": "text/csv"}, timeout=10)
    values = [float(v) for v in response.text.strip().split(",")]
    assert values[0] == 15.0 and len(values) == 11
    np.testing.assert_allclose(values[1:], expected_features(featurizer_dir, labelled.rsplit(",", 1)[0] + "\n")[0])


def test_script_value_error_is_a_client_error_with_its_message(featurizer_server):
    response = requests.post(f"{featurizer_server.url}/invocations", data=b"{}",
                             headers={"Content-Type": "application/json", "Accept": "application/json"}, timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert "not supported by script" in body["message"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert "Traceback" not in response.text


def test_execution_parameters(featurizer_server):
    response = requests.get(f"{featurizer_server.url}/execution-parameters", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"MaxConcurrentTransforms": 1, "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 6}


def test_unknown_route_is_404_json(featurizer_server):
    response = requests.get(f"{featurizer_server.url}/nope", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_request_log_line_is_structured(featurizer_server):
    requests.post(f"{featurizer_server.url}/invocations", data=ROWS, headers={"Content-Type": "text/csv",
                  "X-Amzn-SageMaker-Inference-Id": "trace-me-123"}, timeout=10)
    deadline = time.monotonic() + 5  # the access log is written off the request path, in batches
    while not (lines := [line for line in featurizer_server.log().splitlines() if "trace-me-123" in line]):
        assert time.monotonic() < deadline, featurizer_server.log()
        time.sleep(0.02)
    record = json.loads(lines[-1].split(": ", 1)[1])
    assert record["path"] == "/invocations" and record["status"] == 200
    assert record["bytes_in"] == len(ROWS) and record["latency_ms"] > 0
