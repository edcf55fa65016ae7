"""Our own ops (no Spark needed): their math, their errors, and how the JVM checker reports them.

Parity with pyspark is in ``test_parity_not_jvm``; here the cases Spark's tests cannot reach
cheaply: the cosine statistics shortcut against a brute-force search, null offsets, an all-null
JSON column, bad attributes, and ``--check-jvm``'s wording for each own op.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inference_pipeline.mleap import OpError, load_bundle, write_bundle
from inference_pipeline.mleap.attributes import (
    attr_double,
    attr_list_double,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from inference_pipeline.mleap.bundle import BundleError, NodeSpec
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.jvm_rules import OWN_OPS, check_bundle, format_problems
from inference_pipeline.mleap.ops.clustering_cosine import find_closest, statistics
from inference_pipeline.mleap.ops.target_encoder import encode

GLM = "inference_pipeline.generalized_linear_regression"
COEFFICIENTS = {"coefficients": attr_tensor_double([0.5, -0.25]), "intercept": attr_double(0.75)}
POWER_03 = {"family": attr_string("tweedie"), "link": attr_string("power"), "variance_power": attr_double(1.5),
            "link_power": attr_double(0.3)}


def _load(tmp_path: Path, node: NodeSpec) -> Any:
    return load_bundle(write_bundle(node, tmp_path / "b", archive="dir"))


def _glm(attrs: dict[str, Any], offset: bool = True, op: str = GLM) -> NodeSpec:
    inputs = [("features", "f")] + ([("offset", "off")] if offset else [])
    return NodeSpec("g", op, {**COEFFICIENTS, **attrs}, inputs, [("link_prediction", "eta"), ("prediction", "mu")])


def _features(rows: list[list[float]]) -> Vector:
    return Vector.from_dense(np.array(rows, dtype=np.float64))


def test_glm_power_link_with_offset_and_a_null_offset(tmp_path: Path) -> None:
    bundle = _load(tmp_path, _glm(POWER_03))
    frame = LeapFrame(n_rows=3).with_column("f", _features([[1.0, 2.0], [4.0, 0.0], [0.0, 0.0]]))
    frame.with_column("off", Scalar(np.array([0.25, np.nan, -5.0]), "double", np.array([False, True, False])))
    out = bundle.transform(frame).to_dict()
    eta = 0.5 * 1.0 + -0.25 * 2.0 + 0.75 + 0.25
    assert out["eta"][0] == eta and out["mu"][0] == pytest.approx(eta ** (1 / 0.3), rel=1e-15)
    assert out["eta"][1] is None and out["mu"][1] is None  # Spark: a null offset gives null outputs
    # eta = -4.25: Java's Math.pow of a negative base to 1/0.3 is NaN, and Tweedie's clamp keeps NaN.
    assert out["eta"][2] == -4.25 and math.isnan(out["mu"][2])


def test_glm_own_op_without_offset_and_bad_attributes(tmp_path: Path) -> None:
    bundle = _load(tmp_path / "ok", _glm(POWER_03, offset=False))
    out = bundle.transform(LeapFrame(n_rows=1).with_column("f", _features([[2.0, 0.0]]))).to_dict()
    assert out["eta"] == [1.75] and out["mu"][0] == pytest.approx(1.75 ** (1 / 0.3), rel=1e-15)
    with pytest.raises(BundleError, match="link_power"):
        _load(tmp_path / "a", _glm({"family": attr_string("tweedie"), "link": attr_string("power")}))
    with pytest.raises(BundleError, match="'weibull'"):
        _load(tmp_path / "b", _glm({"family": attr_string("weibull")}))
    with pytest.raises(BundleError, match="tweedie"):  # MLeap's own op name keeps MLeap's families only
        _load(tmp_path / "c", _glm(POWER_03, offset=False, op="generalized_linear_regression"))


def _distances(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(centers, axis=1)
    return 1.0 - (x @ centers.T) / norms[None, :] / np.linalg.norm(x, axis=1)[:, None]


def test_cosine_statistics_shortcut_agrees_with_the_full_search() -> None:
    rng = np.random.default_rng(5)
    for k in (2, 3, 7):
        centers = rng.normal(size=(k, 4))
        x = rng.normal(size=(500, 4))
        d = _distances(x, centers)
        stats = statistics(centers, np.linalg.norm(centers, axis=1))
        assert np.array_equal(find_closest(d, stats), d.argmin(axis=1))
        assert np.allclose(np.diag(stats), [min(stats[i, j] for j in range(k) if j != i) for i in range(k)])


def _kmeans(tmp_path: Path, measure: str) -> Any:
    attrs = {"cluster_centers": {"type": "list", "tensor": [
        {"double": [1.0, 0.0], "shape": {"dimensions": [{"size": 2, "name": ""}]}},
        {"double": [0.0, 3.0], "shape": {"dimensions": [{"size": 2, "name": ""}]}}]},
             "num_features": attr_long(2), "distance_measure": attr_string(measure)}
    return _load(tmp_path, NodeSpec("k", "inference_pipeline.k_means", attrs, [("features", "f")],
                                    [("prediction", "p")]))


def test_cosine_kmeans_predicts_by_angle_and_refuses_zero_vectors(tmp_path: Path) -> None:
    bundle = _kmeans(tmp_path / "ok", "cosine")
    # (10, 9) is nearer (0, 3) in Euclidean distance but nearer (1, 0) in angle.
    out = bundle.transform(LeapFrame(n_rows=2).with_column("f", _features([[10.0, 9.0], [0.1, 5.0]]))).to_dict()
    assert out["p"] == [0, 1]
    with pytest.raises(OpError, match="zero-length"):
        bundle.transform(LeapFrame(n_rows=1).with_column("f", _features([[0.0, 0.0]])))
    with pytest.raises(BundleError, match="distance_measure"):
        _kmeans(tmp_path / "bad", "euclidean")


def _encoder(tmp_path: Path, handle: str, with_null: bool = True) -> Any:
    attrs = {"target_type": attr_string("binary"), "smoothing": attr_double(2.0), "handle_invalid": attr_string(handle),
             "categories": attr_list_double([3.0, 0.0]), "counts": attr_list_double([4.0, 6.0]),
             "stats": attr_list_double([1.0, 5.0]), "unseen_count": attr_double(12.0), "unseen_stat": attr_double(6.0)}
    if with_null:
        attrs |= {"null_count": attr_double(2.0), "null_stat": attr_double(0.0)}
    return _load(tmp_path, NodeSpec("t", "inference_pipeline.target_encoder", attrs, [("input", "c")],
                                    [("output", "e")]))


def test_target_encoder_encodings_nulls_and_unseen(tmp_path: Path) -> None:
    global_ = encode(12.0, 6.0, 12.0, 6.0, 2.0, "binary")
    assert encode(4.0, 1.0, 12.0, 6.0, 2.0, "binary") == (4 / 6) * (1 / 4) + (1 - 4 / 6) * 0.5
    bundle = _encoder(tmp_path / "keep", "keep")
    frame = LeapFrame(n_rows=5).with_column("c", Scalar(np.array([0, 3, 7, -1, 0]), "long",
                                                        np.array([False, False, False, False, True])))
    out = bundle.transform(frame).to_dict()["e"]
    assert out == [encode(6.0, 5.0, 12.0, 6.0, 2.0, "binary"), encode(4.0, 1.0, 12.0, 6.0, 2.0, "binary"),
                   global_, global_, encode(2.0, 0.0, 12.0, 6.0, 2.0, "binary")]
    # JSON nulls alone carry no type: still nulls of a numeric column, not a string column.
    nulls = LeapFrame.from_dict({"c": [None, None]})
    assert bundle.transform(nulls).to_dict()["e"] == [encode(2.0, 0.0, 12.0, 6.0, 2.0, "binary")] * 2
    with pytest.raises(OpError, match="numeric"):
        bundle.transform(LeapFrame.from_dict({"c": ["a"]}))

    strict = _encoder(tmp_path / "error", "error", with_null=False)
    assert strict.transform(LeapFrame.from_dict({"c": [3.0, -0.0]})).to_dict()["e"][1] == out[0]
    with pytest.raises(OpError, match="unseen value 1.5"):
        strict.transform(LeapFrame.from_dict({"c": [3.0, 1.5]}))
    with pytest.raises(OpError, match="unseen value null"):  # no null category in training
        strict.transform(LeapFrame.from_dict({"c": [None, 3.0]}))


@pytest.mark.parametrize("node, fields", [
    (_glm(POWER_03), {"offset port", "family", "link"}),
    (_glm({"family": attr_string("gaussian")}), {"offset port"}),
    (NodeSpec("t", "inference_pipeline.target_encoder", {}, [("input", "c")], [("output", "e")]), {"op"}),
    (NodeSpec("k", "inference_pipeline.bisecting_k_means", {"distance_measure": attr_string("cosine")},
              [("features", "f")], [("prediction", "p")]), {"distance_measure"}),
], ids=["glm-power-offset", "glm-offset", "target_encoder", "bisecting-cosine"])
def test_check_jvm_names_the_own_op_and_the_field(tmp_path: Path, node: NodeSpec, fields: set[str]) -> None:
    problems = check_bundle(write_bundle(node, tmp_path / "b", archive="dir"))
    assert {p.op for p in problems} == {node.op} and {p.field for p in problems} == fields
    report = format_problems(problems)
    assert node.op in report and "sagemaker-sparkml-serving cannot load" in report
    assert OWN_OPS[node.op].spark_stage  # every own op names the Spark model it serves


def test_export_command_check_jvm_names_the_own_op(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    from inference_pipeline.mleap.export import ExportError
    from inference_pipeline.mleap.export import cli as export_cli

    written = write_bundle(NodeSpec("t", "inference_pipeline.target_encoder", {}, [("input", "c")], [("output", "e")]),
                           tmp_path / "own", archive="dir")
    monkeypatch.setattr(export_cli, "local_session", lambda *_: None)
    monkeypatch.setattr(export_cli.PipelineModel, "load", staticmethod(lambda _: object()))
    monkeypatch.setattr(export_cli, "export_pipeline", lambda *a, **k: written)
    (tmp_path / "saved").mkdir()
    assert export_cli.export_command(tmp_path / "saved", tmp_path / "out", None, None, "dir") == written
    with pytest.raises(ExportError, match=r"inference_pipeline\.target_encoder node 't' .*: op: .*"
                                          "sagemaker-sparkml-serving cannot load"):
        export_cli.export_command(tmp_path / "saved", tmp_path / "out", None, None, "dir", check_jvm=True)
