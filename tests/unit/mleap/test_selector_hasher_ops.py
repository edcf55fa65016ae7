"""Unit checks (no Spark) for the issue-14 ops: the parts parity rows cannot reach."""

from __future__ import annotations

import numpy as np
import pytest

from inference_pipeline.mleap import OpError
from inference_pipeline.mleap.export.errors import UnsupportedStageError
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape
from inference_pipeline.mleap.ops.feature_hasher import FeatureHasher, java_float_str
from inference_pipeline.mleap.ops.isotonic import java_binary_search
from inference_pipeline.mleap.ops.selectors import ChiSqSelector
from inference_pipeline.mleap.ops.signal import dct_basis


def _java_binary_search(a: list[float], key: float) -> int:
    """The JDK's Arrays.binarySearch(double[], double), line for line (ordering by compare)."""
    def bits(x: float) -> int:
        return 0x7FF8000000000000 if x != x else int(np.array([x]).view(np.int64)[0])

    low, high = 0, len(a) - 1
    while low <= high:
        mid = (low + high) >> 1
        if a[mid] < key:
            low = mid + 1
        elif a[mid] > key:
            high = mid - 1
        elif bits(a[mid]) == bits(key):
            return mid
        elif bits(a[mid]) < bits(key):
            low = mid + 1
        else:
            high = mid - 1
    return -(low + 1)


def test_binary_search_is_the_jdks_with_duplicates_nan_and_signed_zero() -> None:
    boundaries = [-1.0, -0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 5.0, 5.0, 9.0]
    keys = [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 10.0, float("nan"), float("inf"), float("-inf")]
    got = java_binary_search(np.array(boundaries), np.array(keys)).tolist()
    assert got == [_java_binary_search(boundaries, k) for k in keys]
    assert got[10] == -(len(boundaries) + 1)  # NaN sorts above everything


def test_java_float_to_string() -> None:
    cases = {0.1: "0.1", 1.0: "1.0", 1e-5: "1.0E-5", 1e10: "1.0E10", 3.4028235e38: "3.4028235E38",
             -2.5: "-2.5", 0.001: "0.001", 1234567.0: "1234567.0", 12345678.0: "1.2345678E7", -0.0: "-0.0"}
    assert {v: java_float_str(v) for v in cases} == cases


def _hasher(types: list[str], categorical: list[str], n: int = 1 << 10) -> FeatureHasher:
    names = [f"c{i}" for i in range(len(types))]
    attributes = {"num_features": n, "categorical_cols": categorical, "input_names": names, "basic_types": types,
                  "input_shapes": []}
    shape = NodeShape(tuple((f"input{i}", c) for i, c in enumerate(names)), (("output", "out"),))
    return FeatureHasher.from_model(attributes, shape, "/nonexistent")  # type: ignore[return-value]


def test_float_column_values_are_read_as_floats() -> None:
    # A float column arrives as decimal text / doubles; the JVM holds 0.1f, whose double is not 0.1.
    op = _hasher(["float"], [])
    out = op.transform(LeapFrame({"c0": Scalar(np.array([0.1]))}, 1)).columns["out"]
    assert isinstance(out, Vector) and not out.is_dense
    assert out.data.tolist() == [float(np.float32(0.1))]


def test_hasher_sums_collisions_and_skips_nulls() -> None:
    op = _hasher(["double", "double", "string"], [], n=1)  # one slot: everything collides
    frame = LeapFrame({"c0": Scalar(np.array([1.5, np.nan]), nulls=np.array([False, True])),
                       "c1": Scalar(np.array([2.0, 3.0])),
                       "c2": Scalar(np.array(["x", None], dtype=object), "string")}, 2)
    out = op.transform(frame).columns["out"]
    assert out.to_dense().tolist() == [[4.5], [3.0]]


def test_selector_sparse_path_equals_dense_path() -> None:
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(6, 9)) * (rng.random((6, 9)) < 0.4)
    selected = [0, 3, 4, 8]
    op = ChiSqSelector.from_model({"filter_indices": selected, "input_size": 9},
                                  NodeShape((("input", "x"),), (("output", "y"),)), "/nonexistent")
    as_dense = op.transform(LeapFrame({"x": Vector.from_dense(dense)}, 6)).columns["y"]
    sparse_in = Vector.from_dense(dense)
    indptr, indices, data = sparse_in.csr()
    as_sparse = op.transform(LeapFrame({"x": Vector.from_csr(9, indptr, indices, data)}, 6)).columns["y"]
    assert not as_sparse.is_dense
    np.testing.assert_array_equal(as_sparse.to_dense(), dense[:, selected])
    np.testing.assert_array_equal(as_dense.to_dense(), dense[:, selected])
    with pytest.raises(OpError, match="outside the input vector"):
        op.transform(LeapFrame({"x": Vector.from_dense(dense[:, :5])}, 6))
    with pytest.raises(ValueError, match="strictly increasing"):
        ChiSqSelector.from_model({"filter_indices": [3, 1], "input_size": 9},
                                 NodeShape((("input", "x"),), (("output", "y"),)), "/nonexistent")


def test_dct_basis_is_orthonormal_dct_ii() -> None:
    scipy_fft = pytest.importorskip("scipy.fft")
    x = np.random.default_rng(2).normal(size=(3, 7))
    np.testing.assert_allclose(x @ dct_basis(7).T, scipy_fft.dct(x, type=2, norm="ortho", axis=1), atol=1e-13)
    np.testing.assert_allclose(dct_basis(7) @ dct_basis(7).T, np.eye(7), atol=1e-13)


def test_unsupported_stage_says_whether_mleap_has_an_op() -> None:
    no_op = str(UnsupportedStageError("SQLTransformer", "SQLTransformer_1", ["Binarizer"]))
    assert "SQLTransformer" in no_op and "SQLTransformer_1" in no_op
    assert "MLeap has no op for SQLTransformer" in no_op
    not_yet = str(UnsupportedStageError("MinHashLSHModel", "MinHashLSH_2", ["Binarizer"]))
    assert "MinHashLSH_2" in not_yet and "'min_hash_lsh'" in not_yet and "does not convert MinHashLSHModel yet" in not_yet
    assert "MLeap has no op" not in not_yet
    # Spark 4's TargetEncoder has no MLeap op (none up to MLeap 0.25 either).
    assert "MLeap has no op for TargetEncoderModel" in str(UnsupportedStageError("TargetEncoderModel", "t", []))
