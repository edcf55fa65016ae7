"""Feature ops at their edges: legacy forms, nulls, invalid handling, sparse inputs, MLeap's messages.

Expected values come from Spark/MLeap's documented semantics (and Spark's own doc examples for
PolynomialExpansion and Interaction), not from running our code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from inference_pipeline.mleap import BundleError, FrameError, LeapFrame, NodeSpec, OpError, load_bundle, write_bundle
from inference_pipeline.mleap.attributes import (
    DataShape,
    attr_boolean,
    attr_double,
    attr_int,
    attr_list_data_shape,
    attr_list_double,
    attr_list_int,
    attr_list_long,
    attr_list_string,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from inference_pipeline.mleap.frame import Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape
from inference_pipeline.mleap.ops.feature import StringIndexer


def run(tmp_path, node: NodeSpec, data) -> dict:
    return load_bundle(write_bundle(node, tmp_path / node.name)).transform(data).to_dict()


def frame_of(tmp_path, node: NodeSpec, data) -> LeapFrame:
    return load_bundle(write_bundle(node, tmp_path / node.name)).transform(data)


def single(op, attrs, inp="x", out="y", in_port="input", out_port="output"):
    return NodeSpec(op, op, attrs, inputs=[(in_port, inp)], outputs=[(out_port, out)])


def sparse(size: int, rows: list[dict[int, float]]) -> Vector:
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = [i for r in rows for i in sorted(r)]
    values = [r[i] for r in rows for i in sorted(r)]
    return Vector.from_csr(size, indptr, np.array(indices, dtype=np.int64), np.array(values))


# ----------------------------------------------------------------------------- string_indexer

@pytest.mark.parametrize("ports", [("input", "output"), ("input0", "output0")])
def test_string_indexer_legacy_labels_and_both_port_styles(tmp_path, ports):
    node = single("string_indexer", {"labels": attr_list_string(["NY", "CA"])}, in_port=ports[0], out_port=ports[1])
    assert run(tmp_path, node, {"x": ["CA", "NY"]})["y"] == [1.0, 0.0]
    with pytest.raises(OpError, match="Unseen label: TX"):  # handle_invalid defaults to error
        run(tmp_path, node, {"x": ["TX"]})


def test_string_indexer_casts_values_like_spark(tmp_path):
    node = single("string_indexer", {"labels": attr_list_string(["1", "2.0", "true", "1.0E-5"])})
    assert run(tmp_path, node, {"x": [1, 1]})["y"] == [0.0, 0.0]                  # ints: "1"
    assert run(tmp_path, node, {"x": [2.0, 1e-5]})["y"] == [1.0, 3.0]            # doubles: Java's toString
    assert run(tmp_path, node, {"x": [True]})["y"] == [2.0]                       # booleans: "true"
    nan_label = single("string_indexer", {"labels": attr_list_string(["NaN"])})
    assert run(tmp_path, nan_label, {"x": [float("nan")]})["y"] == [0.0]             # NaN is a value, not null
    with pytest.raises(OpError, match="Unseen label: 2. "):
        run(tmp_path, node, {"x": [2]})


def test_string_indexer_keep_puts_nulls_and_unseen_last(tmp_path):
    node = single("string_indexer", {"labels_length": attr_int(1), "labels_array_0": attr_list_string(["a", "b"]),
                                     "handle_invalid": attr_string("keep")})
    assert run(tmp_path, node, {"x": [None, "b", "q", "a"]})["y"] == [2.0, 1.0, 2.0, 0.0]


def test_string_indexer_null_message_is_mleaps(tmp_path):
    node = single("string_indexer", {"labels": attr_list_string(["a"])})
    with pytest.raises(OpError, match="^StringIndexer encountered NULL value. To handle NULLS, set handleInvalid to keep$"):
        run(tmp_path, node, {"x": ["a", None]})


def test_multi_column_skip_drops_a_row_when_any_column_is_invalid(tmp_path):
    node = NodeSpec("si", "string_indexer",
                    {"labels_length": attr_int(2), "labels_array_0": attr_list_string(["a", "b"]),
                     "labels_array_1": attr_list_string(["x"]), "handle_invalid": attr_string("skip")},
                    inputs=[("input0", "c0"), ("input1", "c1")], outputs=[("output0", "o0"), ("output1", "o1")])
    out = run(tmp_path, node, {"c0": ["a", "zz", "b", None], "c1": ["x", "x", "nope", "x"], "id": [1, 2, 3, 4]})
    assert out == {"c0": ["a"], "c1": ["x"], "id": [1], "o0": [0.0], "o1": [0.0]}


def test_skip_of_every_row_leaves_an_empty_frame(tmp_path):
    node = single("string_indexer", {"labels": attr_list_string(["a"]), "handle_invalid": attr_string("skip")})
    frame = frame_of(tmp_path, node, {"x": ["q", "r"], "v": np.ones((2, 3))})
    assert frame.n_rows == 0 and frame.to_dict() == {"x": [], "v": [], "y": []}


def test_string_indexer_rejects_mismatched_ports_at_load(tmp_path):
    node = NodeSpec("si", "string_indexer", {"labels_length": attr_int(2), "labels_array_0": attr_list_string(["a"]),
                                             "labels_array_1": attr_list_string(["b"])},
                    inputs=[("input0", "c0")], outputs=[("output0", "o0")])
    with pytest.raises(BundleError, match="string_indexer node 'si'"):
        load_bundle(write_bundle(node, tmp_path / "b"))


def test_string_indexer_ten_thousand_rows_match_the_row_path():
    rng = np.random.default_rng(0)
    labels = [f"l{i}" for i in range(50)]
    op = StringIndexer.from_model({"labels": labels, "handle_invalid": "keep"},
                                  NodeShape((("input", "x"),), (("output", "y"),)), ".")
    values = rng.choice(labels + ["unseen"], 10_000).tolist()
    columnar = op.transform(LeapFrame.from_dict({"x": values})).to_dict()["y"]
    rows = []
    for value in values:
        row = {"x": value}
        op.transform_row(row)
        rows.append(row["y"])
    assert columnar == rows and max(columnar) == 50.0


# ----------------------------------------------------------------------------- one_hot_encoder

def test_legacy_one_hot_encoder_defaults(tmp_path):
    keep = single("one_hot_encoder", {"size": attr_long(3), "drop_last": attr_boolean(True)})
    # legacy drop_last=true → keep: an unseen index is the dropped slot, all zeros
    assert run(tmp_path, keep, {"x": [0.0, 2.0, 7.0]})["y"] == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    error = single("one_hot_encoder", {"size": attr_long(3), "drop_last": {}})  # {} = false → error
    assert run(tmp_path, error, {"x": [2.0]})["y"] == [[0, 0, 1]]
    with pytest.raises(OpError, match=r"^Unseen value: 3.0. To handle unseen values, set Param handleInvalid to Keep$"):
        run(tmp_path, error, {"x": [3.0]})


def test_one_hot_encoder_messages_follow_mleap(tmp_path):
    node = single("one_hot_encoder", {"category_sizes": attr_list_int([3]), "drop_last": attr_boolean(True),
                                      "handle_invalid": attr_string("error")}, in_port="input0", out_port="output0")
    with pytest.raises(OpError, match=r"^Negative value: -1.0. Input can't be negative"):
        run(tmp_path, node, {"x": [-1.0]})
    with pytest.raises(OpError, match=r"^invalid label: NaN, must be integer$"):
        run(tmp_path, node, {"x": [float("nan")]})
    keep = single("one_hot_encoder", {"category_sizes": attr_list_int([2]), "drop_last": {},
                                      "handle_invalid": attr_string("keep")}, in_port="input0", out_port="output0")
    assert run(tmp_path, keep, {"x": [-3.0, 1.0]})["y"] == [[0, 0, 1], [0, 1, 0]]  # negatives are invalid too
    with pytest.raises(OpError, match="must be integer"):  # keep does not cover fractional values
        run(tmp_path, keep, {"x": [0.5]})


def test_multi_column_one_hot_encoder_outputs_sparse_vectors(tmp_path):
    node = NodeSpec("ohe", "one_hot_encoder",
                    {"category_sizes": attr_list_int([2, 4]), "drop_last": attr_boolean(False),
                     "handle_invalid": attr_string("error")},
                    inputs=[("input0", "a"), ("input1", "b")], outputs=[("output0", "va"), ("output1", "vb")])
    frame = frame_of(tmp_path, node, {"a": [1.0, 0.0], "b": [3.0, 0.0]})
    assert not frame.columns["va"].is_dense and frame.columns["vb"].size == 4
    assert frame.to_dict()["vb"] == [[0, 0, 0, 1], [1, 0, 0, 0]]


# ----------------------------------------------------------------------------- vector_assembler

def assembler(columns: list[str], shapes: list[DataShape]) -> NodeSpec:
    return NodeSpec("va", "vector_assembler", {"input_shapes": attr_list_data_shape(shapes)},
                    inputs=[(f"input{i}", c) for i, c in enumerate(columns)], outputs=[("output", "features")])


def test_vector_assembler_mixes_scalars_dense_and_sparse_vectors(tmp_path):
    node = assembler(["a", "dense", "sparse"], [DataShape("scalar"), DataShape("tensor", True, 2),
                                                DataShape("tensor", True, 3)])
    data = LeapFrame.from_dict({"a": [1.5, 0.0], "dense": np.array([[1.0, 2.0], [0.0, 0.0]])})
    data.with_column("sparse", sparse(3, [{2: 9.0}, {}]))
    assert run(tmp_path, node, data)["features"] == [[1.5, 1.0, 2.0, 0.0, 0.0, 9.0], [0.0] * 6]


def test_wide_assembly_stays_sparse_and_equals_the_dense_result(tmp_path):
    wide = sparse(300_000, [{5: 1.0, 299_999: 2.0}, {}])
    data = LeapFrame.from_dict({"a": [3.0, 4.0]}).with_column("hashed", wide)
    frame = frame_of(tmp_path, assembler(["hashed", "a"], [DataShape("tensor", True, 300_000),
                                                           DataShape("scalar")]), data)
    out = frame.columns["features"]
    assert out.size == 300_001 and not out.is_dense
    indptr, indices, values = out.csr()
    assert indices.tolist() == [5, 299_999, 300_000, 300_000] and values.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert indptr.tolist() == [0, 3, 4]


def test_vector_assembler_rejects_nulls_and_text(tmp_path):
    node = assembler(["a", "b"], [DataShape("scalar"), DataShape("scalar")])
    with pytest.raises(OpError, match="null value in column b"):
        run(tmp_path, node, {"a": [1.0, 2.0], "b": [1.0, None]})
    with pytest.raises(FrameError, match="column b holds string values where numbers are needed"):
        run(tmp_path, node, {"a": [1.0], "b": ["x"]})


# ----------------------------------------------------------------------------- scalers

def test_standard_scaler_forms(tmp_path):
    x = sparse(3, [{0: 2.0, 2: 4.0}, {}])
    mean_only = single("standard_scaler", {"mean": attr_tensor_double([1.0, 1.0, 1.0])})
    assert run(tmp_path, mean_only, LeapFrame({"x": x}, 2))["y"] == [[1.0, -1.0, 3.0], [-1.0, -1.0, -1.0]]
    std_only = single("standard_scaler", {"std": attr_tensor_double([2.0, 0.0, 4.0])})
    frame = frame_of(tmp_path, std_only, LeapFrame({"x": x}, 2))
    assert not frame.columns["y"].is_dense  # std only keeps sparsity
    assert frame.to_dict()["y"] == [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]


def test_min_max_scaler_nan_and_constant_features(tmp_path):
    node = single("min_max_scaler", {"min": attr_tensor_double([0.0, 5.0]), "max": attr_tensor_double([10.0, 5.0])})
    out = run(tmp_path, node, {"x": np.array([[5.0, 5.0], [np.nan, 7.0], [20.0, 0.0]])})["y"]
    assert out[0] == [0.5, 0.5] and math.isnan(out[1][0]) and out[1][1] == 0.5 and out[2] == [2.0, 0.5]


def test_max_abs_scaler_sparse_and_nan(tmp_path):
    node = single("max_abs_scaler", {"maxAbs": attr_tensor_double([2.0, 4.0, 0.0])})
    frame = frame_of(tmp_path, node, LeapFrame({"x": sparse(3, [{1: -2.0, 2: 3.0}])}, 1))
    assert frame.to_dict()["y"] == [[0.0, -0.5, 3.0]] and not frame.columns["y"].is_dense
    out = run(tmp_path, node, {"x": np.array([[np.nan, -8.0, 0.5]])})["y"][0]
    assert math.isnan(out[0]) and out[1:] == [-2.0, 0.5]


# ----------------------------------------------------------------------------- imputer, bucketizer, binarizer

def test_imputer_explicit_missing_value_and_legacy_keys(tmp_path):
    node = single("imputer", {"surrogate_value": attr_double(5.0), "missing_value": attr_double(-1.0)})
    assert run(tmp_path, node, {"x": [-1.0, float("nan"), 2.0, None]})["y"] == [5.0, 5.0, 2.0, 5.0]
    legacy = single("imputer", {"imputeValue": attr_double(7.0), "strategy": attr_string("median")})
    assert run(tmp_path, legacy, {"x": [float("nan"), 0.0]})["y"] == [7.0, 0.0]
    zero = single("imputer", {"surrogate_value": attr_double(1.0), "missing_value": {}})  # {} = 0.0
    assert run(tmp_path, zero, {"x": [0.0, 3.0]})["y"] == [1.0, 3.0]
    with pytest.raises(BundleError, match="surrogate_value"):
        load_bundle(write_bundle(single("imputer", {}), tmp_path / "bad"))


def test_bucketizer_skip_error_and_nulls(tmp_path):
    splits = attr_list_double([0.0, 1.0, 2.0])
    skip = single("bucketizer", {"splits": splits, "handle_invalid": attr_string("skip")})
    out = run(tmp_path, skip, {"x": [0.5, float("nan"), 1.0, None], "id": [1, 2, 3, 4]})
    assert out["y"] == [0.0, 1.0] and out["id"] == [1, 3]
    error = single("bucketizer", {"splits": splits})
    with pytest.raises(OpError, match="Bucketizer encountered NaN value"):
        run(tmp_path, error, {"x": [float("nan")]})
    assert run(tmp_path, error, {"x": [None, 0.0, 1.999]})["y"] == [None, 0.0, 1.0]
    with pytest.raises(OpError, match=r"Feature value -0.5 out of Bucketizer bounds \[0.0, 2.0\]"):
        run(tmp_path, error, {"x": [-0.5]})


def test_binarizer_vectors_and_default_threshold(tmp_path):
    node = single("binarizer", {"threshold": {}})  # {} = 0.0
    assert run(tmp_path, node, {"x": np.array([[-1.0, 0.0, 0.1]])})["y"] == [[0.0, 0.0, 1.0]]
    assert run(tmp_path, node, {"x": [0.0, 2.0]})["y"] == [0.0, 1.0]


# ----------------------------------------------------------------------------- vector ops

def test_normalizer_l1_and_infinity(tmp_path):
    x = np.array([[3.0, -4.0], [0.0, 0.0]])
    l1 = single("normalizer", {"p_norm": attr_double(1.0)})
    np.testing.assert_allclose(run(tmp_path, l1, {"x": x})["y"], [[3 / 7, -4 / 7], [0.0, 0.0]])
    inf = single("normalizer", {"p_norm": attr_double(float("inf"))})  # written as null
    np.testing.assert_allclose(run(tmp_path, inf, {"x": x})["y"], [[0.75, -1.0], [0.0, 0.0]])
    frame = frame_of(tmp_path, l1, LeapFrame({"x": sparse(4, [{3: -2.0, 0: 2.0}])}, 1))
    assert frame.to_dict()["y"] == [[0.5, 0.0, 0.0, -0.5]]


def test_vector_slicer_named_indices_and_bounds(tmp_path):
    node = single("vector_slicer", {"indices": attr_list_long([2]), "names": attr_list_string(["f0"]),
                                    "named_indices": attr_list_int([0])})
    assert run(tmp_path, node, {"x": np.array([[1.0, 2.0, 3.0]])})["y"] == [[3.0, 1.0]]
    with pytest.raises(OpError, match="outside vector size 2"):
        run(tmp_path, node, {"x": np.array([[1.0, 2.0]])})


def test_polynomial_expansion_matches_sparks_doc_example(tmp_path):
    node = single("polynomial_expansion", {"degree": attr_int(3)})
    out = run(tmp_path, node, {"x": np.array([[2.0, 1.0], [0.0, 0.0], [3.0, -1.0]])})["y"]
    assert out == [[2.0, 4.0, 8.0, 1.0, 2.0, 4.0, 1.0, 2.0, 1.0], [0.0] * 9,
                   [3.0, 9.0, 27.0, -1.0, -3.0, -9.0, 1.0, 3.0, -1.0]]


def test_interaction_matches_sparks_doc_example_and_one_hots_nominals(tmp_path):
    node = NodeSpec("ia", "interaction", {"num_inputs": attr_int(3), "num_features0": attr_list_int([1]),
                                          "num_features1": attr_list_int([1, 1, 1]),
                                          "num_features2": attr_list_int([1, 1, 1])},
                    inputs=[("input0", "id1"), ("input1", "vec1"), ("input2", "vec2")], outputs=[("output", "y")])
    out = run(tmp_path, node, {"id1": [1.0], "vec1": np.array([[1.0, 2.0, 3.0]]), "vec2": np.array([[8.0, 4.0, 5.0]])})
    assert out["y"] == [[8.0, 4.0, 5.0, 16.0, 8.0, 10.0, 24.0, 12.0, 15.0]]
    nominal = NodeSpec("ib", "interaction", {"num_inputs": attr_int(2), "num_features0": attr_list_int([3]),
                                             "num_features1": attr_list_int([1])},
                       inputs=[("input0", "cat"), ("input1", "w")], outputs=[("output", "y")])
    assert run(tmp_path, nominal, {"cat": [2.0, 0.0], "w": [5.0, 7.0]})["y"] == [[0, 0, 5], [7, 0, 0]]
    with pytest.raises(OpError, match="not a category index below 3"):
        run(tmp_path, nominal, {"cat": [3.0], "w": [1.0]})


def test_pca_reads_column_major_matrices(tmp_path):
    raw = {"type": "tensor", "double": [1.0, 0.0, 2.0, 0.0, 1.0, 0.0],  # 3 × 2, column-major
           "shape": {"dimensions": [{"size": 3, "name": ""}, {"size": 2, "name": ""}]}}
    node = single("pca", {"principal_components": raw})
    assert run(tmp_path, node, {"x": np.array([[1.0, 10.0, 100.0]])})["y"] == [[201.0, 10.0]]


# ----------------------------------------------------------------------------- math ops

@pytest.mark.parametrize("operation,x,expected", [
    ("log", [math.e, -1.0], [1.0, math.nan]), ("exp", [0.0], [1.0]), ("sqrt", [-4.0, 9.0], [math.nan, 3.0]),
    ("abs", [-2.5], [2.5]), ("floor", [-1.5], [-2.0]), ("ceil", [-1.5], [-1.0]),
    ("logit", [0.5, 0.0, 1.0], [0.0, -math.inf, math.inf]),
    # Java Math.round: floor(x + 0.5) without the double-rounding of 0.49999999999999994 + 0.5
    ("round_of", [0.5, -0.5, 2.5, -2.5, 0.49999999999999994, math.nan, 1e300], [1, 0, 3, -2, 0, 0, 2.0**63 - 1]),
])
def test_math_unary(tmp_path, operation, x, expected):
    out = run(tmp_path, single("math_unary", {"operation": attr_string(operation)}), {"x": x})["y"]
    np.testing.assert_array_equal(out, expected)


def test_math_unary_rejects_unknown_names_and_logit_domain(tmp_path):
    with pytest.raises(BundleError, match="operation 'round' is not one of abs, ceil"):
        load_bundle(write_bundle(single("math_unary", {"operation": attr_string("round")}), tmp_path / "a"))
    with pytest.raises(OpError, match=r"logit: 1.5 out of \[0, 1\]"):
        run(tmp_path, single("math_unary", {"operation": attr_string("logit")}), {"x": [1.5]})


@pytest.mark.parametrize("operation,expected", [
    ("add", [9.0, -1.0]), ("sub", [3.0, -5.0]), ("mul", [18.0, -6.0]), ("div", [2.0, -1.5]),
    ("rem", [0.0, -1.0]), ("pow", [216.0, 9.0]), ("log_n", [math.log(6) / math.log(3), math.nan]),
])
def test_math_binary(tmp_path, operation, expected):
    node = NodeSpec("mb", "math_binary", {"operation": attr_string(operation)},
                    inputs=[("input_a", "a"), ("input_b", "b")], outputs=[("output", "y")])
    np.testing.assert_allclose(run(tmp_path, node, {"a": [6.0, -3.0], "b": [3.0, 2.0]})["y"], expected)


def test_math_binary_defaults_fill_missing_ports_and_nulls(tmp_path):
    node = NodeSpec("mb", "math_binary", {"operation": attr_string("sub"), "da": attr_double(10.0),
                                          "db": attr_double(1.0)},
                    inputs=[("input_a", "a")], outputs=[("output", "y")])
    assert run(tmp_path, node, {"a": [4.0, None]})["y"] == [3.0, 9.0]
    strict = NodeSpec("mb2", "math_binary", {"operation": attr_string("add")},
                      inputs=[("input_a", "a"), ("input_b", "b")], outputs=[("output", "y")])
    with pytest.raises(OpError, match="null value in column b and no default"):
        run(tmp_path, strict, {"a": [1.0], "b": [None]})
    with pytest.raises(BundleError, match="needs input_a or da"):
        load_bundle(write_bundle(NodeSpec("mb3", "math_binary", {"operation": attr_string("add")},
                                          inputs=[("input_b", "b")], outputs=[("output", "y")]), tmp_path / "c"))


# ----------------------------------------------------------------------------- reverse_string_indexer, frames

def test_reverse_string_indexer_rejects_nan_and_fractions(tmp_path):
    node = single("reverse_string_indexer", {"labels": attr_list_string(["a", "b"]),
                                             "input_shape": {"data_shape": {"base": "scalar", "isNullable": False}}})
    assert run(tmp_path, node, {"x": [1, 0]})["y"] == ["b", "a"]
    for bad in (float("nan"), 0.5, -1.0):
        with pytest.raises(OpError, match="not a valid label index"):
            run(tmp_path, node, {"x": [bad]})


def test_vector_ops_name_the_column_when_given_text(tmp_path):
    node = single("normalizer", {"p_norm": attr_double(2.0)})
    with pytest.raises(FrameError, match="column 'x' must be a vector for normalizer 'normalizer'"):
        run(tmp_path, node, {"x": [["a", "b"]]})


def test_frame_round_trips_and_rejects_ragged_columns():
    frame = LeapFrame.from_dict({"s": ["a", None], "n": [1, None], "v": [[1.0, 2.0], [3.0, 4.0]],
                                 "tokens": [["a"], []]})
    assert frame.to_dict() == {"s": ["a", None], "n": [1.0, None], "v": [[1.0, 2.0], [3.0, 4.0]],
                               "tokens": [["a"], []]}
    assert isinstance(frame.columns["n"], Scalar) and frame.columns["n"].nulls.tolist() == [False, True]
    with pytest.raises(FrameError, match="column 'b' has 1 rows; earlier columns have 2"):
        LeapFrame.from_dict({"a": [1, 2], "b": [1]})
    pd = pytest.importorskip("pandas")
    assert frame.to_pandas()["s"].isna().tolist() == [False, True]
    assert LeapFrame.from_pandas(pd.DataFrame({"s": ["x", None]})).to_dict() == {"s": ["x", None]}
