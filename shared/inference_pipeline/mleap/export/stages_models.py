"""Converters for Spark predictors: linear models, naive Bayes and tree ensembles."""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer

from ..attributes import (
    attr_double,
    attr_list_double,
    attr_list_string,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from ..bundle import NodeSpec
from .errors import ExportError
from .nodes import dense, model_json, node
from .params import is_set, predictor_ports, stage_label, value
from .registry import ExportContext, converter
from .trees import TREE_FILE, tree_json, tree_nodes


def _matrix(matrix: Any) -> Any:
    """Spark DenseMatrix as MLeap's tensor: column-major values, shape [rows, cols]."""
    return attr_tensor_double(matrix.toArray())


def _thresholds(stage: Transformer) -> dict[str, Any]:
    if is_set(stage, "thresholds"):
        return {"thresholds": attr_list_double(value(stage, "thresholds"))}
    return {}


@converter("LinearRegressionModel")
def linear_regression(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "coefficients": attr_tensor_double(dense(stage.coefficients)),  # type: ignore[attr-defined]
        "intercept": attr_double(stage.intercept),  # type: ignore[attr-defined]
    }
    return node(stage, "linear_regression", attributes, *predictor_ports(stage, classifier=False))


@converter("LogisticRegressionModel")
def logistic_regression(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    num_classes = int(stage.numClasses)  # type: ignore[attr-defined]
    matrix = stage.coefficientMatrix  # type: ignore[attr-defined]
    attributes: dict[str, Any] = {"num_classes": attr_long(num_classes)}
    if num_classes > 2:
        attributes["coefficient_matrix"] = _matrix(matrix)
        attributes["intercept_vector"] = attr_tensor_double(dense(stage.interceptVector))  # type: ignore[attr-defined]
        attributes.update(_thresholds(stage))
    elif matrix.numRows != 1:
        raise ExportError(
            f"{stage_label(stage)} is a binary model fitted with family='multinomial'; MLeap's "
            "logistic_regression only encodes binomial binary models (refit with family='binomial')"
        )
    else:
        attributes["coefficients"] = attr_tensor_double(dense(stage.coefficients))  # type: ignore[attr-defined]
        attributes["intercept"] = attr_double(stage.intercept)  # type: ignore[attr-defined]
        attributes["threshold"] = attr_double(stage.getThreshold())  # type: ignore[attr-defined]
    return node(stage, "logistic_regression", attributes, *predictor_ports(stage, classifier=True))


@converter("NaiveBayesModel")
def naive_bayes(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    model_type = value(stage, "modelType")
    if model_type not in ("multinomial", "bernoulli"):
        raise ExportError(
            f"{stage_label(stage)}: modelType={model_type!r}; MLeap's naive_bayes supports multinomial and bernoulli"
        )
    attributes: dict[str, Any] = {
        "num_features": attr_long(stage.numFeatures),  # type: ignore[attr-defined]
        "num_classes": attr_long(stage.numClasses),  # type: ignore[attr-defined]
        "pi": attr_tensor_double(dense(stage.pi)),  # type: ignore[attr-defined]
        "theta": _matrix(stage.theta),  # type: ignore[attr-defined]
        "model_type": attr_string(model_type),
    }
    attributes.update(_thresholds(stage))
    return node(stage, "naive_bayes", attributes, *predictor_ports(stage, classifier=True))


def _tree_attributes(tree: Any, *, classifier: bool) -> dict[str, Any]:
    attributes = {"num_features": attr_long(tree.numFeatures)}
    if classifier:
        attributes["num_classes"] = attr_long(tree.numClasses)
    return attributes


@converter("DecisionTreeClassificationModel", "DecisionTreeRegressionModel")
def decision_tree(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    classifier = type(stage).__name__ == "DecisionTreeClassificationModel"
    op = "decision_tree_classifier" if classifier else "decision_tree_regression"
    files = {TREE_FILE: tree_json(tree_nodes(stage, with_impurities=classifier))}
    attributes = _tree_attributes(stage, classifier=classifier)
    if classifier:
        attributes.update(_thresholds(stage))  # MLeap's DecisionTreeClassifierOp reads them too
    return node(
        stage,
        op,
        attributes,
        *predictor_ports(stage, classifier=classifier),
        extra_files=files,
    )


# ensemble class -> (op, op of its member trees, member trees are classifiers?, ensemble is a classifier?)
_ENSEMBLES = {
    "RandomForestClassificationModel": ("random_forest_classifier", "decision_tree_classifier", True, True),
    "RandomForestRegressionModel": ("random_forest_regression", "decision_tree_regression", False, False),
    "GBTClassificationModel": ("gbt_classifier", "decision_tree_regression", False, True),
    "GBTRegressionModel": ("gbt_regression", "decision_tree_regression", False, False),
}


@converter(*_ENSEMBLES)
def tree_ensemble(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    op, tree_op, trees_classify, classifier = _ENSEMBLES[type(stage).__name__]
    files: dict[str, str | bytes] = {}
    names = []
    for i, tree in enumerate(stage.trees):  # type: ignore[attr-defined]
        name = f"tree{i}"
        names.append(name)
        files[f"{name}/model.json"] = model_json(tree_op, _tree_attributes(tree, classifier=trees_classify))
        files[f"{name}/{TREE_FILE}"] = tree_json(tree_nodes(tree, with_impurities=trees_classify))
    attributes: dict[str, Any] = {"num_features": attr_long(stage.numFeatures)}  # type: ignore[attr-defined]
    if classifier:
        # Spark's GBT classifier is binary only; MLeap records num_classes = 2 for it.
        attributes["num_classes"] = attr_long(stage.numClasses)  # type: ignore[attr-defined]
    attributes["tree_weights"] = attr_list_double([float(w) for w in stage.treeWeights])  # type: ignore[attr-defined]
    attributes["trees"] = attr_list_string(names)
    if classifier:
        attributes.update(_thresholds(stage))
    return node(stage, op, attributes, *predictor_ports(stage, classifier=classifier), extra_files=files)
