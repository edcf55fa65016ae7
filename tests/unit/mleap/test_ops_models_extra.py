"""The new ops on hand-written bundles (no Spark): the cases where MLeap's JVM math and Spark's
differ, clamps, sparse input, malformed bundles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from inference_pipeline.mleap import OpError, load_bundle, write_bundle
from inference_pipeline.mleap.attributes import (
    attr_double,
    attr_list_double,
    attr_list_long,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from inference_pipeline.mleap.bundle import BundleError, NodeSpec
from inference_pipeline.mleap.frame import LeapFrame, Vector

F = [("features", "f")]


def _load(tmp_path: Path, node: NodeSpec):
    return load_bundle(write_bundle(node, tmp_path / "b"))


def _lr_child(weight: float) -> bytes:
    attrs = {"num_classes": attr_long(2), "coefficients": attr_tensor_double([weight]), "intercept": attr_double(0.0),
             "threshold": attr_double(0.5)}
    return json.dumps({"op": "logistic_regression", "attributes": attrs}).encode()


def test_one_vs_rest_follows_spark_margins_not_saturated_probabilities(tmp_path: Path) -> None:
    # Margins 50x and 60x: both sigmoids round to 1.0, so MLeap's argmax of probabilities picks class 0;
    # Spark takes the argmax of the margins (rawPrediction), class 1.
    node = NodeSpec("ovr", "one_vs_rest", {"num_classes": attr_long(2), "num_features": attr_long(1)}, F,
                    [("raw_prediction", "raw"), ("prediction", "pred")],
                    extra_files={"model0/model.json": _lr_child(50.0), "model1/model.json": _lr_child(60.0)})
    out = _load(tmp_path, node).transform({"f": [[1.0], [-1.0]]}).to_dict()
    assert out["raw"] == [[50.0, 60.0], [-50.0, -60.0]]
    assert out["pred"] == [1.0, 0.0]


def test_one_vs_rest_rejects_regressors_and_missing_models(tmp_path: Path) -> None:
    regressor = json.dumps({"op": "linear_regression", "attributes": {
        "coefficients": attr_tensor_double([1.0]), "intercept": attr_double(0.0)}}).encode()
    node = NodeSpec("ovr", "one_vs_rest", {"num_classes": attr_long(1), "num_features": attr_long(1)}, F,
                    [("prediction", "pred")], extra_files={"model0/model.json": regressor})
    with pytest.raises(BundleError, match="binary classifiers"):
        _load(tmp_path / "a", node)
    node.extra_files = {}
    with pytest.raises(BundleError, match="model0/model.json is missing"):
        _load(tmp_path / "b", node)


def _indexer(handle: str) -> NodeSpec:
    attrs = {"key_0_keys": attr_list_double([0.0, 2.0, float("nan")]), "key_0_values": attr_list_long([0, 1, 2]),
             "keys": attr_list_long([0]), "num_features": attr_long(2), "handle_invalid": attr_string(handle)}
    return NodeSpec("vi", "vector_indexer", attrs, [("input", "v")], [("output", "o")])


def test_vector_indexer_nan_never_matches_and_skip_drops_rows(tmp_path: Path) -> None:
    keep = _load(tmp_path / "k", _indexer("keep"))
    rows = [[2.0, 7.0], [float("nan"), 1.0], [5.0, 0.0]]
    assert keep.transform({"v": rows}).to_dict()["o"] == [[1.0, 7.0], [3.0, 1.0], [3.0, 0.0]]
    assert keep.transform_row({"v": rows[1]})["o"] == [3.0, 1.0]
    skip = _load(tmp_path / "s", _indexer("skip"))
    assert skip.transform({"v": rows, "id": [1, 2, 3]}).to_dict()["id"] == [1]
    assert skip.transform_row({"v": rows[2]}) is None
    with pytest.raises(OpError, match="invalid value NaN on feature index 0"):
        _load(tmp_path / "e", _indexer("error")).transform({"v": rows})


def test_vector_indexer_sparse_input_leaves_implicit_zeros(tmp_path: Path) -> None:
    attrs = {"key_0_keys": attr_list_double([1.0, 2.0]), "key_0_values": attr_list_long([0, 1]),
             "keys": attr_list_long([0]), "num_features": attr_long(2), "handle_invalid": attr_string("error")}
    bundle = _load(tmp_path, NodeSpec("vi", "vector_indexer", attrs, [("input", "v")], [("output", "o")]))
    sparse = Vector.from_csr(2, np.array([0, 1, 2]), np.array([0, 1]), np.array([2.0, 4.0]))
    out = bundle.transform(LeapFrame({"v": sparse}, 2)).columns["o"]
    np.testing.assert_array_equal(out.to_dense(), [[1.0, 0.0], [0.0, 4.0]])  # the zero is not looked up
    with pytest.raises(OpError):  # dense: the 0.0 is an unseen category
        bundle.transform({"v": [[0.0, 4.0]]})


def test_mlp_weight_layout_and_thresholds(tmp_path: Path) -> None:
    # layers [2, 2]: weights = column-major 2x2 matrix (out x in) then 2 biases.
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([0.5, -0.5])
    weights = list(w.T.ravel()) + list(b)
    attrs = {"layers": attr_list_long([2, 2]), "weights": attr_tensor_double(weights),
             "thresholds": attr_list_double([0.01, 0.99])}
    node = NodeSpec("mlp", "multi_layer_perceptron_classifier", attrs, F,
                    [("raw_prediction", "raw"), ("probability", "p"), ("prediction", "y")])
    out = _load(tmp_path, node).transform({"f": [[1.0, 1.0]]}).to_dict()
    raw = w @ [1.0, 1.0] + b
    np.testing.assert_allclose(out["raw"][0], raw, rtol=0, atol=0)
    p = np.exp(raw - raw.max()) / np.exp(raw - raw.max()).sum()
    np.testing.assert_allclose(out["p"][0], p, rtol=1e-15)
    assert out["y"] == [0.0]  # p0 / 0.01 beats p1 / 0.99 although class 1 has the larger raw score


def _glr(family: str, link: str | None) -> NodeSpec:
    attrs = {"coefficients": attr_tensor_double([1.0]), "intercept": attr_double(0.0), "family": attr_string(family)}
    if link:
        attrs["link"] = attr_string(link)
    return NodeSpec("glr", "generalized_linear_regression", attrs, F,
                    [("link_prediction", "eta"), ("prediction", "mu")])


@pytest.mark.parametrize("family, link, eta, mu", [
    ("binomial", None, [-100.0, 0.0, 100.0], [1e-16, 0.5, 1 - 1e-16]),
    ("poisson", None, [-100.0, 1000.0], [1e-16, np.finfo(float).max]),
    ("gaussian", "log", [1000.0], [np.finfo(float).max]),
    ("gamma", None, [0.5, -2.0], [2.0, 1e-16]),
    ("poisson", "sqrt", [-3.0], [9.0]),
    ("binomial", "cloglog", [0.0], [1.0 - np.exp(-1.0)]),
    ("binomial", "probit", [0.0, 1.0], [0.5, 0.8413447460685429]),
])
def test_glr_links_and_spark_clamps(tmp_path: Path, family: str, link: str | None, eta: list[float],
                                    mu: list[float]) -> None:
    out = _load(tmp_path, _glr(family, link)).transform({"f": [[e] for e in eta]}).to_dict()
    assert out["eta"] == eta
    np.testing.assert_allclose(out["mu"], mu, rtol=1e-15)


def test_glr_rejects_families_mleap_does_not_know(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="tweedie"):
        _load(tmp_path, _glr("tweedie", None))


def _kmeans(centers: list[list[float]]) -> NodeSpec:
    tensors = [{"double": c, "shape": {"dimensions": [{"size": len(c), "name": ""}]}} for c in centers]
    attrs = {"cluster_centers": {"type": "list", "tensor": tensors}, "num_features": attr_long(len(centers[0]))}
    return NodeSpec("km", "k_means", attrs, F, [("prediction", "c")])


def test_kmeans_first_closest_center_and_int_output(tmp_path: Path) -> None:
    bundle = _load(tmp_path, _kmeans([[0.0, 0.0], [10.0, 0.0], [5.0, 0.0]]))
    out = bundle.transform({"f": [[1.0, 1.0], [9.0, -1.0], [2.5, 0.0], [1e8, 1e8]]}).to_dict()
    assert out["c"] == [0, 1, 0, 1]  # the tie at 2.5 goes to the first center
    with pytest.raises(OpError, match="size 2"):
        bundle.transform({"f": [[1.0, 2.0, 3.0]]})


def test_bisecting_tree_descends_to_closest_child(tmp_path: Path) -> None:
    nodes = [(-1, [5.0], 2), (-2, [1.0], 2), (0, [0.0], 0), (1, [2.0], 0), (2, [9.0], 0)]
    tree = "".join(json.dumps({"index": i, "norm": abs(v[0]), "values": v, "numChildren": n},
                              separators=(",", ":")) + "\n" for i, v, n in nodes)
    node = NodeSpec("bk", "bisecting_k_means", {}, F, [("prediction", "c")], extra_files={"tree.json": tree.encode()})
    # The root's children are 1.0 and 9.0: 4.5 takes the 1.0 branch, then leaf 1 (center 2.0).
    assert _load(tmp_path, node).transform({"f": [[-3.0], [4.5], [8.0]]}).to_dict()["c"] == [0, 1, 2]
    bad = NodeSpec("bk", "bisecting_k_means", {}, F, [("prediction", "c")],
                   extra_files={"tree.json": tree.encode()[: tree.rfind('{"index":2')]})
    with pytest.raises(BundleError, match="ends before"):
        _load(tmp_path / "bad", bad)


def test_gaussian_mixture_singular_covariance_uses_pseudo_inverse(tmp_path: Path) -> None:
    def tensor(values: list[float], dims: list[int]) -> dict:
        return {"double": values, "shape": {"dimensions": [{"size": d, "name": ""} for d in dims]}}

    attrs = {"means": {"type": "list", "tensor": [tensor([0.0, 0.0], [2]), tensor([3.0, 3.0], [2])]},
             "covs": {"type": "list", "tensor": [tensor([1.0, 0.0, 0.0, 0.0], [2, 2]),
                                                 tensor([1.0, 0.0, 0.0, 1.0], [2, 2])]},
             "weights": attr_list_double([0.5, 0.5])}
    node = NodeSpec("gm", "gaussian_mixture", attrs, F, [("prediction", "c"), ("probability", "p")])
    out = _load(tmp_path, node).transform({"f": [[0.1, 5.0], [2.9, 3.1]]}).to_dict()
    # Gaussian 0 is degenerate along y: its density ignores y (pseudo-determinant over one axis).
    pdf0 = np.exp(-0.5 * (np.log(2 * np.pi) * 2) - 0.5 * 0.1 ** 2)
    pdf1 = np.exp(-np.log(2 * np.pi) - 0.5 * (2.9 ** 2 + 2.0 ** 2))
    p0 = (2.220446049250313e-16 + 0.5 * pdf0)
    p1 = (2.220446049250313e-16 + 0.5 * pdf1)
    np.testing.assert_allclose(out["p"][0], [p0 / (p0 + p1), p1 / (p0 + p1)], rtol=1e-12)
    assert out["c"] == [0, 1]
