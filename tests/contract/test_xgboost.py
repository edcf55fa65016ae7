"""The XGBoost runtime behind the real ``serve`` process (granian), over HTTP."""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pytest
import requests

from tests.support.server import serve
from tests.support.xgboost_models import OBJECTIVES, bodies, csv_body, model_dir_for, training_data

xgb = pytest.importorskip("xgboost")
#: One artifact format per objective keeps the servers few; the unit tests cross them all.
SERVED = {"reg:squarederror": "pickle", "binary:logistic": "binary", "multi:softmax": "ubj",
          "multi:softprob": "legacy-pickle"}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xgb")
    running = {}
    from contextlib import ExitStack

    with ExitStack() as stack:
        for objective, fmt in SERVED.items():
            model_dir, booster = model_dir_for(objective, fmt, tmp)
            server = stack.enter_context(serve("xgboost", model_dir, tmp_path=tmp))
            running[objective] = (server, booster)
        yield running


def post(url: str, body: bytes | str, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{url}/invocations", data=body, headers=headers, timeout=30)


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_predictions_equal_booster_predict(servers, objective):
    server, booster = servers[objective]
    x, _ = training_data(objective, n=1000, seed=13)
    for rows in (x[:1], x):
        want = booster.predict(xgb.DMatrix(rows))
        for content_type, body in bodies(rows).items():
            response = post(server.url, body, {"Content-Type": content_type})
            assert response.status_code == 200, response.text
            assert response.headers["Content-Type"].startswith("text/csv")
            got = np.loadtxt(io.StringIO(response.text), delimiter=",", ndmin=2)
            np.testing.assert_array_equal(got.reshape(want.shape), want.astype(np.float64),
                                          err_msg=f"{objective} {content_type} {len(rows)} rows")


def test_missing_content_type_is_libsvm_and_json_accept(servers):
    server, booster = servers["multi:softprob"]
    x, _ = training_data("multi:softprob", n=5, seed=2)
    no_type = requests.post(f"{server.url}/invocations", data=bodies(x)["text/libsvm"], timeout=10,
                            headers={"Content-Type": ""})
    assert no_type.status_code == 200
    np.testing.assert_array_equal(np.loadtxt(io.StringIO(no_type.text), delimiter=","),
                                  booster.predict(xgb.DMatrix(x)))
    as_json = post(server.url, csv_body(x), {"Content-Type": "text/csv", "Accept": "application/json"}).json()
    assert as_json == {"predictions": [{"score": row} for row in booster.predict(xgb.DMatrix(x)).tolist()]}
    wildcard = post(server.url, csv_body(x), {"Content-Type": "text/csv", "Accept": "*/*"})
    assert wildcard.headers["Content-Type"].startswith("text/csv")


def test_error_statuses(servers):
    server, _ = servers["reg:squarederror"]
    csv = {"Content-Type": "text/csv"}
    assert post(server.url, "", csv).status_code == 204
    unsupported = post(server.url, '{"instances": [[1, 2, 3, 4, 5]]}', {"Content-Type": "application/json"})
    assert unsupported.status_code == 415
    assert "application/json is not an accepted ContentType" in unsupported.json()["message"]
    assert post(server.url, "1,2,3,4,5", {"Content-Type": "image/png"}).status_code == 415
    assert post(server.url, "1,2,3,4,5", {"Content-Type": "text/csv; label_size=0"}).status_code == 415
    assert post(server.url, "1,2,3,4,5", {**csv, "Accept": "image/png"}).status_code == 406
    assert post(server.url, "1,2,3,4,5", {**csv, "Accept": "application/jsonlines"}).status_code == 406
    mismatch = post(server.url, "1,2,3", csv)
    assert mismatch.status_code == 400
    assert "the model has 5 features, the request has 3" in mismatch.json()["message"]
    garbage = post(server.url, "1,2,oops,4,5", csv)
    assert garbage.status_code == 400 and "row 1, column 3" in garbage.json()["message"]
    too_big = post(server.url, b"1" * (6 * 1024 * 1024 + 1), csv)
    assert too_big.status_code == 413


def test_execution_parameters_and_ping(servers):
    server, _ = servers["binary:logistic"]
    assert requests.get(f"{server.url}/ping", timeout=5).status_code == 200
    params = requests.get(f"{server.url}/execution-parameters", timeout=5).json()
    assert params == {"MaxConcurrentTransforms": os.cpu_count(), "BatchStrategy": "MULTI_RECORD",
                      "MaxPayloadInMB": 6}


def test_selectable_outputs_and_batch_mode(tmp_path):
    model_dir, booster = model_dir_for("binary:logistic", "json", tmp_path)
    x, _ = training_data("binary:logistic", n=20, seed=21)
    p = booster.predict(xgb.DMatrix(x)).tolist()
    env = {"SAGEMAKER_INFERENCE_OUTPUT": "predicted_label, probability,raw_scores", "SAGEMAKER_BATCH": "true"}
    with serve("xgboost", model_dir, env=env, tmp_path=tmp_path) as server:
        as_json = post(server.url, csv_body(x), {"Content-Type": "text/csv", "Accept": "application/json"})
        assert as_json.json()["predictions"][0] == {"predicted_label": int(p[0] > 0.5), "probability": p[0],
                                                    "raw_scores": [1.0 - p[0], p[0]]}
        lines = post(server.url, csv_body(x), {"Content-Type": "text/csv", "Accept": "application/jsonlines"})
        assert lines.headers["Content-Type"].startswith("application/jsonlines")
        assert [json.loads(line)["probability"] for line in lines.text.splitlines()] == p
        csv = post(server.url, csv_body(x[:2]), {"Content-Type": "text/csv"}).text
        assert csv == "".join(f'{int(v > 0.5)},{v},"{[1.0 - v, v]}"\n' for v in p[:2])  # batch: trailing \n
    with serve("xgboost", model_dir, env={"SAGEMAKER_BATCH": "true"}, tmp_path=tmp_path) as server:
        batch = post(server.url, csv_body(x[:3]), {"Content-Type": "text/csv", "Accept": "application/json"})
        assert batch.text == "".join(f"{v}\n" for v in p[:3])
