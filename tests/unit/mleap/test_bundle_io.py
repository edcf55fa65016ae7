"""Bundle read/write in every layout, attribute encodings, load-time errors."""

from __future__ import annotations

import json
import math
import tarfile
import zipfile

import numpy as np
import pytest

from inference_pipeline.mleap import BundleError, FrameError, UnsupportedOpError, load_bundle, write_bundle
from inference_pipeline.mleap.attributes import EMPTY, decode_attributes, decode_value
from tests.support.mleap_bundles import ABALONE_SCHEMA, abalone_pipeline, write

ROW = {"sex": ["F", "M"], "length": [0.515, 1.0], "diameter": [0.425, 2.0], "height": [0.14, 3.0],
       "whole_weight": [0.766, 4.0], "shucked_weight": [0.304, 5.0], "viscera_weight": [0.1725, 6.0],
       "shell_weight": [0.255, 7.0]}
EXPECTED = [[0.0, 0.0, 0.515, 0.425, 0.14, 0.766, 0.304, 0.1725, 0.255], [1.0, 0.0, 1, 2, 3, 4, 5, 6, 7]]


@pytest.mark.parametrize("archive", ["dir", "zip", "tar.gz"])
def test_round_trip_every_layout(tmp_path, archive):
    suffix = {"dir": "", "zip": ".zip", "tar.gz": ".tar.gz"}[archive]
    path = write(abalone_pipeline(), tmp_path / f"bundle{suffix}", schema=ABALONE_SCHEMA, archive=archive)
    bundle = load_bundle(path)
    np.testing.assert_allclose(bundle.transform(ROW).to_dict()["features"], EXPECTED)
    assert bundle.input_columns == [c["name"] for c in ABALONE_SCHEMA["input"]]


def test_tarball_has_bundle_json_at_the_top(tmp_path):
    path = write(abalone_pipeline(), tmp_path / "model.tar.gz", schema=ABALONE_SCHEMA, archive="tar.gz")
    with tarfile.open(path) as tf:
        names = tf.getnames()
    assert "bundle.json" in names and "sagemaker-sparkml-schema.json" in names
    assert all(n == "bundle.json" or n.startswith(("root/", "sagemaker-")) for n in names)


def test_directory_with_one_zip_is_accepted(tmp_path):
    (tmp_path / "model").mkdir()
    write(abalone_pipeline(), tmp_path / "model" / "anything.zip", archive="zip")
    assert load_bundle(tmp_path / "model").transform(ROW).n_rows == 2


def test_missing_input_column_is_named_before_execution(tmp_path):
    bundle = load_bundle(write(abalone_pipeline(), tmp_path / "b"))
    with pytest.raises(FrameError, match="'shell_weight'"):
        bundle.transform({k: v for k, v in ROW.items() if k != "shell_weight"})


def test_unsupported_op_fails_at_load_with_the_list(tmp_path):
    path = write(abalone_pipeline(), tmp_path / "b")
    child = next((path / "root").glob("vecAssembler.node"))
    (child / "model.json").write_text(json.dumps({"op": "my_custom_op", "attributes": {}}))
    with pytest.raises(UnsupportedOpError, match="'my_custom_op' is not supported; supported ops: .*string_indexer"):
        load_bundle(path)


def test_protobuf_and_broken_bundles_are_clear(tmp_path):
    path = write(abalone_pipeline(), tmp_path / "b")
    meta = json.loads((path / "bundle.json").read_text())
    (path / "bundle.json").write_text(json.dumps({**meta, "format": "protobuf"}))
    with pytest.raises(BundleError, match="format 'protobuf' is not supported"):
        load_bundle(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="no bundle.json"):
        load_bundle(tmp_path / "empty")
    bad_zip = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad_zip, "w") as zf:
        zf.writestr("../escape.json", "{}")
    with pytest.raises(BundleError, match="outside the bundle"):
        load_bundle(bad_zip)


def test_attribute_encodings_current_and_legacy():
    attrs = decode_attributes({
        "drop_last": {}, "size": {"long": 9}, "labels": {"string": ["a", "b"], "type": "list"},
        "empty": {"type": "list"}, "mean": {"type": "tensor", "double": [1.0, None],
                                            "shape": {"dimensions": [{"size": 2, "name": ""}]}},
        "missing_value": {"double": None},
        "shape": {"data_shape": {"base": "tensor", "isNullable": True,
                                 "tensorShape": {"dimensions": [{"size": 3, "name": ""}]}}},
    })
    assert attrs["drop_last"] is EMPTY and attrs["size"] == 9 and attrs["labels"] == ["a", "b"]
    assert attrs["empty"] == [] and math.isnan(attrs["mean"][1]) and math.isnan(attrs["missing_value"])
    assert attrs["shape"].size == 3 and attrs["shape"].base == "tensor"
    matrix = decode_value("pc", {"type": "tensor", "double": [1, 2, 3, 4, 5, 6],
                                 "shape": {"dimensions": [{"size": 3}, {"size": 2}]}})
    np.testing.assert_array_equal(matrix, [[1, 4], [2, 5], [3, 6]])  # Spark matrices are column-major
