"""Batch math shared by Spark's probabilistic classifiers (rows x classes numpy arrays).

Spark's ``ProbabilisticClassificationModel`` pipeline, reproduced here for a whole batch:
``raw_prediction`` -> ``probability`` (model specific) -> ``prediction``. Without thresholds the
prediction is the first argmax; with thresholds it is the first argmax of ``p / t`` where a zero
threshold scores +inf (NaN, never chosen, when p is 0 too). Models whose raw scores are not comparable with probabilities (binary
logistic regression with a threshold, GBT without thresholds) override the prediction step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def normalize_rows(raw: np.ndarray) -> np.ndarray:
    """Divide each row by its sum; rows summing to zero are left as they are (Spark)."""
    total = raw.sum(axis=1, keepdims=True)
    safe = np.where(total == 0.0, 1.0, total)
    return raw / safe


def softmax_rows(raw: np.ndarray) -> np.ndarray:
    """Spark's multinomial raw->probability: stable softmax; a +inf margin takes all the mass."""
    top = raw.max(axis=1, keepdims=True)
    infinite = np.isposinf(top[:, 0])
    with np.errstate(invalid="ignore", over="ignore"):
        exp = np.exp(raw - np.where(np.isfinite(top), top, 0.0))
    prob = exp / exp.sum(axis=1, keepdims=True)
    if infinite.any():
        one_hot = np.zeros_like(raw[infinite])
        one_hot[np.arange(one_hot.shape[0]), raw[infinite].argmax(axis=1)] = 1.0
        prob[infinite] = one_hot
    return prob


def probability_to_prediction(prob: np.ndarray, thresholds: Sequence[float] | None) -> np.ndarray:
    """Class index (as float64) from probabilities, honouring Spark's ``thresholds``.

    Spark's ``probability2prediction``: the first class maximising ``p / t`` under a strict ``>``
    starting from -inf. A zero threshold gives +inf when p > 0, but NaN when p == 0, and a NaN
    never wins (MLeap instead scores every t == 0 class +inf, even at p == 0; we follow Spark).
    """
    if thresholds is None:
        return prob.argmax(axis=1).astype(np.float64)
    t = np.asarray(thresholds, dtype=np.float64)
    if t.shape != (prob.shape[1],):
        raise ValueError(f"thresholds has {t.size} entries but the model has {prob.shape[1]} classes")
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = prob / t
    # NaN never beats the running max; a row of only NaN keeps Spark's initial argMax = 0.
    scaled = np.where(np.isnan(scaled), -np.inf, scaled)
    return scaled.argmax(axis=1).astype(np.float64)


def binary_margin_outputs(margin: np.ndarray, *, gbt: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``raw = [-m, m]`` and the two class probabilities, rounded exactly as Spark computes them.

    Logistic regression applies the sigmoid to each raw entry; the GBT classifier (log loss) computes
    ``p0 = 1 / (1 + exp(2m))`` and ``p1 = 1 - p0``.
    """
    raw = np.column_stack([-margin, margin])
    with np.errstate(over="ignore"):
        if gbt:
            p0 = 1.0 / (1.0 + np.exp(2.0 * margin))
            return raw, np.column_stack([p0, 1.0 - p0])
        return raw, 1.0 / (1.0 + np.exp(-raw))
