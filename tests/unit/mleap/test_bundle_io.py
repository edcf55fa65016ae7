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


# ----------------------------------------------------------------------------- layout details

def _indexer(name: str, source: str, target: str):
    from inference_pipeline.mleap import NodeSpec
    from inference_pipeline.mleap.attributes import attr_list_string

    return NodeSpec(name, "string_indexer", {"labels": attr_list_string(["a", "b"])},
                    inputs=[("input", source)], outputs=[("output", target)])


def test_nested_pipelines_run_in_list_order_and_need_only_external_inputs(tmp_path):
    from inference_pipeline.mleap import NodeSpec
    from inference_pipeline.mleap.attributes import attr_list_string

    inner = NodeSpec("inner", "pipeline", children=[_indexer("first", "x", "x_idx")])
    to_label = NodeSpec("back", "reverse_string_indexer", {"labels": attr_list_string(["A", "B"])},
                        inputs=[("input", "x_idx")], outputs=[("output", "label")])
    root = NodeSpec("outer", "pipeline", children=[inner, to_label, _indexer("second", "z", "z_idx")])
    path = write_bundle(root, tmp_path / "nested")
    assert (path / "root" / "inner.node" / "first.node" / "model.json").is_file()
    bundle = load_bundle(path)
    assert bundle.input_columns == ["x", "z"]
    out = bundle.transform({"x": ["b", "a"], "z": ["a", "a"]}).to_dict()
    assert out["label"] == ["B", "A"] and out["z_idx"] == [0.0, 0.0]
    with pytest.raises(FrameError, match=r"'z' \(needed by string_indexer 'second'\)"):
        bundle.transform({"x": ["a"]})


def test_pipeline_children_come_from_the_nodes_list(tmp_path):
    from inference_pipeline.mleap import NodeSpec

    path = write_bundle(NodeSpec("p", "pipeline", children=[_indexer("only", "x", "y")]), tmp_path / "b")
    stray = path / "root" / "stray.node"  # like the sample zip's unlisted vector_assembler dir
    stray.mkdir()
    (stray / "model.json").write_text('{"op": "no_such_op", "attributes": {}}')
    assert load_bundle(path).transform({"x": ["b"]}).to_dict()["y"] == [1.0]
    model = json.loads((path / "root" / "model.json").read_text())
    model["attributes"]["nodes"]["string"].append("ghost")
    (path / "root" / "model.json").write_text(json.dumps(model))
    with pytest.raises(BundleError, match="pipeline 'p' lists node 'ghost'"):
        load_bundle(path)


def test_old_container_test_bundle_loads(tmp_path):
    """The 0.10-era empty pipeline from the AWS container's tests (`{"string": [], "type": "list"}`)."""
    (tmp_path / "root").mkdir(parents=True)
    (tmp_path / "bundle.json").write_text(json.dumps({"uid": "x", "name": "PipelineModel_1", "format": "json",
                                                      "version": "0.10.0-SNAPSHOT", "timestamp": "2018-01-01"}))
    (tmp_path / "root" / "model.json").write_text(
        '{"op":"pipeline","attributes":{"nodes":{"string":[],"type":"list"}}}')
    (tmp_path / "root" / "node.json").write_text('{"name":"PipelineModel_1","shape":{"inputs":[],"outputs":[]}}')
    bundle = load_bundle(tmp_path)
    assert bundle.input_columns == [] and bundle.name == "PipelineModel_1"
    assert bundle.transform({"a": [1.0]}).to_dict() == {"a": [1.0]}


def test_written_files_match_mleaps_layout(tmp_path):
    from inference_pipeline.mleap import NodeSpec

    node = NodeSpec("tree_holder", "pipeline", children=[_indexer("si", "x", "y")],
                    extra_files={"tree0/tree.json": b'{"type":"leaf","values":[1.0]}\n'})
    path = write_bundle(node, tmp_path / "m.zip", archive="zip", name="my-model")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        meta = json.loads(zf.read("bundle.json"))
    assert {"bundle.json", "root/model.json", "root/node.json", "root/tree0/tree.json",
            "root/si.node/model.json", "root/si.node/node.json"} <= names
    assert meta["name"] == "my-model" and meta["format"] == "json" and set(meta) == {
        "uid", "name", "format", "version", "timestamp"}
    node_json = json.loads((write_bundle(node, tmp_path / "d") / "root" / "si.node" / "node.json").read_text())
    assert node_json == {"name": "si", "shape": {"inputs": [{"port": "input", "name": "x"}],
                                                 "outputs": [{"port": "output", "name": "y"}]}}


def test_attribute_encoders_write_mleaps_json():
    from inference_pipeline.mleap.attributes import (
        DataShape,
        attr_boolean,
        attr_data_shape,
        attr_double,
        attr_list_data_shape,
        attr_list_double,
        attr_tensor_double,
    )

    assert attr_double(float("nan")) == {"double": None} and attr_boolean(False) == {"boolean": False}
    assert attr_list_double([float("-inf"), 1.0]) == {"type": "list", "double": [None, 1.0]}
    assert attr_tensor_double([1.0, 2.0]) == {"type": "tensor", "double": [1.0, 2.0],
                                              "shape": {"dimensions": [{"size": 2, "name": ""}]}}
    assert attr_data_shape("tensor", True, 3) == {"data_shape": {
        "base": "tensor", "isNullable": True, "tensorShape": {"dimensions": [{"size": 3, "name": ""}]}}}
    shapes = [DataShape("scalar", True), DataShape("tensor", False, 4)]
    assert decode_value("s", attr_list_data_shape(shapes)) == shapes
    matrix = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(decode_value("m", attr_tensor_double(matrix)), matrix)
    for encoded in (attr_double(2.5), attr_boolean(True)):
        assert decode_value("v", json.loads(json.dumps(encoded))) in (2.5, True)


def test_op_from_model_builds_without_a_bundle():
    from inference_pipeline.mleap import LeapFrame
    from inference_pipeline.mleap.ops import NodeShape, op_class

    cls = op_class("string_indexer")
    op = cls.from_model(decode_attributes({"labels": {"type": "list", "string": ["p", "q"]}}),
                        NodeShape((("input", "c"),), (("output", "i"),)), ".", name="si")
    assert op.input_columns == ["c"] and op.output_columns == ["i"] and op.label == "string_indexer 'si'"
    assert op.transform(LeapFrame.from_dict({"c": ["q"]})).to_dict()["i"] == [1.0]
