"""Spark predictor math for a batch of feature rows.

Features are a rows x features float64 array or a frame ``Vector`` (dense or CSR); linear models
multiply CSR rows without densifying (hashed text features can be 2^18 wide) and trees densify only
the columns up to the highest feature they split on. Each model returns every output Spark can
produce, keyed by MLeap port name: ``prediction`` (float64 per row), and for classifiers
``raw_prediction`` and ``probability`` (rows x classes). The op layer keeps only the ports the
node's shape asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inference_pipeline.mleap.frame import Vector

from .classification import (
    binary_margin_outputs,
    normalize_rows,
    probability_to_prediction,
    softmax_rows,
)
from .tree_arrays import CompiledForest

Outputs = dict[str, np.ndarray]
Features = np.ndarray | Vector


def _width(x: Features) -> int:
    return x.size if isinstance(x, Vector) else x.shape[1]


def check_width(x: Features, expected: int, what: str) -> None:
    if _width(x) != expected:
        raise ValueError(f"{what} expects feature vectors of size {expected}, got {_width(x)}")


def dense(x: Features, width: int | None = None) -> np.ndarray:
    """Rows as a dense array; with ``width`` only the first ``width`` columns are materialised."""
    if not isinstance(x, Vector):
        return np.asarray(x, dtype=np.float64)[:, :width]
    if x.is_dense or width is None:
        return x.to_dense()[:, :width]
    indptr, indices, data = x.csr()
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    keep = indices < width
    out = np.zeros((len(indptr) - 1, width))
    out[rows[keep], indices[keep]] = data[keep]
    return out


def matmul(x: Features, weights: np.ndarray) -> np.ndarray:
    """``x @ weights`` for dense rows or CSR rows (weights: features x k, or features)."""
    if not isinstance(x, Vector) or x.is_dense:
        return dense(x) @ weights
    indptr, indices, data = x.csr()
    n_rows = len(indptr) - 1
    rows = np.repeat(np.arange(n_rows), np.diff(indptr))
    out = np.zeros((n_rows,) + weights.shape[1:])
    np.add.at(out, rows, data.reshape((-1,) + (1,) * (weights.ndim - 1)) * weights[indices])
    return out


def _leaf_values(forest: CompiledForest, x: Features) -> np.ndarray:
    return forest.leaf_values_for(dense(x, forest.max_feature_index + 1))


def _nonzeros(x: Features) -> np.ndarray:
    return x.csr()[2] if isinstance(x, Vector) and not x.is_dense else dense(x).ravel()


@dataclass(frozen=True)
class LinearRegression:
    coefficients: np.ndarray
    intercept: float

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.coefficients.size, "linear_regression")
        return {"prediction": matmul(x, self.coefficients) + self.intercept}


@dataclass(frozen=True)
class BinaryLogisticRegression:
    """``p1 = sigmoid(w.x + b)``; prediction is ``p1 > threshold`` (Spark's binary rule)."""

    coefficients: np.ndarray
    intercept: float
    threshold: float = 0.5

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.coefficients.size, "logistic_regression")
        raw, prob = binary_margin_outputs(matmul(x, self.coefficients) + self.intercept)
        return {"raw_prediction": raw, "probability": prob, "prediction": (prob[:, 1] > self.threshold).astype(np.float64)}


@dataclass(frozen=True)
class MultinomialLogisticRegression:
    """Margins ``W x + b`` (W: classes x features), softmax, optional per-class thresholds."""

    coefficient_matrix: np.ndarray
    intercepts: np.ndarray
    thresholds: Sequence[float] | None = None

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.coefficient_matrix.shape[1], "logistic_regression")
        raw = matmul(x, self.coefficient_matrix.T) + self.intercepts
        prob = softmax_rows(raw)
        return {"raw_prediction": raw, "probability": prob, "prediction": probability_to_prediction(prob, self.thresholds)}


NAIVE_BAYES_TYPES = ("multinomial", "bernoulli", "complement", "gaussian")


