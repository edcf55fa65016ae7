"""Vector ops: normalizer, vector_slicer, polynomial_expansion, pca, interaction."""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_float, get_int, get_list
from inference_pipeline.mleap.frame import LeapFrame, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, SingleColumnOp, register_op


@register_op("normalizer")
class Normalizer(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.p = get_float(attributes, "p_norm", 2.0)
        if np.isnan(self.p):  # Infinity travels as JSON null; Spark requires p >= 1, so null means +inf
            self.p = float("inf")
        if self.p < 1:
            raise ValueError("normalizer p_norm must be >= 1")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        indptr, indices, data = vector.csr()
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        if np.isinf(self.p):
            norms: np.ndarray = np.zeros(len(indptr) - 1)
            np.maximum.at(norms, rows, np.abs(data))
        else:
            norms = np.bincount(rows, np.abs(data) ** self.p, minlength=len(indptr) - 1) ** (1.0 / self.p)
        safe = np.where(norms == 0, 1.0, norms)
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() / safe[:, None]))
        return frame.with_column(self.output, Vector.from_csr(vector.size, indptr, indices, data / safe[rows]))


@register_op("vector_slicer")
class VectorSlicer(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        # MLeap slices indices ++ named_indices (names are resolved to indices when serialized).
        named = [int(i) for i in get_list(attributes, "named_indices")]
        if get_list(attributes, "names") and len(named) != len(get_list(attributes, "names")):
            raise ValueError("vector_slicer has feature names without resolved named_indices")
        self.indices = np.array([int(i) for i in get_list(attributes, "indices")] + named, dtype=np.int64)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.input, self.label)
        if len(self.indices) and self.indices.max() >= x.size:
            raise OpError(f"VectorSlicer index {self.indices.max()} is outside vector size {x.size}")
        return frame.with_column(self.output, Vector.from_dense(x.to_dense()[:, self.indices]))


def _poly_terms(n: int, degree: int) -> list[tuple[int, ...]]:
    """Spark's PolynomialExpansion output order, as exponent tuples over the n inputs."""
    def expand(last: int, deg: int) -> list[tuple[int, ...]]:
        # Terms of total degree ≤ deg over inputs 0..last, in Spark's recursive order.
        if deg == 0 or last < 0:
            return [tuple([0] * n)]
        out: list[tuple[int, ...]] = []
        for power in range(deg + 1):
            for term in expand(last - 1, deg - power):
                t = list(term)
                t[last] = power
                out.append(tuple(t))
        return out

    return [t for t in expand(n - 1, degree) if any(t)]


@register_op("polynomial_expansion")
class PolynomialExpansion(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.degree = get_int(attributes, "degree", 2)
        self._terms: dict[int, np.ndarray] = {}

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.input, self.label).to_dense()
        terms = self._terms.get(x.shape[1])
        if terms is None:
            terms = self._terms[x.shape[1]] = np.array(_poly_terms(x.shape[1], self.degree), dtype=np.int64)
        out = np.prod(x[:, None, :] ** terms[None, :, :], axis=2)
        return frame.with_column(self.output, Vector.from_dense(out))


@register_op("pca")
class PCA(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        pc = attributes.get("principal_components")
        if pc is None:
            raise ValueError("pca needs principal_components")
        self.pc = np.asarray(pc, dtype=np.float64)  # n_features × k

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.input, self.label).to_dense()
        return frame.with_column(self.output, Vector.from_dense(x @ self.pc))


@register_op("interaction")
class Interaction(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.inputs = shape.indexed_inputs()
        self.output = shape.output("output") or shape.indexed_outputs()[0]
        count = get_int(attributes, "num_inputs", len(self.inputs))
        # MLeap writes each input's feature spec as num_features{i} (1 = numeric, n = n categories).
        self.specs = [[int(v) for v in get_list(attributes, f"num_features{i}", get_list(attributes, f"spec{i}"))]
                      for i in range(count)]

    def _encode(self, frame: LeapFrame, column: str, spec: list[int]) -> np.ndarray:
        values = frame.get(column, self.label)
        x = values.to_dense() if isinstance(values, Vector) else frame.scalar(column, self.label).as_float(column)[:, None]
        blocks = []
        for j, categories in enumerate(spec or [1] * x.shape[1]):
            if categories > 1:  # nominal: one-hot of the value's index
                index = x[:, j]
                bad = ~((index >= 0) & (index < categories))
                if bad.any():
                    raise OpError(f"Interaction: {index[np.argmax(bad)]} in column {column} is not a category "
                                  f"index below {categories}")
                onehot = np.zeros((len(x), categories))
                onehot[np.arange(len(x)), index.astype(np.int64)] = 1.0
                blocks.append(onehot)
            else:
                blocks.append(x[:, j:j + 1])
        return np.hstack(blocks)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        encoded = [self._encode(frame, c, s) for c, s in zip(self.inputs, self.specs + [[]] * len(self.inputs))]
        out = encoded[0]
        for block in encoded[1:]:  # first input varies slowest, as Spark's Interaction
            out = (out[:, :, None] * block[:, None, :]).reshape(len(out), -1)
        return frame.with_column(self.output, Vector.from_dense(out))
