"""Post-processing: configuration (env over postprocessing.json), readers, processors, writers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference_pipeline.runtimes.postprocessing.io import read_records, write_rows
from inference_pipeline.runtimes.postprocessing.postprocessors import apply, load_config, round_half_up
from inference_pipeline.serving.errors import BadRequest, ModelLoadError, UnsupportedContentType
from inference_pipeline.serving.media import MediaType

CSV, JSON, JSONL = MediaType("text/csv"), MediaType("application/json"), MediaType("application/jsonlines")


def run(env: dict[str, str], body: str, media: MediaType = CSV, accept: str = "text/csv",
        model_dir: Path | None = None, tmp_path: Path | None = None) -> str:
    directory = model_dir or tmp_path or Path("/nonexistent")
    config = load_config(directory, env)
    rows = apply(config, read_records(body.encode(), media, id_column=config.id_column))
    return write_rows(rows, accept).decode()


# ------------------------------------------------------------------ reading


def test_csv_scalars_vectors_ids_and_bracketed_lists():
    records = read_records(b"3.0\n\n0.1,0.9\n[0.2, 0.8]\nvgood\n", CSV)
    assert [(r.where, r.value) for r in records] == [
        ("row 1", 3.0), ("row 3", [0.1, 0.9]), ("row 4", [0.2, 0.8]), ("row 5", "vgood")]
    with_ids = read_records(b'a,1\n"b,c","[0.4, 0.6]"\n', CSV, id_column=True)
    assert [(r.id, r.value) for r in with_ids] == [("a", 1.0), ("b,c", [0.4, 0.6])]
    with pytest.raises(BadRequest, match="row 1 has only the id column"):
        read_records(b"a\n", CSV, id_column=True)


def test_json_shapes_from_algorithm_containers():
    xgb = read_records(b'{"predictions": [{"score": 0.4}, {"score": 0.6}]}', JSON)
    assert [(r.where, r.value) for r in xgb] == [("predictions[0]", {"score": 0.4}), ("predictions[1]", {"score": 0.6})]
    blazing = read_records(b'[{"label": ["__label__a"], "prob": [0.9]}]', JSON)
    assert blazing[0].value == {"label": ["__label__a"], "prob": [0.9]}
    assert read_records(b"0.5", JSON)[0].value == 0.5
    assert [r.id for r in read_records(b'[["x", 0.1], ["y", 0.2, 0.3]]', JSON, id_column=True)] == ["x", "y"]
    lines = read_records(b'{"id": 1, "score": 2}\n\n[3, 4]\n', JSONL, id_column=True)
    assert [(r.where, r.id, r.value) for r in lines] == [("line 1", 1, {"score": 2}), ("line 3", 3, 4)]


@pytest.mark.parametrize("body,media,message", [
    (b"{", JSON, "the body is not valid JSON"),
    (b'{"a": 1}\n{', JSONL, "line 2 is not valid JSON"),
    (b'{"score": 1}', JSONL, 'line 1 has no id'),
    (b"\xff", CSV, "not valid utf-8"),
])
def test_unreadable_bodies_are_bad_requests(body, media, message):
    with pytest.raises(BadRequest, match=message):
        read_records(body, media, id_column=b"score" in body)


def test_unsupported_content_type():
    with pytest.raises(UnsupportedContentType):
        read_records(b"x", MediaType("application/x-npy"))


# ------------------------------------------------------------------ writing


def test_csv_output_has_no_trailing_newline_and_quotes_when_needed():
    rows = [{"label": "vgood"}, {"id": "a,b", "labels": ["x", "y"], "probabilities": [0.5, 0.25]},
            {"flag": True, "none": None}]
    assert write_rows(rows, "text/csv") == b'vgood\n"a,b",x,y,0.5,0.25\ntrue,'
    assert write_rows([{"label": "vgood"}], "application/jsonlines") == b'{"label": "vgood"}\n'
    assert json.loads(write_rows(rows[:1], "application/json")) == {"predictions": [{"label": "vgood"}]}
    # One NaN policy for every JSON writer (serving.codecs.safe_json): null, never NaN.
    assert write_rows([{"score": float("nan"), "hi": float("inf")}], "application/json") == \
        b'{"predictions": [{"score": null, "hi": null}]}'
    assert write_rows([[float("-inf")]], "application/jsonlines") == b'[null]\n'


# ------------------------------------------------------------------ configuration


def test_env_wins_over_the_config_file_and_labels_files(tmp_path):
    (tmp_path / "postprocessing.json").write_text(json.dumps(
        {"postprocessor": "threshold", "threshold": 0.9, "labels": ["neg", "pos"]}))
    config = load_config(tmp_path, {"POSTPROCESSING_THRESHOLD": "0.2"})
    assert (config.postprocessor, config.threshold, config.labels) == ("threshold", 0.2, ("neg", "pos"))
    (tmp_path / "postprocessing.json").write_text(json.dumps({"postprocessor": "label"}))
    (tmp_path / "labels.json").write_text('["a", "b", 3]')
    assert load_config(tmp_path, {}).labels == ("a", "b", 3)
    (tmp_path / "mine.txt").write_text("x\ny\n\n")
    assert load_config(tmp_path, {"POSTPROCESSING_LABELS_FILE": "mine.txt"}).labels == ("x", "y")
    assert load_config(tmp_path, {"POSTPROCESSING_LABELS": '["p", "q"]'}).labels == ("p", "q")


@pytest.mark.parametrize("env,file,message", [
    ({"POSTPROCESSOR": "label"}, None, "needs labels"),
    ({"POSTPROCESSOR": "nope"}, None, "POSTPROCESSOR='nope': choose one of passthrough, label"),
    ({"POSTPROCESSOR": "threshold", "POSTPROCESSING_LABELS": "a,b,c"}, None, "exactly 2 labels"),
    ({"POSTPROCESSOR": "argmax", "POSTPROCESSING_TOP_K": "3"}, None, "use POSTPROCESSOR=topk"),
    ({"POSTPROCESSOR": "topk", "POSTPROCESSING_TOP_K": "x"}, None, "POSTPROCESSING_TOP_K='x'"),
    ({"POSTPROCESSOR": "regression", "POSTPROCESSING_CLIP": "5,1"}, None, "lo must not exceed hi"),
    ({"POSTPROCESSOR": "regression", "POSTPROCESSING_FIELDS": "label"}, None, "label not produced by regression"),
    ({"POSTPROCESSING_ID_COLUMN": "maybe"}, None, "must be true or false"),
    ({"POSTPROCESSOR": "label", "POSTPROCESSING_LABELS_FILE": "missing.txt"}, None, "no such file"),
    ({}, {"postprocesor": "label"}, "unknown key(s) postprocesor"),
    ({}, {"round": -1, "postprocessor": "regression"}, '"round" in postprocessing.json=-1: must be >= 0'),
    ({}, [1], "must hold a JSON object"),
])
def test_bad_configuration_names_the_setting(tmp_path, env, file, message):
    if file is not None:
        (tmp_path / "postprocessing.json").write_text(json.dumps(file))
    with pytest.raises(ModelLoadError) as caught:
        load_config(tmp_path, env)
    assert message in str(caught.value)


# ------------------------------------------------------------------ processors


def test_car_evaluation_index_to_string(tmp_path):
    env = {"POSTPROCESSOR": "label", "POSTPROCESSING_LABELS": "unacc,acc,good,vgood"}
    assert run(env, "3.0", tmp_path=tmp_path) == "vgood"
    assert run(env, "3", tmp_path=tmp_path, accept="application/json") == '{"predictions": [{"label": "vgood"}]}'
    for body, message in [("4.0", "row 1: 4.0 is not a class index (0..3)"), ("-1", "row 1: -1.0 is not"),
                          ("0\n2.5", "row 2: 2.5 is not"), ("nan", "row 1: nan is not"),
                          ("0.2,0.8", "use POSTPROCESSOR=argmax")]:
        with pytest.raises(BadRequest) as caught:
            run(env, body, tmp_path=tmp_path)
        assert message in caught.value.message


def test_label_reads_predicted_label_then_score_or_the_configured_field(tmp_path):
    env = {"POSTPROCESSOR": "label", "POSTPROCESSING_LABELS": "a,b,c"}
    body = '{"predictions": [{"score": [0.1, 0.9], "predicted_label": 1}, {"score": 2.0}]}'
    assert run(env, body, JSON, tmp_path=tmp_path) == "b\nc"
    assert run({**env, "POSTPROCESSING_INPUT_FIELD": "cls"}, '{"cls": 0}', JSONL, tmp_path=tmp_path) == "a"
    with pytest.raises(BadRequest, match='line 1: the object has none of "cls"'):
        run({**env, "POSTPROCESSING_INPUT_FIELD": "cls"}, '{"score": 0}', JSONL, tmp_path=tmp_path)


def test_argmax_topk_ties_labels_and_mismatches(tmp_path):
    assert run({"POSTPROCESSOR": "argmax"}, "0.4,0.4,0.2", tmp_path=tmp_path) == "0,0.4"  # first maximum wins
    topk = {"POSTPROCESSOR": "topk", "POSTPROCESSING_TOP_K": "5", "POSTPROCESSING_LABELS": "a,b,c"}
    assert run(topk, "0.2,0.5,0.3", tmp_path=tmp_path) == "b,c,a,0.5,0.3,0.2"  # k beyond the classes: all
    blazing = '[{"label": ["__label__1", "__label__0"], "prob": [0.7, 0.3]}]'
    assert run({"POSTPROCESSOR": "argmax", "POSTPROCESSING_FIELDS": "label"}, blazing, JSON, tmp_path=tmp_path) == "0"
    with pytest.raises(BadRequest, match="row 1: 2 probabilities but 3 labels"):
        run(topk, "0.5,0.5", tmp_path=tmp_path)
    with pytest.raises(BadRequest, match="row 1: probability 'x' is not a number"):
        run(topk, "0.5,x,0.1", tmp_path=tmp_path)


def test_threshold_regression_and_passthrough(tmp_path):
    threshold = {"POSTPROCESSOR": "threshold", "POSTPROCESSING_FIELDS": "score,label"}
    assert run(threshold, "0.5\n0.49\n[0.2, 0.8]", tmp_path=tmp_path) == "0.5,1\n0.49,0\n0.8,1"
    with pytest.raises(BadRequest, match="expected one probability or"):
        run(threshold, "0.1,0.2,0.7", tmp_path=tmp_path)
    regression = {"POSTPROCESSOR": "regression", "POSTPROCESSING_ROUND": "1", "POSTPROCESSING_CLIP": "0,"}
    assert run(regression, '{"predictions": [{"score": -2}, {"score": 1.25}]}', JSON, tmp_path=tmp_path) == "0.0\n1.3"
    with pytest.raises(BadRequest, match="infinite"):
        run({"POSTPROCESSOR": "regression"}, "inf", tmp_path=tmp_path)
    assert run({}, "a,1\n0.5", tmp_path=tmp_path, accept="application/jsonlines") == \
        '{"score": ["a", 1.0]}\n{"score": 0.5}\n'
    assert run({}, "vgood", tmp_path=tmp_path, accept="application/jsonlines") == '{"label": "vgood"}\n'
    assert run({}, '{"score": 0.4, "predicted_label": 0}', JSONL, tmp_path=tmp_path) == "0.4,0"


@pytest.mark.parametrize("value,decimals,expected", [(2.675, 2, 2.68), (0.5, 0, 1), (-0.5, 0, -1),
                                                     (1e-7, 3, 0.0), (123.456, 1, 123.5)])
def test_round_half_up(value, decimals, expected):
    assert round_half_up(value, decimals) == expected