@dataclass(frozen=True)
class NaiveBayes:
    """Spark ``NaiveBayesModel``: ``pi`` = log priors, ``theta`` = log likelihoods (classes x features).

    Gaussian needs ``sigma`` (variances), which MLeap's serializer does not write; such bundles are
    rejected at load time by the op, not here.
    """

    pi: np.ndarray
    theta: np.ndarray
    model_type: str = "multinomial"
    sigma: np.ndarray | None = None
    thresholds: Sequence[float] | None = None

    def _raw(self, x: Features) -> np.ndarray:
        if self.model_type == "multinomial":
            return matmul(x, self.theta.T) + self.pi
        if self.model_type == "bernoulli":
            if not np.isin(_nonzeros(x), (0.0, 1.0)).all():
                raise ValueError("Bernoulli naive Bayes requires 0 or 1 feature values")
            with np.errstate(divide="ignore"):
                neg = np.log1p(-np.exp(self.theta))
            return matmul(x, (self.theta - neg).T) + self.pi + neg.sum(axis=1)
        if self.model_type == "complement":
            scores = matmul(x, self.theta.T)  # Spark: log-likelihoods normalised by their log-sum-exp
            top = scores.max(axis=1, keepdims=True)
            return scores - (np.log(np.exp(scores - top).sum(axis=1, keepdims=True)) + top)
        assert self.sigma is not None
        log_var = np.log(self.sigma).sum(axis=1)
        x = dense(x)
        sq = ((x[:, None, :] - self.theta[None, :, :]) ** 2 / self.sigma[None, :, :]).sum(axis=2)
        return self.pi - (sq + log_var) / 2.0

    def outputs(self, x: Features) -> Outputs:
        check_width(x, self.theta.shape[1], "naive_bayes")
        raw = self._raw(x)
        prob = normalize_rows(np.exp(raw - raw.max(axis=1, keepdims=True)))
        # Spark: raw argmax without thresholds, else argmax of probability / thresholds.
        pred = raw.argmax(axis=1).astype(np.float64) if self.thresholds is None else \
            probability_to_prediction(prob, self.thresholds)
        return {"raw_prediction": raw, "probability": prob, "prediction": pred}


@dataclass(frozen=True)
class TreeRegression:
    """Decision tree (one tree), random forest (mean) or GBT (weighted sum) regression."""

    forest: CompiledForest
    combine: str  # "single" | "mean" | "weighted"
    weights: np.ndarray | None = None

    def outputs(self, x: Features) -> Outputs:
        values = _leaf_values(self.forest, x)[:, :, 0]
        if self.combine == "weighted":
            assert self.weights is not None
            return {"prediction": values @ self.weights}
        # Spark sums tree predictions and divides by the tree count (weights are all 1).
        return {"prediction": values.sum(axis=1) / values.shape[1]}


@dataclass(frozen=True)
class TreeClassification:
    """Decision tree or random forest classifier over leaf impurity statistics (class counts).

    One tree: raw = the leaf's counts. Forest: raw = sum over trees of each leaf's counts normalised
    to sum 1 (tree weights are ignored, as in Spark). probability = raw normalised.
    """

    forest: CompiledForest
    num_classes: int
    votes: bool  # True for a random forest (per-tree normalised votes), False for a single tree
    thresholds: Sequence[float] | None = None

    def outputs(self, x: Features) -> Outputs:
        stats = _leaf_values(self.forest, x)[:, :, : self.num_classes]
        raw = normalize_rows_3d(stats).sum(axis=1) if self.votes else stats[:, 0, :]
        prob = normalize_rows(raw)
        pred = probability_to_prediction(prob if self.thresholds is not None else raw, self.thresholds)
        return {"raw_prediction": raw, "probability": prob, "prediction": pred}


def normalize_rows_3d(stats: np.ndarray) -> np.ndarray:
    total = stats.sum(axis=2, keepdims=True)
    return stats / np.where(total == 0.0, 1.0, total)


@dataclass(frozen=True)
class GBTClassification:
    """Binary GBT: margin = weighted tree sum; p1 = sigmoid(2 * margin); prediction margin > 0."""

    forest: CompiledForest
    weights: np.ndarray
    thresholds: Sequence[float] | None = None

    def outputs(self, x: Features) -> Outputs:
        margin = _leaf_values(self.forest, x)[:, :, 0] @ self.weights
        raw, prob = binary_margin_outputs(margin, gbt=True)
        if self.thresholds is None:
            pred = (margin > 0.0).astype(np.float64)
        else:
            pred = probability_to_prediction(prob, self.thresholds)
        return {"raw_prediction": raw, "probability": prob, "prediction": pred}
