"""Feature ops against Spark's semantics, on hand-built bundles and the real MLeap samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inference_pipeline.mleap import NodeSpec, OpError, load_bundle, write_bundle
from inference_pipeline.mleap.attributes import (
    attr_boolean,
    attr_double,
    attr_int,
    attr_list_double,
    attr_list_int,
    attr_list_long,
    attr_list_string,
    attr_string,
    attr_tensor_double,
)
from inference_pipeline.mleap.ops.vectors import _poly_terms

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "mleap-samples"


def run(tmp_path, node: NodeSpec, data: dict) -> dict:
    return load_bundle(write_bundle(node, tmp_path / node.name)).transform(data).to_dict()


def single(op, attrs, inp="x", out="y", in_port="input", out_port="output"):
    return NodeSpec(op, op, attrs, inputs=[(in_port, inp)], outputs=[(out_port, out)])


def indexer(handle: str, labels=("a", "b", "c")) -> NodeSpec:
    return single("string_indexer", {"labels_length": attr_int(1), "labels_array_0": attr_list_string(list(labels)),
                                     "handle_invalid": attr_string(handle)})


def test_string_indexer_keep_skip_error(tmp_path):
    assert run(tmp_path, indexer("keep"), {"x": ["b", "z", None]})["y"] == [1.0, 3.0, 3.0]
    skipped = run(tmp_path, indexer("skip"), {"x": ["c", "z", "a"], "id": [1, 2, 3]})
    assert skipped["y"] == [2.0, 0.0] and skipped["id"] == [1, 3]
    with pytest.raises(OpError, match="Unseen label: z. To handle unseen labels, set handleInvalid to keep"):
        run(tmp_path, indexer("error"), {"x": ["z"]})
    with pytest.raises(OpError, match="NULL"):
        run(tmp_path, indexer("error"), {"x": [None]})


def test_string_indexer_numbers_index_by_spark_string(tmp_path):
    assert run(tmp_path, indexer("error", labels=("1.0", "2.5")), {"x": [2.5, 1.0]})["y"] == [1.0, 0.0]


def test_multi_column_string_indexer(tmp_path):
    node = NodeSpec("si", "string_indexer", {"labels_length": attr_int(2), "labels_array_0": attr_list_string(["a"]),
                                             "labels_array_1": attr_list_string(["x", "y"])},
                    inputs=[("input0", "c0"), ("input1", "c1")], outputs=[("output0", "o0"), ("output1", "o1")])
    out = run(tmp_path, node, {"c0": ["a", "a"], "c1": ["y", "x"]})
    assert out["o0"] == [0.0, 0.0] and out["o1"] == [1.0, 0.0]


@pytest.mark.parametrize("drop_last,handle,expected", [
    (True, "error", [[1, 0], [0, 1], [0, 0]]),
    (False, "error", [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
    (True, "keep", [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
    (False, "keep", [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]),
])
def test_one_hot_encoder_sizes(tmp_path, drop_last, handle, expected):
    node = single("one_hot_encoder", {"category_sizes": attr_list_int([3]), "drop_last": attr_boolean(drop_last),
                                      "handle_invalid": attr_string(handle)}, in_port="input0", out_port="output0")
    assert run(tmp_path, node, {"x": [0.0, 1.0, 2.0]})["y"] == expected


def test_one_hot_encoder_invalid_values(tmp_path):
    keep = single("one_hot_encoder", {"category_sizes": attr_list_int([2]), "drop_last": attr_boolean(False),
                                      "handle_invalid": attr_string("keep")}, in_port="input0", out_port="output0")
    assert run(tmp_path, keep, {"x": [5.0]})["y"] == [[0, 0, 1]]
    error = single("one_hot_encoder", {"category_sizes": attr_list_int([2]), "drop_last": attr_boolean(True),
                                       "handle_invalid": attr_string("error")}, in_port="input0", out_port="output0")
    with pytest.raises(OpError, match="Unseen value: 5.0"):
        run(tmp_path, error, {"x": [5.0]})
    with pytest.raises(OpError, match="invalid label: 0.5, must be integer"):
        run(tmp_path, error, {"x": [0.5]})


def test_scalers(tmp_path):
    x = np.array([[1.0, 10.0], [3.0, 0.0]])
    std = single("standard_scaler", {"mean": attr_tensor_double([2.0, 5.0]), "std": attr_tensor_double([2.0, 0.0])})
    np.testing.assert_allclose(run(tmp_path, std, {"x": x})["y"], [[-0.5, 0.0], [0.5, 0.0]])
    std_only = single("standard_scaler", {"std": attr_tensor_double([2.0, 5.0])})
    np.testing.assert_allclose(run(tmp_path, std_only, {"x": x})["y"], [[0.5, 2.0], [1.5, 0.0]])
    minmax = single("min_max_scaler", {"min": attr_tensor_double([1.0, 0.0]), "max": attr_tensor_double([3.0, 0.0]),
                                       "minValue": {}, "maxValue": attr_double(2.0)})
    np.testing.assert_allclose(run(tmp_path, minmax, {"x": x})["y"], [[0.0, 1.0], [2.0, 1.0]])
    maxabs = single("max_abs_scaler", {"maxAbs": attr_tensor_double([4.0, 0.0])})
    # a zero maxAbs counts as 1; no clipping beyond the training range (Spark, unlike MLeap)
    np.testing.assert_allclose(run(tmp_path, maxabs, {"x": x})["y"], [[0.25, 10.0], [0.75, 0.0]])


def test_imputer_bucketizer_binarizer(tmp_path):
    imputer = single("imputer", {"surrogate_value": attr_double(9.0), "missing_value": {"double": None},
                                 "strategy": attr_string("mean")})
    assert run(tmp_path, imputer, {"x": [1.0, None, float("nan")]})["y"] == [1.0, 9.0, 9.0]
    splits = attr_list_double([float("-inf"), 0.0, 10.0, float("inf")])
    assert splits["double"][0] is None  # ±inf travel as null
    bucketizer = single("bucketizer", {"splits": splits, "handle_invalid": attr_string("keep")})
    assert run(tmp_path, bucketizer, {"x": [-5.0, 0.0, 10.0, 99.0, float("nan")]})["y"] == [0, 1, 2, 2, 3]
    bounded = single("bucketizer", {"splits": attr_list_double([0.0, 1.0, 2.0])})
    assert run(tmp_path, bounded, {"x": [2.0]})["y"] == [1.0]
    with pytest.raises(OpError, match="out of Bucketizer bounds"):
        run(tmp_path, bounded, {"x": [3.0]})
    binarizer = single("binarizer", {"threshold": attr_double(0.5)})
    assert run(tmp_path, binarizer, {"x": [0.5, 0.6]})["y"] == [0.0, 1.0]


def test_normalizer_slicer_pca_poly_interaction(tmp_path):
    x = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]])
    normalizer = single("normalizer", {"p_norm": attr_double(2.0)})
    np.testing.assert_allclose(run(tmp_path, normalizer, {"x": x})["y"], [[0.6, 0.8, 0.0], [0, 0, 0]])
    slicer = single("vector_slicer", {"indices": attr_list_long([2, 0])})
    assert run(tmp_path, slicer, {"x": x})["y"] == [[0.0, 3.0], [0.0, 0.0]]
    pc = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    pca = single("pca", {"principal_components": attr_tensor_double(pc)})
    np.testing.assert_allclose(run(tmp_path, pca, {"x": x})["y"], x @ pc)
    # Spark: PolynomialExpansion(degree 2) of (a, b) = (a, a², b, a·b, b²)
    assert _poly_terms(2, 2) == [(1, 0), (2, 0), (0, 1), (1, 1), (0, 2)]
    poly = single("polynomial_expansion", {"degree": attr_int(2)})
    assert run(tmp_path, poly, {"x": np.array([[2.0, 3.0]])})["y"] == [[2.0, 4.0, 3.0, 6.0, 9.0]]
    interaction = NodeSpec("ia", "interaction", {"num_inputs": attr_int(2), "num_features0": attr_list_int([1]),
                                                 "num_features1": attr_list_int([1, 1])},
                           inputs=[("input0", "a"), ("input1", "v")], outputs=[("output", "y")])
    assert run(tmp_path, interaction, {"a": [2.0], "v": np.array([[3.0, 4.0]])})["y"] == [[6.0, 8.0]]


def test_math_ops(tmp_path):
    unary = single("math_unary", {"operation": attr_string("sqrt")})
    assert run(tmp_path, unary, {"x": [4.0, 9.0]})["y"] == [2.0, 3.0]
    binary = NodeSpec("mb", "math_binary", {"operation": attr_string("div"), "db": attr_double(2.0)},
                      inputs=[("input_a", "a")], outputs=[("output", "y")])
    assert run(tmp_path, binary, {"a": [3.0]})["y"] == [1.5]


def test_index_to_string(tmp_path):
    node = single("reverse_string_indexer", {"labels": attr_list_string(["unacc", "acc", "good", "vgood"])})
    assert run(tmp_path, node, {"x": [3.0, 0.0]})["y"] == ["vgood", "unacc"]
    with pytest.raises(OpError, match="not a valid label index"):
        run(tmp_path, node, {"x": [4.0]})


def test_ten_thousand_rows_in_one_pass(tmp_path):
    from tests.support.mleap_bundles import abalone_pipeline

    bundle = load_bundle(write_bundle(abalone_pipeline(), tmp_path / "b"))
    n = 10_000
    rng = np.random.default_rng(0)
    data = {"sex": rng.choice(["M", "F", "I"], n).tolist(), **{c: rng.random(n) for c in
            ["length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight"]}}
    features = np.array(bundle.transform(data).to_dict()["features"])
    assert features.shape == (n, 9)
    np.testing.assert_array_equal(features[:, 0], np.array(data["sex"]) == "M")
    np.testing.assert_array_equal(features[:, 2], data["length"])


# ----------------------------------------------------------------------------- real MLeap samples

def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared MLeap samples sit beside the repository)")
    return path


def test_sample_one_hot_encoder_pipeline_legacy_forms():
    bundle = load_bundle(sample("one_hot_encoder_pipeline.zip"))
    # legacy string_indexer `labels` (A, B, C; keep) → legacy one_hot_encoder `size` 3 with drop_last
    out = bundle.transform({"col_1": ["A", "B", "C", "unseen"]}).to_dict()
    output = [c for c in out if c not in ("col_1",) and isinstance(out[c][0], list)][0]
    assert out[output] == [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_sample_min_max_scaler_matches_its_parameters():
    bundle = load_bundle(sample("min_max_scaler_tf.zip"))
    scaler = [c for c in bundle.root.children if c.op_name == "min_max_scaler"][0]
    low, high = scaler.min, scaler.max
    data = {"dti": [float(low[0]), float(high[0])], "loan_amount": [float(high[1]), float(low[1])]}
    out = bundle.transform(data).to_dict()[scaler.output]
    np.testing.assert_allclose(out, [[0.0, 1.0], [1.0, 0.0]])
