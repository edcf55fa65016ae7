"""The post-processing runtime over HTTP: built-in processors, formats, errors, user scripts."""

from __future__ import annotations

import json
import textwrap
import time

import pytest
import requests

from tests.support.server import serve

CAR_LABELS = "unacc,acc,good,vgood"


def post(server, body, content_type="text/csv", accept=None):
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    return requests.post(f"{server.url}/invocations", data=body, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    model = tmp_path_factory.mktemp("post") / "model"
    model.mkdir()
    with serve("postprocessing", model, env={"POSTPROCESSOR": "label", "POSTPROCESSING_LABELS": CAR_LABELS},
               tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server


def test_index_to_label_like_the_sparkml_index_to_string(labels):
    response = post(labels, "3.0")
    assert response.status_code == 200 and response.text == "vgood"  # the sparkml image's body
    assert response.headers["Content-Type"].startswith("text/csv")
    assert post(labels, "3.0\n0.0\n").text == "vgood\nunacc"
    assert post(labels, "2", "text/csv; charset=utf-8", "*/*").text == "good"


def test_reads_algorithm_json_and_answers_per_accept(labels):
    body = json.dumps({"predictions": [{"score": 2.0}, {"score": 1.0}]})
    response = post(labels, body, "application/json", "application/json")
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"predictions": [{"label": "good"}, {"label": "acc"}]}
    lines = post(labels, '{"predicted_label": 0}\n3\n', "application/jsonlines", "application/jsonlines")
    assert lines.headers["Content-Type"].startswith("application/jsonlines")
    assert lines.text == '{"label": "unacc"}\n{"label": "vgood"}\n'


def test_errors_name_the_row_and_use_the_right_status(labels):
    bad = post(labels, "1.0\n7.0", accept="application/json")
    assert bad.status_code == 400 and "row 2: 7.0 is not a class index (0..3)" in bad.json()["message"]
    assert "row 1: 1.5 is not a class index" in post(labels, "1.5", accept="application/json").json()["message"]
    assert post(labels, "x").status_code == 400
    assert "predictions[1]" in post(labels, '{"predictions": [{"score": 1}, {"x": 1}]}', "application/json",
                                     "application/json").json()["message"]
    assert post(labels, "{not json", "application/json").status_code == 400
    assert post(labels, "<a/>", "application/xml").status_code == 415
    assert post(labels, "1.0", accept="image/png").status_code == 406
    assert post(labels, "").status_code == 204


@pytest.mark.parametrize("env,body,expected", [
    ({"POSTPROCESSOR": "argmax", "POSTPROCESSING_LABELS": "a,b,c"}, "0.1,0.7,0.2", "b,0.7"),
    ({"POSTPROCESSOR": "topk", "POSTPROCESSING_LABELS": "a,b,c", "POSTPROCESSING_TOP_K": "2"}, "0.1,0.7,0.2",
     "b,c,0.7,0.2"),
    ({"POSTPROCESSOR": "argmax"}, "[0.1, 0.2, 0.7]\n0.6", "2,0.7\n1,0.6"),  # XGBoost batch softprob; binary p
    ({"POSTPROCESSOR": "threshold", "POSTPROCESSING_LABELS": '["no", "yes"]', "POSTPROCESSING_THRESHOLD": "0.3"},
     "0.31\n0.2\n0.3", "yes\nno\nyes"),
    ({"POSTPROCESSOR": "threshold", "POSTPROCESSING_FIELDS": "label,score"}, "0.7", "1,0.7"),
    ({"POSTPROCESSOR": "regression", "POSTPROCESSING_ROUND": "0", "POSTPROCESSING_CLIP": "1,29"}, "10.6\n-3\n44",
     "11\n1\n29"),
    ({"POSTPROCESSOR": "regression", "POSTPROCESSING_ROUND": "2"}, "2.675", "2.68"),
    ({"POSTPROCESSOR": "label", "POSTPROCESSING_LABELS": "a,b", "POSTPROCESSING_ID_COLUMN": "true"},
     "row-7,1.0\nrow-8,0", "row-7,b\nrow-8,a"),
    ({}, "0.25\n0.5", "0.25\n0.5"),  # passthrough
])
def test_built_in_processors(tmp_path, env, body, expected):
    (tmp_path / "model").mkdir()
    with serve("postprocessing", tmp_path / "model", env=env, tmp_path=tmp_path) as server:
        response = post(server, body)
        assert response.status_code == 200, response.text
        assert response.text == expected


def test_config_file_labels_file_and_env_precedence(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "labels.txt").write_text("cat\ndog\n")
    (model / "postprocessing.json").write_text(json.dumps({"postprocessor": "argmax", "id_column": True}))
    with serve("postprocessing", model, env={"POSTPROCESSING_ID_COLUMN": "false"}, tmp_path=tmp_path) as server:
        assert post(server, "0.2,0.8").text == "dog,0.8"
        as_json = post(server, '{"score": [0.9, 0.1]}\n', "application/jsonlines", "application/json").json()
        assert as_json == {"predictions": [{"label": "cat", "probability": 0.9}]}


def test_xgboost_and_blazingtext_json_outputs(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    env = {"POSTPROCESSOR": "topk", "POSTPROCESSING_TOP_K": "2", "POSTPROCESSING_LABELS": '["x", "y", "z"]',
           "POSTPROCESSING_ID_COLUMN": "1"}
    with serve("postprocessing", model, env=env, tmp_path=tmp_path) as server:
        body = '{"id": 7, "probabilities": [0.2, 0.3, 0.5]}\n{"id": 8, "score": [0.6, 0.3, 0.1]}\n'
        response = post(server, body, "application/jsonlines", "application/jsonlines")
        assert [json.loads(line) for line in response.text.splitlines()] == [
            {"id": 7, "labels": ["z", "y"], "probabilities": [0.5, 0.3]},
            {"id": 8, "labels": ["x", "y"], "probabilities": [0.6, 0.3]}]
        assert post(server, "a,0.2,0.3,0.5\nb,1,0,0").text == "a,z,y,0.5,0.3\nb,x,y,1.0,0.0"


def test_user_script_overrides_output_fn_and_keeps_defaults(tmp_path):
    model = tmp_path / "model"
    (model / "code").mkdir(parents=True)
    (model / "code" / "post.py").write_text(textwrap.dedent("""
        def output_fn(prediction, accept):
            return ";".join(r["label"].upper() for r in prediction), "text/plain"
    """))
    env = {"SAGEMAKER_PROGRAM": "post.py", "POSTPROCESSOR": "label", "POSTPROCESSING_LABELS": CAR_LABELS}
    with serve("postprocessing", model, env=env, tmp_path=tmp_path) as server:
        response = post(server, "3.0\n1.0")
        assert response.text == "VGOOD;ACC" and response.headers["Content-Type"].startswith("text/plain")


def test_user_script_predict_fn_with_default_io(tmp_path):
    model = tmp_path / "model"
    (model / "code").mkdir(parents=True)
    (model / "code" / "post.py").write_text(textwrap.dedent("""
        def predict_fn(records, model):
            return [{"label": "high" if r.value > 10 else "low"} for r in records]
    """))
    with serve("postprocessing", model, env={"SAGEMAKER_PROGRAM": "post.py"}, tmp_path=tmp_path) as server:
        assert post(server, "12\n3", accept="application/jsonlines").text == '{"label": "high"}\n{"label": "low"}\n'


@pytest.mark.parametrize("env,message", [
    ({"POSTPROCESSOR": "label"}, "needs labels"),
    ({"POSTPROCESSOR": "softmax"}, "POSTPROCESSOR='softmax': choose one of"),
    ({"POSTPROCESSOR": "topk", "POSTPROCESSING_TOP_K": "0"}, "POSTPROCESSING_TOP_K='0': must be >= 1"),
])
def test_bad_configuration_fails_load_with_one_clear_line(tmp_path, env, message):
    (tmp_path / "model").mkdir()
    with serve("postprocessing", tmp_path / "model", env=env, wait_for=None, tmp_path=tmp_path) as server:
        deadline = time.monotonic() + 30
        text = ""
        while "failed" not in text:
            assert time.monotonic() < deadline, text
            time.sleep(0.05)
            try:
                ping = requests.get(f"{server.url}/ping", timeout=5)
            except requests.ConnectionError:
                continue
            text = ping.text
        assert ping.status_code == 503 and message in text
