"""Clustering ops: ``k_means``, ``bisecting_k_means`` and ``gaussian_mixture``.

Attributes and files (MLeap 0.20's ops):

* ``k_means``: ``cluster_centers`` {list of tensors}, ``num_features`` {long}. Ports
  ``features`` → ``prediction`` (int).
* ``bisecting_k_means``: no attributes; ``tree.json`` in the node directory holds the clustering
  tree in pre-order, one JSON object per line: ``{"index", "norm", "values", "numChildren"}``
  (bundle-ml's cluster ``NodeSerializer``). Leaves have ``index >= 0`` (the cluster), internal
  nodes ``index < 0``. Ports ``features`` → ``prediction`` (int).
* ``gaussian_mixture``: ``means`` {list of tensors}, ``covs`` {list of 2-D tensors, column-major},
  ``weights`` {list double}. Ports ``features`` → ``prediction`` (int), ``probability`` (vector).

The math is Spark's: squared Euclidean distances through ``fastSquaredDistance`` (the same
shortcut and precision bound, so near-ties break the same way), the first closest center wins;
Gaussian densities through Spark's ``MultivariateGaussian`` (eigendecomposition, pseudo-inverse
and pseudo-determinant with Spark's tolerance), probabilities ``EPSILON + w * pdf`` normalised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_int, get_list
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op

# Spark's MLUtils.EPSILON / ml.impl.Utils.EPSILON: the machine epsilon found by halving.
EPSILON = float(np.finfo(np.float64).eps)
PRECISION = 1e-6  # fastSquaredDistance's default precision


def tensor_list(attributes: dict[str, Any], key: str) -> list[np.ndarray]:
    """A ``{"type": "list", "tensor": [...]}`` attribute as arrays (2-D ones column-major, as Spark)."""
    if key not in attributes:
        raise ValueError(f"attribute {key!r} is missing")
    out = []
    for raw in get_list(attributes, key):
        if not isinstance(raw, dict) or "double" not in raw:
            raise ValueError(f"attribute {key!r} must be a list of double tensors")
        values = np.array([np.nan if v is None else float(v) for v in raw["double"] or []], dtype=np.float64)
        dims = [int(d.get("size", -1)) for d in (raw.get("shape") or {}).get("dimensions", [])]
        if len(dims) == 2:
            if dims[0] * dims[1] != values.size:
                raise ValueError(f"attribute {key!r}: a {dims[0]}x{dims[1]} tensor has {values.size} values")
            values = values.reshape(dims[1], dims[0]).T
        out.append(values)
    return out


def row_norms(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", x, x))


def fast_squared_distances(features: Vector, centers: np.ndarray, center_norms: np.ndarray) -> np.ndarray:
    """rows x centers squared distances exactly as Spark's ``fastSquaredDistance(center, point)``.

    The cheap ``|c|^2 + |x|^2 - 2 c.x`` is used where its precision bound allows; elsewhere the
    exact sum of squared differences (dense input) or, for sparse input, the clamped cheap value
    unless its second bound fails.
    """
    x = features.to_dense()
    point_norms = row_norms(x)
    sum_sq = center_norms[None, :] ** 2 + point_norms[:, None] ** 2
    norm_diff = center_norms[None, :] - point_norms[:, None]
    bound1 = 2.0 * EPSILON * sum_sq / (norm_diff * norm_diff + EPSILON)
    dot = x @ centers.T
    cheap = sum_sq - 2.0 * dot
    need_exact = bound1 >= PRECISION
    if not features.is_dense:
        clamped = np.maximum(cheap, 0.0)
        bound2 = EPSILON * (sum_sq + 2.0 * np.abs(dot)) / (clamped + EPSILON)
        cheap = np.where(need_exact, clamped, cheap)
        need_exact &= bound2 > PRECISION
    if need_exact.any():
        for j in np.flatnonzero(need_exact.any(axis=0)):
            rows = need_exact[:, j]
            diff = x[rows] - centers[j]
            cheap[rows, j] = np.einsum("ij,ij->i", diff, diff)
    return cheap


class _ClusterOp(Op):
    """``features`` in; ``prediction`` (int) and, where the op has it, ``probability`` out."""

    output_ports: tuple[str, ...] = ("prediction",)

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.features = shape.require_input("features")
        self.outputs = list(shape.outputs)
        unknown = [port for port, _ in self.outputs if port not in self.output_ports]
        if unknown or not self.outputs:
            raise ValueError(f"output ports {[p for p, _ in self.outputs]}: expected some of {', '.join(self.output_ports)}")
        self.num_features = 0

    def _vector(self, frame: LeapFrame) -> Vector:
        features = frame.vector(self.features, self.label)
        if features.size != self.num_features:
            raise OpError(f"{self.label} expects feature vectors of size {self.num_features}, got {features.size}")
        return features

    def results(self, features: Vector) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def transform(self, frame: LeapFrame) -> LeapFrame:
        results = self.results(self._vector(frame))
        for port, column in self.outputs:
            value = results[port]
            frame.with_column(column, Scalar(value.astype(np.int64), "int") if port == "prediction"
                              else Vector.from_dense(value))
        return frame


@register_op("k_means")
class KMeansOp(_ClusterOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        centers = tensor_list(attributes, "cluster_centers")
        if not centers:
            raise ValueError("cluster_centers is empty")
        self.num_features = get_int(attributes, "num_features", centers[0].size)
        if any(c.ndim != 1 or c.size != self.num_features for c in centers):
            raise ValueError(f"every cluster center must have num_features={self.num_features} values")
        self.centers = np.vstack(centers)
        self.center_norms = row_norms(self.centers)

    def results(self, features: Vector) -> dict[str, np.ndarray]:
        distances = fast_squared_distances(features, self.centers, self.center_norms)
        return {"prediction": distances.argmin(axis=1)}


@dataclass(frozen=True)
class ClusteringTree:
    """Pre-order nodes: ``index`` (leaf cluster, or < 0), stored norm, center, child node ids."""

    index: np.ndarray
    norms: np.ndarray
    centers: np.ndarray
    children: tuple[tuple[int, ...], ...]

    @classmethod
    def parse(cls, text: str) -> ClusteringTree:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not records:
            raise ValueError("tree.json holds no nodes")
        children: list[list[int]] = [[] for _ in records]
        position = 0

        def walk() -> int:  # bundle-ml writes a node, then each of its children's subtrees
            nonlocal position
            if position >= len(records):
                raise ValueError("tree.json ends before every node's children were read")
            me = position
            position += 1
            for _ in range(int(records[me]["numChildren"])):
                children[me].append(walk())
            return me

        walk()
        if position != len(records):
            raise ValueError(f"tree.json has {len(records) - position} node(s) after the tree's last one")
        centers = [np.asarray(r["values"], dtype=np.float64) for r in records]
        if len({c.size for c in centers}) != 1:
            raise ValueError("tree.json centers differ in size")
        index = np.array([int(r["index"]) for r in records])
        for node, kids in enumerate(children):
            if (not kids) != (index[node] >= 0):
                raise ValueError(f"tree.json node {node}: leaves need index >= 0 and internal nodes index < 0")
        return cls(index, np.array([float(r["norm"]) for r in records]), np.vstack(centers),
                   tuple(tuple(k) for k in children))

    def predict(self, features: Vector) -> np.ndarray:
        return self.descend(fast_squared_distances(features, self.centers, self.norms))

    def descend(self, distances: np.ndarray) -> np.ndarray:
        """Spark's descent: at each internal node go to the (first) closest child (rows x tree nodes)."""
        node = np.zeros(distances.shape[0], dtype=np.int64)
        internal = [n for n, kids in enumerate(self.children) if kids]
        while True:
            moved = False
            for n in internal:
                rows = np.flatnonzero(node == n)
                if rows.size:
                    kids = np.array(self.children[n])
                    node[rows] = kids[distances[np.ix_(rows, kids)].argmin(axis=1)]
                    moved = True
            if not moved:
                return self.index[node]


