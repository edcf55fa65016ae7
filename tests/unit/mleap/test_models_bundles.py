"""Predictor and tree ops loaded from hand-built bundles, checked against scikit-learn equivalents.

scikit-learn shares Spark's semantics where it matters here: trees go left on ``x <= threshold``,
forest classifiers average per-tree normalised leaf distributions, logistic/naive Bayes models use
the same formulas. GBT is mapped by folding sklearn's prior into a one-leaf tree.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from inference_pipeline.mleap.attributes import (
    attr_double,
    attr_list_double,
    attr_list_string,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from inference_pipeline.mleap.bundle import Bundle, BundleError, NodeSpec, load_bundle, write_bundle
from inference_pipeline.mleap.frame import LeapFrame, Vector
from inference_pipeline.mleap.ops.base import OpError

CLASSIFIER_PORTS = [("prediction", "pred"), ("probability", "prob"), ("raw_prediction", "raw")]
X_REG, Y_REG = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=0)
X_CLS, Y_CLS = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=1)
X_BIN, Y_BIN = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=2)


def _load(tmp_path: Path, node: NodeSpec) -> Bundle:
    return load_bundle(write_bundle(node, tmp_path / "bundle"))


def _run(bundle: Bundle, x: np.ndarray | Vector) -> dict[str, np.ndarray]:
    vector = x if isinstance(x, Vector) else Vector.from_dense(x)
    frame = bundle.transform(LeapFrame({"features": vector}, len(vector)))
    return {name: (col.to_dense() if isinstance(col, Vector) else col.values) for name, col in frame.columns.items()}


def _predictor(op: str, attributes: dict, outputs=(("prediction", "pred"),), files: dict | None = None) -> NodeSpec:
    return NodeSpec(name=f"{op}_node", op=op, attributes=attributes, inputs=[("features", "features")],
                    outputs=list(outputs), extra_files=files or {})


# ----------------------------------------------------------------------------- linear models


def test_linear_regression_dense_and_sparse(tmp_path: Path) -> None:
    model = LinearRegression().fit(X_REG, Y_REG)
    bundle = _load(tmp_path, _predictor("linear_regression", {
        "coefficients": attr_tensor_double(model.coef_), "intercept": attr_double(model.intercept_)}))
    expected = model.predict(X_REG)
    assert np.allclose(_run(bundle, X_REG)["pred"], expected)
    sparse = X_REG * (np.abs(X_REG) > 0.8)
    rows, cols = np.nonzero(sparse)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(sparse)))])
    csr = Vector.from_csr(5, indptr, cols, sparse[rows, cols])
    assert np.allclose(_run(bundle, csr)["pred"], model.predict(sparse))


def test_linear_regression_rejects_wrong_width(tmp_path: Path) -> None:
    bundle = _load(tmp_path, _predictor("linear_regression", {"coefficients": attr_tensor_double([1.0, 2.0])}))
    with pytest.raises(OpError, match="size 2, got 3"):
        _run(bundle, np.ones((1, 3)))


@pytest.mark.parametrize(("threshold", "attr"), [(0.5, None), (0.7, attr_double(0.7)), (0.0, {})])
def test_binary_logistic_regression(tmp_path: Path, threshold: float, attr: dict | None) -> None:
    model = LogisticRegression().fit(X_BIN, Y_BIN)
    attributes = {"num_classes": attr_long(2), "coefficients": attr_tensor_double(model.coef_[0]),
                  "intercept": attr_double(model.intercept_[0])}
    if attr is not None:  # absent -> Spark's 0.5; {} is the Scala writer's 0.0
        attributes["threshold"] = attr
    out = _run(_load(tmp_path, _predictor("logistic_regression", attributes, CLASSIFIER_PORTS)), X_BIN)
    prob = model.predict_proba(X_BIN)
    margin = model.decision_function(X_BIN)
    assert np.allclose(out["prob"], prob)
    assert np.allclose(out["raw"], np.column_stack([-margin, margin]))
    assert np.array_equal(out["pred"], (prob[:, 1] > threshold).astype(float))


@pytest.mark.parametrize("thresholds", [None, [0.2, 0.5, 0.9]])
def test_multinomial_logistic_regression(tmp_path: Path, thresholds) -> None:
    model = LogisticRegression(max_iter=500).fit(X_CLS, Y_CLS)
    attributes = {"num_classes": attr_long(3), "coefficient_matrix": attr_tensor_double(model.coef_),
                  "intercept_vector": attr_tensor_double(model.intercept_)}
    if thresholds:
        attributes["thresholds"] = attr_list_double(thresholds)
    out = _run(_load(tmp_path, _predictor("logistic_regression", attributes, CLASSIFIER_PORTS)), X_CLS)
    prob = model.predict_proba(X_CLS)
    assert np.allclose(out["prob"], prob)
    assert np.allclose(out["raw"], model.decision_function(X_CLS))
    expected = prob.argmax(axis=1) if thresholds is None else (prob / np.array(thresholds)).argmax(axis=1)
    assert np.array_equal(out["pred"], expected.astype(float))


def test_multinomial_coefficients_are_read_column_major(tmp_path: Path) -> None:
    # Spark's Matrix.toArray is column-major: [w00, w10, w01, w11, w02, w12] for 2 classes x 3 features.
    raw = {"type": "tensor", "double": [1.0, 10.0, 2.0, 20.0, 3.0, 30.0],
           "shape": {"dimensions": [{"size": 2, "name": ""}, {"size": 3, "name": ""}]}}
    bundle = _load(tmp_path, _predictor("logistic_regression", {
        "num_classes": attr_long(3), "coefficient_matrix": raw, "intercept_vector": attr_tensor_double([0.0, 0.0])},
        CLASSIFIER_PORTS))
    out = _run(bundle, np.array([[1.0, 1.0, 1.0]]))
    assert out["raw"].tolist() == [[6.0, 60.0]]


# ----------------------------------------------------------------------------- naive Bayes


def _nb_attrs(pi, theta, model_type: str, sigma=None) -> dict:
    attrs = {"num_features": attr_long(theta.shape[1]), "num_classes": attr_long(theta.shape[0]),
             "pi": attr_tensor_double(pi), "theta": attr_tensor_double(theta), "model_type": attr_string(model_type)}
    if sigma is not None:
        attrs["sigma"] = attr_tensor_double(sigma)
    return attrs


@pytest.mark.parametrize("kind", ["multinomial", "bernoulli", "gaussian"])
def test_naive_bayes_matches_sklearn(tmp_path: Path, kind: str) -> None:
    x = np.abs(np.round(X_CLS * 3))
    if kind == "multinomial":
        model = MultinomialNB(alpha=0.5).fit(x, Y_CLS)
        attrs = _nb_attrs(model.class_log_prior_, model.feature_log_prob_, kind)
    elif kind == "bernoulli":
        x = (x > 2).astype(float)
        model = BernoulliNB(alpha=0.5).fit(x, Y_CLS)
        attrs = _nb_attrs(model.class_log_prior_, model.feature_log_prob_, kind)
    else:
        x = X_CLS
        model = GaussianNB().fit(x, Y_CLS)
        attrs = _nb_attrs(np.log(model.class_prior_), model.theta_, kind, model.var_)
    out = _run(_load(tmp_path, _predictor("naive_bayes", attrs, CLASSIFIER_PORTS)), x)
    assert np.allclose(out["prob"], model.predict_proba(x))
    assert np.array_equal(out["pred"], model.predict(x).astype(float))


def test_bernoulli_rejects_non_binary_features(tmp_path: Path) -> None:
    bundle = _load(tmp_path, _predictor("naive_bayes", _nb_attrs(np.log([0.5, 0.5]), np.log(np.full((2, 2), 0.5)),
                                                                   "bernoulli")))
    with pytest.raises(OpError, match="0 or 1"):
        _run(bundle, np.array([[0.0, 2.0]]))


def test_gaussian_without_sigma_fails_at_load(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="sigma"):
        _load(tmp_path, _predictor("naive_bayes", _nb_attrs(np.log([0.5, 0.5]), np.zeros((2, 2)), "gaussian")))


# ----------------------------------------------------------------------------- trees


def _sk_nodes(tree, classifier: bool, scale: float = 1.0) -> list[dict]:
    t = tree.tree_
    out: list[dict] = []
    stack = [0]
    while stack:
        i = stack.pop()
        if t.children_left[i] == -1:
            values = t.value[i][0] if classifier else [t.value[i][0][0] * scale]
            out.append({"type": "leaf", "values": [float(v) for v in values]})
        else:
            out.append({"type": "internal", "split": {"type": "continuous", "featureIndex": int(t.feature[i]),
                                                      "threshold": float(t.threshold[i])}})
            stack += [t.children_right[i], t.children_left[i]]
    return out


def _tree_file(nodes: list[dict]) -> bytes:
    return "".join(json.dumps(n) + "\n" for n in nodes).encode()


def _ensemble(op: str, trees: list[list[dict]], weights: list[float], extra: dict | None = None,
              outputs=(("prediction", "pred"),), tree_op: str = "decision_tree_regression") -> NodeSpec:
    files: dict[str, bytes] = {}
    for i, nodes in enumerate(trees):
        files[f"tree{i}/tree.json"] = _tree_file(nodes)
        files[f"tree{i}/model.json"] = json.dumps({"op": tree_op, "attributes": {"num_features": attr_long(6)}}).encode()
    attrs = {"num_features": attr_long(6), "tree_weights": attr_list_double(weights),
             "trees": attr_list_string([f"tree{i}" for i in range(len(trees))]), **(extra or {})}
    return _predictor(op, attrs, outputs, files)


def test_decision_tree_regression(tmp_path: Path) -> None:
    model = DecisionTreeRegressor(max_depth=6, random_state=0).fit(X_REG, Y_REG)
    node = _predictor("decision_tree_regression", {"num_features": attr_long(5)},
                      files={"tree.json": _tree_file(_sk_nodes(model, False))})
    assert np.allclose(_run(_load(tmp_path, node), X_REG)["pred"], model.predict(X_REG))


def test_decision_tree_classifier(tmp_path: Path) -> None:
    model = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X_CLS, Y_CLS)
    node = _predictor("decision_tree_classifier", {"num_features": attr_long(6), "num_classes": attr_long(3)},
                      CLASSIFIER_PORTS, {"tree.json": _tree_file(_sk_nodes(model, True))})
    out = _run(_load(tmp_path, node), X_CLS)
    assert np.allclose(out["prob"], model.predict_proba(X_CLS))
    assert np.array_equal(out["pred"], model.predict(X_CLS).astype(float))


def test_random_forest_regression_and_classifier(tmp_path: Path) -> None:
    reg = RandomForestRegressor(n_estimators=12, max_depth=5, random_state=0).fit(X_REG, Y_REG)
    node = _ensemble("random_forest_regression", [_sk_nodes(e, False) for e in reg.estimators_], [1.0] * 12)
    assert np.allclose(_run(_load(tmp_path / "r", node), X_REG)["pred"], reg.predict(X_REG))

    cls = RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0).fit(X_CLS, Y_CLS)
    node = _ensemble("random_forest_classifier", [_sk_nodes(e, True) for e in cls.estimators_], [1.0] * 10,
                     {"num_classes": attr_long(3)}, CLASSIFIER_PORTS, "decision_tree_classifier")
    out = _run(_load(tmp_path / "c", node), X_CLS)
    prob = cls.predict_proba(X_CLS)
    assert np.allclose(out["prob"], prob)
    assert np.allclose(out["raw"], prob * 10)  # raw = sum of per-tree normalised votes
    assert np.array_equal(out["pred"], prob.argmax(axis=1).astype(float))


def test_gbt_regression(tmp_path: Path) -> None:
    model = GradientBoostingRegressor(n_estimators=15, max_depth=3, learning_rate=0.2, random_state=0).fit(X_REG, Y_REG)
    prior = [{"type": "leaf", "values": [float(model.init_.constant_[0][0])]}]
    trees = [prior] + [_sk_nodes(e[0], False) for e in model.estimators_]
    node = _ensemble("gbt_regression", trees, [1.0] + [0.2] * 15)
    assert np.allclose(_run(_load(tmp_path, node), X_REG)["pred"], model.predict(X_REG))


@pytest.mark.parametrize("thresholds", [None, [0.4, 0.6]])
def test_gbt_classifier(tmp_path: Path, thresholds) -> None:
    model = GradientBoostingClassifier(n_estimators=12, max_depth=3, learning_rate=0.3, random_state=0).fit(X_BIN, Y_BIN)
    # sklearn's log-odds F = prior + lr * sum(trees); Spark's margin m gives p1 = sigmoid(2m), so m = F / 2.
    prior_raw = float(model._raw_predict_init(X_BIN[:1])[0][0])
    trees = [[{"type": "leaf", "values": [prior_raw / 2]}]] + [_sk_nodes(e[0], False) for e in model.estimators_]
    extra = {"num_classes": attr_long(2)}
    if thresholds:
        extra["thresholds"] = attr_list_double(thresholds)
    node = _ensemble("gbt_classifier", trees, [1.0] + [0.15] * 12, extra,
                     [("prediction", "pred"), ("probability", "prob"), ("rawPrediction", "raw")])
    out = _run(_load(tmp_path, node), X_BIN)
    prob = model.predict_proba(X_BIN)
    assert np.allclose(out["prob"], prob)
    assert np.allclose(out["raw"][:, 1], model.decision_function(X_BIN) / 2)
    expected = (prob[:, 1] > 0.5) if thresholds is None else (prob / np.array(thresholds)).argmax(axis=1)
    assert np.array_equal(out["pred"], expected.astype(float))


def test_categorical_splits_both_polarities(tmp_path: Path) -> None:
    nodes = [
        {"type": "internal", "split": {"type": "categorical", "featureIndex": 0, "isLeft": True,
                                       "numCategories": 4, "categories": [1.0, 3.0]}},
        {"type": "internal", "split": {"type": "categorical", "featureIndex": 1, "isLeft": False,
                                       "numCategories": 3, "categories": [2.0]}},
        {"type": "leaf", "values": [10.0]},
        {"type": "leaf", "values": [20.0]},
        {"type": "internal", "split": {"type": "continuous", "featureIndex": 1, "threshold": 0.5}},
        {"type": "leaf", "values": [30.0]},
        {"type": "leaf", "values": [40.0]},
    ]
    node = _predictor("decision_tree_regression", {"num_features": attr_long(2)}, files={"tree.json": _tree_file(nodes)})
    x = np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 0.0], [2.0, 1.0], [2.0, np.nan]])
    # Category 1/3 go left; then feature 1 != 2 goes left. Otherwise x1 <= 0.5 (NaN goes right).
    assert _run(_load(tmp_path, node), x)["pred"].tolist() == [10.0, 20.0, 30.0, 40.0, 40.0]


# ----------------------------------------------------------------------------- load-time validation


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (NodeSpec("n", "linear_regression", {"coefficients": attr_tensor_double([1.0])}, [("x", "f")], [("prediction", "p")]),
         "features"),
        (_predictor("linear_regression", {"coefficients": attr_tensor_double([1.0])}, [("probability", "p")]),
         "probability"),
        (_predictor("linear_regression", {}), "coefficients"),
        (_predictor("decision_tree_regression", {"num_features": attr_long(1)}), "tree.json"),
        (_predictor("decision_tree_regression", {"num_features": attr_long(1)}, files={"tree.pb": b"\0"}), "protobuf"),
        (_ensemble("random_forest_regression", [[{"type": "leaf", "values": [1.0]}]], [1.0, 1.0]), "tree_weights"),
        (_ensemble("gbt_classifier", [[{"type": "leaf", "values": [1.0]}]], [1.0], {"num_classes": attr_long(3)}),
         "binary"),
        (_predictor("decision_tree_regression", {}, files={"tree.json": b'{"type":"internal","split":'
                                                                         b'{"type":"continuous","featureIndex":0}}\n'}),
         "two children"),
    ],
)
def test_bad_bundles_fail_at_load_with_a_clear_message(tmp_path: Path, node: NodeSpec, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        _load(tmp_path, node)


def test_tree_feature_index_beyond_input_is_a_request_error(tmp_path: Path) -> None:
    nodes = [{"type": "internal", "split": {"type": "continuous", "featureIndex": 4, "threshold": 0.0}},
             {"type": "leaf", "values": [1.0]}, {"type": "leaf", "values": [2.0]}]
    bundle = _load(tmp_path, _predictor("decision_tree_regression", {}, files={"tree.json": _tree_file(nodes)}))
    with pytest.raises(OpError, match="feature 4"):
        _run(bundle, np.zeros((2, 3)))
