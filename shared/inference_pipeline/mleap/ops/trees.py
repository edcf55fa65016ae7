"""Tree ops: decision trees, random forests and gradient-boosted trees (regression + classification).

Layout read (bundle-ml's ``TreeSerializer``): a single tree keeps ``tree.json`` next to its
``model.json``; an ensemble lists sub-directories in ``trees`` {list string, e.g. ``tree0``}, each
holding ``model.json`` (a ``decision_tree_*`` op) and ``tree.json``. Attributes: ``num_features``
{long}, ``num_classes`` {long, classifiers}, ``tree_weights`` {list double, ensembles},
``thresholds`` {list double, classifiers, optional}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_int, get_list, get_str
from inference_pipeline.mleap.ops.base import OpContext, register_op
from inference_pipeline.mleap.ops.models import ClassifierOp, PredictorModel, PredictorOp, optional_thresholds
from inference_pipeline.mleap.ops.predictors import GBTClassification, TreeClassification, TreeRegression
from inference_pipeline.mleap.ops.tree_arrays import CompiledForest, Tree, compile_forest, parse_tree_json

_TREE_OPS = ("decision_tree_regression", "decision_tree_classifier")


def read_tree(directory: Path) -> Tree:
    path = directory / "tree.json"
    if not path.is_file():
        if (directory / "tree.pb").is_file():
            raise ValueError(f"{directory / 'tree.pb'}: protobuf-serialized trees are not supported")
        raise ValueError(f"{path} is missing")
    return parse_tree_json(path.read_text(encoding="utf-8"))


def read_ensemble(attributes: dict[str, Any], context: OpContext) -> tuple[CompiledForest, np.ndarray]:
    names = [str(n) for n in get_list(attributes, "trees")]
    if not names:
        raise ValueError("attribute 'trees' lists no trees")
    weights = np.array(get_list(attributes, "tree_weights") or [1.0] * len(names), dtype=np.float64)
    if weights.size != len(names):
        raise ValueError(f"{len(names)} trees but {weights.size} tree_weights")
    trees = []
    for name in names:
        directory = context.node_dir / name
        model_json = directory / "model.json"
        if model_json.is_file():
            op = json.loads(model_json.read_text(encoding="utf-8")).get("op")
            if op not in _TREE_OPS:
                raise ValueError(f"{model_json}: expected a decision tree op, found {op!r}")
        trees.append(read_tree(directory))
    return compile_forest(trees), weights


def _num_classes(attributes: dict[str, Any]) -> int:
    num_classes = get_int(attributes, "num_classes")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    return num_classes


@register_op("decision_tree_regression")
class DecisionTreeRegressionOp(PredictorOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        return TreeRegression(compile_forest([read_tree(context.node_dir)]), "single")


@register_op("decision_tree_classifier")
class DecisionTreeClassifierOp(ClassifierOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        num_classes = _num_classes(attributes)
        return TreeClassification(compile_forest([read_tree(context.node_dir)]), num_classes, votes=False,
                                  thresholds=optional_thresholds(attributes, num_classes))


@register_op("random_forest_regression")
class RandomForestRegressionOp(PredictorOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        forest, _ = read_ensemble(attributes, context)
        return TreeRegression(forest, "mean")


@register_op("random_forest_classifier")
class RandomForestClassifierOp(ClassifierOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        forest, _ = read_ensemble(attributes, context)
        num_classes = _num_classes(attributes)
        return TreeClassification(forest, num_classes, votes=True, thresholds=optional_thresholds(attributes, num_classes))


@register_op("gbt_regression")
class GBTRegressionOp(PredictorOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        forest, weights = read_ensemble(attributes, context)
        return TreeRegression(forest, "weighted", weights)


@register_op("gbt_classifier")
class GBTClassifierOp(ClassifierOp):
    def build(self, attributes: dict[str, Any], context: OpContext) -> PredictorModel:
        num_classes = get_int(attributes, "num_classes", 2)
        if num_classes != 2:
            raise ValueError(f"GBT classifiers are binary; num_classes is {num_classes}")
        loss = get_str(attributes, "lossType", "logistic") or "logistic"
        if loss != "logistic":
            raise ValueError(f"only the 'logistic' GBT loss is supported, not {loss!r}")
        forest, weights = read_ensemble(attributes, context)
        return GBTClassification(forest, weights, optional_thresholds(attributes, 2))
