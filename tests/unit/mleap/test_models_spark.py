"""Predictor math against Spark ML itself: fit small models with pyspark, compare every output."""

from __future__ import annotations

import numpy as np
import pytest

from inference_pipeline.mleap.ops.predictors import (
    BinaryLogisticRegression,
    GBTClassification,
    LinearRegression,
    MultinomialLogisticRegression,
    NaiveBayes,
    TreeClassification,
    TreeRegression,
)
from inference_pipeline.mleap.ops.tree_arrays import compile_forest, parse_tree_json, tree_to_json_lines

from .spark_fixtures import spark  # noqa: F401  (shared local SparkSession)

pytestmark = pytest.mark.spark

RNG = np.random.default_rng(11)
N = 300
X = np.column_stack([RNG.normal(size=N), RNG.normal(size=N) * 3, RNG.integers(0, 4, N).astype(float), RNG.integers(0, 3, N).astype(float)])
Y_REG = 2 * X[:, 0] - X[:, 1] + (X[:, 2] == 1) * 3 + RNG.normal(size=N) * 0.1
Y_BIN = ((X[:, 0] + (X[:, 3] == 2)) > 0.5).astype(float)
Y_MULTI = np.digitize(X[:, 0] + 0.3 * X[:, 1], [-0.7, 0.6]).astype(float)



def _frame(spark, x: np.ndarray, y: np.ndarray):
    from pyspark.ml.feature import VectorIndexer
    from pyspark.ml.linalg import Vectors

    df = spark.createDataFrame([(i, Vectors.dense(r), float(label)) for i, (r, label) in enumerate(zip(x, y))], ["id", "raw", "label"])
    # Index columns 2 and 3 as categorical so trees learn categorical splits.
    return VectorIndexer(inputCol="raw", outputCol="features", maxCategories=4).fit(df).transform(df)


def _collect(df, *cols: str) -> dict[str, np.ndarray]:
    rows = df.orderBy("id").collect()
    out = {}
    for c in cols:
        vals = [r[c] for r in rows]
        out[c] = np.array([v.toArray() for v in vals]) if hasattr(vals[0], "toArray") else np.array(vals, dtype=float)
    return out


def _features(df) -> np.ndarray:
    return _collect(df, "features")["features"]


def _tree_nodes(java_node) -> list[dict]:
    nodes: list[dict] = []
    stack = [java_node]
    while stack:
        node = stack.pop()
        if node.getClass().getSimpleName() == "LeafNode":
            nodes.append({"type": "leaf", "values": [float(v) for v in node.impurityStats().stats()]})
            continue
        split = node.split()
        if split.getClass().getSimpleName() == "ContinuousSplit":
            spec = {"type": "continuous", "featureIndex": split.featureIndex(), "threshold": split.threshold()}
        else:
            left, right = list(split.leftCategories()), list(split.rightCategories())
            is_left = len(left) < len(right)
            spec = {"type": "categorical", "featureIndex": split.featureIndex(), "isLeft": is_left,
                    "numCategories": split.numCategories(), "categories": left if is_left else right}
        nodes.append({"type": "internal", "split": spec})
        stack += [node.rightChild(), node.leftChild()]
    return nodes


def _regression_nodes(java_node) -> list[dict]:
    # Regression trees store [prediction] in leaves, not the variance statistics.
    nodes = _tree_nodes(java_node)
    preds = _leaf_predictions(java_node)
    it = iter(preds)
    return [dict(n, values=[next(it)]) if n["type"] == "leaf" else n for n in nodes]


def _leaf_predictions(java_node) -> list[float]:
    out, stack = [], [java_node]
    while stack:
        node = stack.pop()
        if node.getClass().getSimpleName() == "LeafNode":
            out.append(float(node.prediction()))
        else:
            stack += [node.rightChild(), node.leftChild()]
    return out


def _forest(models, regression: bool):
    convert = _regression_nodes if regression else _tree_nodes
    return compile_forest([parse_tree_json(tree_to_json_lines(convert(m._call_java("rootNode")))) for m in models])


def _assert_classifier(ours: dict, theirs: dict) -> None:
    assert np.allclose(ours["raw_prediction"], theirs["rawPrediction"], rtol=1e-12, atol=1e-12)
    assert np.allclose(ours["probability"], theirs["probability"], rtol=1e-12, atol=1e-12)
    assert np.array_equal(ours["prediction"], theirs["prediction"])


