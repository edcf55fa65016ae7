"""The sparkml runtime over real HTTP: AWS sparkml-serving's contract, byte for byte."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.mleap_bundles import ABALONE_SCHEMA, abalone_pipeline, index_to_string, write
from tests.support.server import serve

ROW = "F,0.515,0.425,0.14,0.766,0.304,0.1725,0.255"
FEATURES = "0.0,0.0,0.515,0.425,0.14,0.766,0.304,0.1725,0.255"
ENV = {"SAGEMAKER_SPARKML_SCHEMA": json.dumps(ABALONE_SCHEMA)}


@pytest.fixture(scope="module")
def abalone(tmp_path_factory):
    model = write(abalone_pipeline(), tmp_path_factory.mktemp("sparkml") / "model")
    with serve("sparkml", model, env=ENV, tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server


def post(server, body, content_type, accept=None):
    headers = {"Content-Type": content_type}
    if accept is not None:
        headers["Accept"] = accept
    return requests.post(f"{server.url}/invocations", data=body, headers=headers, timeout=10)


def test_csv_row_gives_java_formatted_dense_vector(abalone):
    response = post(abalone, ROW, "text/csv")
    assert response.status_code == 200
    assert response.text == FEATURES
    assert response.headers["Content-Type"] == "text/csv"


def test_json_with_env_schema_and_in_body_schema(abalone):
    data = ["F", 0.515, 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255]
    assert post(abalone, json.dumps({"data": data}), "application/json", "text/csv").text == FEATURES
    reordered = json.loads(json.dumps(ABALONE_SCHEMA))
    reordered["input"][0], reordered["input"][1] = reordered["input"][1], reordered["input"][0]
    body = {"schema": reordered, "data": [0.515, "F", 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255]}
    assert post(abalone, json.dumps(body), "application/json").text == FEATURES


def test_jsonlines_accepts(abalone):
    features = post(abalone, ROW, "text/csv", "application/jsonlines")
    assert features.text == '{"features":[' + FEATURES + "]}"
    assert features.headers["Content-Type"] == "application/jsonlines"
    text = post(abalone, ROW, "text/csv", "application/jsonlines;data=text")
    assert text.text == '{"source":"' + FEATURES.replace(",", " ") + '"}'


def test_every_csv_row_is_transformed(abalone):
    response = post(abalone, ROW + "\nM,1,2,3,4,5,6,7\n", "text/csv")
    assert response.text == FEATURES + "\n1.0,0.0,1.0,2.0,3.0,4.0,5.0,6.0,7.0"


def test_jsonlines_request_gives_real_json_lines(abalone):
    body = json.dumps({"data": [["F", 0.515, 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255],
                                ["I", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]}) + "\n"
    response = post(abalone, body, "application/jsonlines", "text/csv")
    assert response.text == FEATURES + "\n0.0,1.0,1.0,2.0,3.0,4.0,5.0,6.0,7.0\n"


@pytest.mark.parametrize("accept", ["application/json", "text/plain", "text/csv, */*"])
def test_invalid_accept_is_400_with_aws_message(abalone, accept):
    response = post(abalone, ROW, "text/csv", accept)
    assert response.status_code == 400
    assert "Accept value passed via request or environment variable is not valid" in response.text


def test_errors(abalone):
    assert post(abalone, "", "text/csv").status_code == 204
    assert post(abalone, "x", "application/xml").status_code == 415
    unseen = post(abalone, "X,1,2,3,4,5,6,7", "text/csv")
    assert unseen.status_code == 400 and "Unseen label: X" in unseen.text
    short = post(abalone, "F,1,2", "text/csv")
    assert short.status_code == 400 and "row 1 has 3 values" in short.text
    bad_double = post(abalone, json.dumps({"data": ["F", "abc", 1, 1, 1, 1, 1, 1]}), "application/json")
    assert bad_double.status_code == 400 and 'For input string: "abc"' in bad_double.text
    bad_json = post(abalone, "{", "application/json")
    assert bad_json.status_code == 400


def test_execution_parameters_advertise_multi_record(abalone):
    params = requests.get(f"{abalone.url}/execution-parameters", timeout=5).json()
    assert params["BatchStrategy"] == "MULTI_RECORD"


def test_schema_from_bundle_file_and_no_schema(tmp_path):
    model = write(abalone_pipeline(), tmp_path / "with-file", schema=ABALONE_SCHEMA)
    with serve("sparkml", model, tmp_path=tmp_path) as server:
        assert post(server, ROW, "text/csv").text == FEATURES
    bare = write(abalone_pipeline(), tmp_path / "bare")
    with serve("sparkml", bare, tmp_path=tmp_path) as server:
        response = post(server, ROW, "text/csv")
        assert response.status_code == 400
        assert response.text.startswith("Input schema has to be provided either via environment variable")


def test_bad_schema_keeps_ping_503(tmp_path):
    model = write(abalone_pipeline(), tmp_path / "model")
    env = {"SAGEMAKER_SPARKML_SCHEMA": '{"input": [{"name": "sex", "type": "integer"}], "output": {}}'}
    with serve("sparkml", model, env=env, wait_for=503, tmp_path=tmp_path) as server:
        import time

        deadline = time.monotonic() + 20
        while "failed" not in (ping := requests.get(f"{server.url}/ping", timeout=5)).text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "invalid schema" in ping.text and "'integer'" in ping.text


def test_index_to_string_post_processing(tmp_path):
    model = write(index_to_string(["unacc", "acc", "good", "vgood"]), tmp_path / "post")
    env = {"SAGEMAKER_SPARKML_SCHEMA": '{"input": [{"type": "double", "name": "label"}], '
                                       '"output": {"type": "string", "name": "cat"}}'}
    with serve("sparkml", model, env=env, tmp_path=tmp_path) as server:
        response = post(server, "3.0", "text/csv")
        assert response.status_code == 200 and response.text == "vgood"
        assert post(server, "7.0", "text/csv").status_code == 400
