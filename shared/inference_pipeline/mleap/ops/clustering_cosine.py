"""Our own ops for cosine k-means: ``inference_pipeline.k_means`` and ``inference_pipeline.bisecting_k_means``.

MLeap's ``k_means`` / ``bisecting_k_means`` are Euclidean only (its serializer drops Spark's
``distanceMeasure``), so a cosine model is written under these names, which the JVM refuses to
load (see ``jvm_rules.OWN_OPS``) rather than scoring it as Euclidean. Same attributes and files
as MLeap's ops plus ``distance_measure`` {string, "cosine"}.

The math is Spark's ``CosineDistanceMeasure``: ``distance(center, point) = 1 - dot(c, x) / |c| / |x|``
(a zero-length point is an error there: an assertion). KMeans' ``findClosest`` uses the
triangle-inequality statistics Spark computes when ``k < 1000`` and ``k * k * numFeatures < 1e6``
(``DistanceMeasure.shouldComputeStatistics*``), returning early exactly as Spark does, else the
first strictly closest center. BisectingKMeans descends its tree to the first closest child,
using the norms stored in ``tree.json`` (Spark's cosine centroids record norm 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_str
from inference_pipeline.mleap.frame import Vector
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, OpError, register_op
from inference_pipeline.mleap.ops.clustering import BisectingKMeansOp, KMeansOp, row_norms

COSINE = "cosine"
_STATISTICS_MAX_K = 1000  # DistanceMeasure.shouldComputeStatistics: k < 1000
_STATISTICS_MAX_WORK = 1_000_000  # shouldComputeStatisticsLocally: k * k * numFeatures < 1e6


def _require_cosine(attributes: dict[str, Any]) -> None:
    measure = get_str(attributes, "distance_measure")
    if measure != COSINE:
        raise ValueError(f"distance_measure is {measure!r}; this op is for 'cosine' (Euclidean models use MLeap's op)")


def cosine_distances(features: Vector, centers: np.ndarray, center_norms: np.ndarray, label: str) -> np.ndarray:
    """rows x centers ``1 - dot(c, x) / |c| / |x|`` in Spark's operation order."""
    x = features.to_dense()
    point_norms = row_norms(x)
    if (point_norms == 0).any():
        raise OpError(f"{label}: cosine distance is not defined for zero-length vectors (as in Spark)")
    return 1.0 - (x @ centers.T) / center_norms[None, :] / point_norms[:, None]


def statistics(centers: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """Spark's k x k bound matrix: off-diagonal ``1 - sqrt(1 - d/2)``, diagonal the row minimum."""
    k = centers.shape[0]
    between = 1.0 - (centers @ centers.T) / norms[:, None] / norms[None, :]
    stats = 1.0 - np.sqrt(1.0 - between / 2.0)
    off = stats + np.diag(np.full(k, np.inf))
    np.fill_diagonal(stats, off.min(axis=1) if k > 1 else np.nan)
    return stats


def find_closest(distances: np.ndarray, stats: np.ndarray | None) -> np.ndarray:
    """``CosineDistanceMeasure.findClosest`` for every row (with or without the statistics)."""
    rows, k = distances.shape
    if stats is None:
        return distances.argmin(axis=1)  # the first strictly smallest, as Spark's loop
    best = np.zeros(rows, dtype=np.int64)
    best_d = distances[:, 0].copy()
    done = best_d < stats[0, 0]
    for i in range(1, k):
        active = ~done & (stats[i, best] < best_d)
        d = distances[:, i]
        early = active & (d < stats[i, i])
        better = active & (d < best_d)
        best = np.where(better | early, i, best)
        best_d = np.where(better | early, d, best_d)
        done |= early
    return best


@register_op("inference_pipeline.k_means")
class CosineKMeansOp(KMeansOp):
    op_name = "inference_pipeline.k_means"

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        _require_cosine(attributes)
        if (self.center_norms == 0).any():
            raise ValueError("a cluster center has zero length (cosine distance is undefined)")
        k = self.centers.shape[0]
        use_stats = k < _STATISTICS_MAX_K and k * k * self.num_features < _STATISTICS_MAX_WORK
        self.stats = statistics(self.centers, self.center_norms) if use_stats else None

    def results(self, features: Vector) -> dict[str, np.ndarray]:
        distances = cosine_distances(features, self.centers, self.center_norms, self.label)
        return {"prediction": find_closest(distances, self.stats)}


@register_op("inference_pipeline.bisecting_k_means")
class CosineBisectingKMeansOp(BisectingKMeansOp):
    op_name = "inference_pipeline.bisecting_k_means"

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        _require_cosine(attributes)
        if (self.tree.norms == 0).any():
            raise ValueError("tree.json has a zero-norm center (cosine distance is undefined)")

    def results(self, features: Vector) -> dict[str, np.ndarray]:
        distances = cosine_distances(features, self.tree.centers, self.tree.norms, self.label)
        return {"prediction": self.tree.descend(distances)}