def test_linear_regression(spark) -> None:
    from pyspark.ml.regression import LinearRegression as SparkLR

    df = _frame(spark, X, Y_REG)
    m = SparkLR(regParam=0.01).fit(df)
    ours = LinearRegression(m.coefficients.toArray(), m.intercept).outputs(_features(df))
    assert np.allclose(ours["prediction"], _collect(m.transform(df), "prediction")["prediction"], rtol=1e-12)


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_logistic_regression(spark, threshold: float) -> None:
    from pyspark.ml.classification import LogisticRegression

    df = _frame(spark, X, Y_BIN)
    m = LogisticRegression(regParam=0.05, threshold=threshold).fit(df)
    ours = BinaryLogisticRegression(m.coefficients.toArray(), m.intercept, m.getThreshold()).outputs(_features(df))
    _assert_classifier(ours, _collect(m.transform(df), "rawPrediction", "probability", "prediction"))


@pytest.mark.parametrize("thresholds", [None, [0.6, 0.1, 0.3]])
def test_multinomial_logistic_regression(spark, thresholds) -> None:
    from pyspark.ml.classification import LogisticRegression

    df = _frame(spark, X, Y_MULTI)
    lr = LogisticRegression(regParam=0.01, family="multinomial")
    if thresholds:
        lr.setThresholds(thresholds)
    m = lr.fit(df)
    model = MultinomialLogisticRegression(m.coefficientMatrix.toArray(), m.interceptVector.toArray(), thresholds)
    _assert_classifier(model.outputs(_features(df)), _collect(m.transform(df), "rawPrediction", "probability", "prediction"))


@pytest.mark.parametrize("model_type", ["multinomial", "bernoulli", "complement", "gaussian"])
def test_naive_bayes(spark, model_type: str) -> None:
    from pyspark.ml.classification import NaiveBayes as SparkNB

    x = np.abs(X)
    if model_type == "bernoulli":
        x = (X > 0.3).astype(float)
    df = _frame(spark, x, Y_MULTI)
    m = SparkNB(modelType=model_type, smoothing=0.7).fit(df)
    sigma = m.sigma.toArray() if model_type == "gaussian" else None
    model = NaiveBayes(m.pi.toArray(), m.theta.toArray(), model_type, sigma)
    _assert_classifier(model.outputs(_features(df)), _collect(m.transform(df), "rawPrediction", "probability", "prediction"))


def test_decision_tree_and_forest_regression(spark) -> None:
    from pyspark.ml.regression import DecisionTreeRegressor, GBTRegressor, RandomForestRegressor

    df = _frame(spark, X, Y_REG)
    x = _features(df)
    dt = DecisionTreeRegressor(maxDepth=5).fit(df)
    rf = RandomForestRegressor(numTrees=7, maxDepth=4, seed=3).fit(df)
    gbt = GBTRegressor(maxIter=6, maxDepth=3, seed=3).fit(df)
    cases = [
        (dt, TreeRegression(_forest([dt], True), "single")),
        (rf, TreeRegression(_forest(rf.trees, True), "mean")),
        (gbt, TreeRegression(_forest(gbt.trees, True), "weighted", np.array(gbt.treeWeights))),
    ]
    for spark_model, ours in cases:
        expected = _collect(spark_model.transform(df), "prediction")["prediction"]
        assert np.allclose(ours.outputs(x)["prediction"], expected, rtol=1e-12, atol=1e-12)


def test_tree_classifiers(spark) -> None:
    from pyspark.ml.classification import DecisionTreeClassifier, RandomForestClassifier

    df = _frame(spark, X, Y_MULTI)
    x = _features(df)
    dt = DecisionTreeClassifier(maxDepth=5).fit(df)
    rf = RandomForestClassifier(numTrees=9, maxDepth=4, seed=5).fit(df)
    rf1 = RandomForestClassifier(numTrees=1, maxDepth=3, seed=5).fit(df)
    cases = [
        (dt, TreeClassification(_forest([dt], False), 3, votes=False)),
        (rf, TreeClassification(_forest(rf.trees, False), 3, votes=True)),
        (rf1, TreeClassification(_forest(rf1.trees, False), 3, votes=True)),
    ]
    for spark_model, ours in cases:
        _assert_classifier(ours.outputs(x), _collect(spark_model.transform(df), "rawPrediction", "probability", "prediction"))


@pytest.mark.parametrize("thresholds", [None, [0.3, 0.7]])
def test_gbt_classifier(spark, thresholds) -> None:
    from pyspark.ml.classification import GBTClassifier

    df = _frame(spark, X, Y_BIN)
    est = GBTClassifier(maxIter=8, maxDepth=3, seed=2)
    if thresholds:
        est.setThresholds(thresholds)
    m = est.fit(df)
    ours = GBTClassification(_forest(m.trees, True), np.array(m.treeWeights), thresholds)
    _assert_classifier(ours.outputs(_features(df)), _collect(m.transform(df), "rawPrediction", "probability", "prediction"))