@register_op("bisecting_k_means")
class BisectingKMeansOp(_ClusterOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        path = context.node_dir / "tree.json"
        if not path.is_file():
            if (context.node_dir / "tree.pb").is_file():
                raise ValueError(f"{context.node_dir / 'tree.pb'}: protobuf-serialized trees are not supported")
            raise ValueError(f"{path} is missing")
        self.tree = ClusteringTree.parse(path.read_text(encoding="utf-8"))
        self.num_features = self.tree.centers.shape[1]

    def results(self, features: Vector) -> dict[str, np.ndarray]:
        return {"prediction": self.tree.predict(features)}


@dataclass(frozen=True)
class Gaussian:
    """Spark's ``MultivariateGaussian`` constants: ``root_sigma_inv`` (D^-1/2 U^T) and ``u``."""

    root_sigma_inv: np.ndarray
    root_sigma_inv_mu: np.ndarray
    u: float

    @classmethod
    def fit(cls, mean: np.ndarray, cov: np.ndarray) -> Gaussian:
        d, vectors = np.linalg.eigh(cov)  # cov = U diag(d) U^T
        tol = EPSILON * d.max() * d.size  # Spark: non-zero only above eps * n * max(d)
        positive = d > tol
        if not positive.any():
            raise ValueError("covariance matrix has no non-zero singular values")
        log_pseudo_det = float(np.log(d[positive]).sum())
        pinv_root = np.where(positive, np.sqrt(1.0 / np.where(positive, d, 1.0)), 0.0)
        root_sigma_inv = pinv_root[:, None] * vectors.T
        u = -0.5 * (mean.size * np.log(2.0 * np.pi) + log_pseudo_det)
        return cls(root_sigma_inv, root_sigma_inv @ mean, u)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        v = self.root_sigma_inv_mu[None, :] - x @ self.root_sigma_inv.T  # Spark: R mu - R x
        return np.exp(self.u - 0.5 * np.einsum("ij,ij->i", v, v))


@register_op("gaussian_mixture")
class GaussianMixtureOp(_ClusterOp):
    output_ports = ("prediction", "probability")

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        means = tensor_list(attributes, "means")
        covs = tensor_list(attributes, "covs")
        self.weights = np.array(get_list(attributes, "weights"), dtype=np.float64)
        if not means or not len(means) == len(covs) == self.weights.size:
            raise ValueError(f"{len(means)} means, {len(covs)} covs and {self.weights.size} weights must match")
        self.num_features = means[0].size
        for mean, cov in zip(means, covs):
            if mean.size != self.num_features or cov.shape != (self.num_features, self.num_features):
                raise ValueError(f"each mean needs {self.num_features} values and each cov "
                                 f"{self.num_features}x{self.num_features}")
        self.gaussians = [Gaussian.fit(mean, cov) for mean, cov in zip(means, covs)]

    def results(self, features: Vector) -> dict[str, np.ndarray]:
        x = features.to_dense()
        p = np.column_stack([EPSILON + w * g.pdf(x) for w, g in zip(self.weights, self.gaussians)])
        total = np.zeros(len(p))
        for j in range(p.shape[1]):  # Spark sums in cluster order
            total = total + p[:, j]
        probability = p / total[:, None]
        return {"probability": probability, "prediction": probability.argmax(axis=1)}
