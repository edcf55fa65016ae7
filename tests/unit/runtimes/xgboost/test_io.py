"""Request parsing of the XGBoost image (CSV, libsvm, RecordIO-protobuf) and model loading."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from inference_pipeline.runtimes.xgboost.io import parse_csv, parse_libsvm, parse_recordio, sniff_delimiter
from inference_pipeline.runtimes.xgboost.model import detect_format, load_booster, model_files, saved_version
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, ModelLoadError
from tests.support.xgboost_models import legacy_dir, train

xgb = pytest.importorskip("xgboost")


@pytest.mark.parametrize(("line", "delimiter"), [
    ("1.5,2,3", ","), ("1.5\t2\t3", "\t"), ("1;2;3", ";"), ("1|2", "|"), ("1 2 3", " "),
    ("-1e-3, nan,inf", ","), ("42", ","), ('"1","2"', ","),
])
def test_sniff_delimiter(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_csv_missing_values_quotes_and_crlf():
    np.testing.assert_array_equal(parse_csv("1,,3\r\n4,5,\r\n"), [[1, np.nan, 3], [4, 5, np.nan]])
    np.testing.assert_array_equal(parse_csv('"1","2.5"\n3,4'), [[1, 2.5], [3, 4]])
    np.testing.assert_array_equal(parse_csv("1 2  3"), [[1, 2, 3]])
    assert parse_csv("0.1,0.2").dtype == np.float32


def test_csv_errors_name_the_place():
    with pytest.raises(BadRequest, match="row 2 has 2 columns; row 1 has 3"):
        parse_csv("1,2,3\n4,5")
    with pytest.raises(BadRequest, match="row 2, column 1: 'abc' is not a number"):
        parse_csv("1,2\nabc,3")


def test_libsvm_indices_labels_and_comments():
    one_based = parse_libsvm("1 1:0.5 3:2 # comment\n0 2:1\n")
    assert one_based.shape == (2, 3)
    np.testing.assert_array_equal(one_based.toarray(), [[0.5, 0, 2], [0, 1, 0]])
    assert one_based.nnz == 3  # absent entries stay absent (missing to XGBoost), not zeros
    zero_based = parse_libsvm("0:1 2:3")
    np.testing.assert_array_equal(zero_based.toarray(), [[1, 0, 3]])
    with pytest.raises(BadRequest, match="line 1: '1:x' is not index:value"):
        parse_libsvm("1:x")
    with pytest.raises(BadRequest, match="'2' is not index:value"):
        parse_libsvm("0 1:1 2")


def test_recordio_dense_and_sparse():
    dense = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    got = parse_recordio(recordio.encode_dense(dense))
    np.testing.assert_array_equal(got, dense)

    def sparse_record(keys, values, width):
        tensor = (b"".join(recordio.wire.encode_varint(k) for k in keys), np.asarray(values, "<f4").tobytes())
        body = (recordio.wire.length_delimited(1, tensor[1]) + recordio.wire.length_delimited(2, tensor[0])
                + recordio.wire.length_delimited(3, recordio.wire.encode_varint(width)))
        value = recordio.wire.length_delimited(2, body)  # Value.float32_tensor
        entry = recordio.wire.length_delimited(1, b"values") + recordio.wire.length_delimited(2, value)
        return recordio.wire.length_delimited(1, entry)  # Record.features

    body = recordio.write_recordio([sparse_record([0, 2], [1.5, 2.5], 4), sparse_record([3], [7.0], 4)])
    matrix = parse_recordio(body)
    assert matrix.shape == (2, 4) and matrix.nnz == 3
    np.testing.assert_array_equal(matrix.toarray(), [[1.5, 0, 2.5, 0], [0, 0, 0, 7.0]])


def test_recordio_errors():
    with pytest.raises(BadRequest):
        parse_recordio(b"not recordio at all")


def test_detect_format_by_content(tmp_path):
    booster = train("reg:squarederror", rounds=2)
    assert detect_format(pickle.dumps(booster)) == "pickle"
    assert detect_format(pickle.dumps(booster, protocol=0)) == "pickle"
    assert detect_format(bytes(booster.save_raw("json"))) == "json"
    assert detect_format(b"  \n" + bytes(booster.save_raw("json"))) == "json"
    assert detect_format(bytes(booster.save_raw("ubj"))) == "ubjson"
    legacy = (legacy_dir("binary:logistic", "binary") / "xgboost-model").read_bytes()
    assert legacy.startswith(b"binf") and detect_format(legacy) == "binary"


def test_file_names_do_not_matter(tmp_path):
    booster = train("binary:logistic", rounds=2)
    for name, raw in (("model.json", pickle.dumps(booster)), ("model.pkl", bytes(booster.save_raw("json"))),
                      ("model.bin", bytes(booster.save_raw("ubj")))):
        path = tmp_path / name
        path.write_bytes(raw)
        loaded, fmt = load_booster(path)
        assert loaded.num_features() == 5 and fmt == detect_format(raw)


def test_models_from_a_newer_xgboost_are_refused(tmp_path):
    booster = train("reg:squarederror", rounds=2)
    document = json.loads(bytes(booster.save_raw("json")))
    assert saved_version(json.dumps(document).encode(), "json") == tuple(document["version"][:2])
    document["version"] = [99, 1, 0]
    path = tmp_path / "xgboost-model"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelLoadError, match="saved by xgboost 99.1, newer than any line of this image"):
        load_booster(path)


def test_ubjson_version_is_read(tmp_path):
    booster = train("reg:squarederror", rounds=2)
    major, minor = (int(p) for p in xgb.__version__.split(".")[:2])
    assert saved_version(bytes(booster.save_raw("ubj")), "ubjson") == (major, minor)


def test_unloadable_files_fail_with_one_line(tmp_path):
    (tmp_path / "xgboost-model").write_bytes(b"garbage that is no model")
    with pytest.raises(ModelLoadError, match="cannot load it as an XGBoost model"):
        load_booster(tmp_path / "xgboost-model")
    (tmp_path / "xgboost-model").write_bytes(pickle.dumps({"not": "a booster"}))
    with pytest.raises(ModelLoadError, match="holds a dict, not an XGBoost Booster"):
        load_booster(tmp_path / "xgboost-model")


def test_model_files_selection(tmp_path):
    with pytest.raises(ModelLoadError, match="no model file"):
        model_files(tmp_path, ensemble=True)
    for name in ("b-model", "xgboost-model", ".hidden", "training-versions.json"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "code").mkdir()
    assert [p.name for p in model_files(tmp_path, ensemble=True)] == ["b-model", "xgboost-model"]
    assert [p.name for p in model_files(tmp_path, ensemble=False)] == ["xgboost-model"]
