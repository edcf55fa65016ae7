"""Feature ops with Spark's semantics: indexers, encoders, assemblers, scalers, bucketing."""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import (
    EMPTY,
    DataShape,
    get_array,
    get_bool,
    get_float,
    get_int,
    get_list,
    get_str,
)
from inference_pipeline.mleap.frame import LeapFrame, ListColumn, Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op

# Assemblers keep vectors dense up to this width; wider ones (hashed text) stay sparse.
DENSE_LIMIT = 4096


def _spark_string(values: np.ndarray) -> list[Any]:
    """Values as Spark casts them to string for StringIndexer (1.0 → "1.0", True → "true")."""
    from inference_pipeline.mleap.javafmt import java_double_str

    out: list[Any] = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(None)
        elif isinstance(value, bool):
            out.append("true" if value else "false")
        elif isinstance(value, float):
            out.append(java_double_str(value))
        else:
            out.append(str(value))
    return out


def _handle_invalid(attrs: dict[str, Any], default: str = "error") -> str:
    value = get_str(attrs, "handle_invalid", default) or default
    if value not in ("error", "skip", "keep"):
        raise ValueError(f"handle_invalid must be error, skip or keep, not {value!r}")
    return value


@register_op("string_indexer")
class StringIndexer(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        if "labels_length" in attributes:
            count = get_int(attributes, "labels_length")
            self.labels = [get_list(attributes, f"labels_array_{i}") for i in range(count)]
        else:
            self.labels = [get_list(attributes, "labels")]
        self.inputs = shape.indexed_inputs()
        self.outputs = shape.indexed_outputs()
        if not (len(self.inputs) == len(self.outputs) == len(self.labels)):
            raise ValueError(f"{len(self.inputs)} inputs, {len(self.outputs)} outputs and {len(self.labels)} label "
                             "lists do not match")
        self.handle_invalid = _handle_invalid(attributes)
        self.lookups = [{label: float(i) for i, label in enumerate(labels)} for labels in self.labels]

    def _index(self, scalar: Scalar, lookup: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(index with NaN for unseen/null, null mask); strings are converted per distinct value."""
        nulls = scalar.null_mask()
        values = scalar.values if not nulls.any() else scalar.values[~nulls]
        try:
            distinct, inverse = np.unique(values, return_inverse=True)
        except TypeError:  # mixed Python types: compare by their Spark string form
            distinct, inverse = np.unique(np.array(_spark_string(values), dtype=object), return_inverse=True)
        keys = distinct.tolist() if distinct.dtype.kind == "U" else _spark_string(distinct)
        mapped = np.array([lookup.get(key, np.nan) for key in keys], dtype=np.float64)
        index = np.full(len(nulls), np.nan)
        index[~nulls] = mapped[inverse.reshape(-1)]
        return index, nulls

    def transform(self, frame: LeapFrame) -> LeapFrame:
        keep = np.ones(frame.n_rows, dtype=bool)
        results = []
        for column, lookup, labels in zip(self.inputs, self.lookups, self.labels):
            scalar = frame.scalar(column, self.label)
            index, nulls = self._index(scalar, lookup)
            missing = np.isnan(index)
            if missing.any():
                if self.handle_invalid == "keep":
                    index[missing] = float(len(labels))
                elif self.handle_invalid == "skip":
                    keep &= ~missing
                elif nulls.any():
                    raise OpError(f"StringIndexer encountered NULL value in column {column}. To handle or skip "
                                  "NULLS, try setting StringIndexer.handleInvalid.")
                else:
                    value = scalar.values[np.argmax(missing)]
                    raise OpError(f"Unseen label: {value}. To handle unseen labels, set Param handleInvalid to keep.")
            results.append(index)
        for output, index in zip(self.outputs, results):
            frame.with_column(output, Scalar(index, "double"))
        return frame if keep.all() else frame.filter(keep)

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        for column, output, lookup, labels in zip(self.inputs, self.outputs, self.lookups, self.labels):
            value = row[column]
            key = value if type(value) is str else _spark_string(np.array([value], dtype=object))[0]
            index = lookup.get(key) if key is not None else None
            if index is None:
                if self.handle_invalid == "keep":
                    index = float(len(labels))
                elif self.handle_invalid == "skip":
                    return False
                elif key is None:
                    raise OpError(f"StringIndexer encountered NULL value in column {column}. To handle or skip "
                                  "NULLS, try setting StringIndexer.handleInvalid.")
                else:
                    raise OpError(f"Unseen label: {value}. To handle unseen labels, set Param handleInvalid to keep.")
            row[output] = index
        return True


@register_op("reverse_string_indexer")
class ReverseStringIndexer(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.labels = np.array(get_list(attributes, "labels"), dtype=object)
        self.input = shape.indexed_inputs()[0]
        self.output = shape.indexed_outputs()[0]

    def transform(self, frame: LeapFrame) -> LeapFrame:
        index = frame.scalar(self.input, self.label).as_float(self.input)
        bad = ~np.isfinite(index) | (index < 0) | (index >= len(self.labels)) | (index != np.floor(index))
        if bad.any():
            value = index[np.argmax(bad)]
            raise OpError(f"IndexToString: index {value} in column {self.input} is not a valid label index "
                          f"(0..{len(self.labels) - 1})")
        return frame.with_column(self.output, Scalar(self.labels[index.astype(np.int64)], "string"))

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        value = row[self.input]
        index = float(value) if value is not None else float("nan")
        if not (index == index and 0 <= index < len(self.labels) and index == int(index)):
            raise OpError(f"IndexToString: index {index} in column {self.input} is not a valid label index "
                          f"(0..{len(self.labels) - 1})")
        row[self.output] = self.labels[int(index)]
        return True


@register_op("one_hot_encoder")
class OneHotEncoder(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.drop_last = get_bool(attributes, "drop_last", True)
        if "category_sizes" in attributes:
            self.sizes = [int(s) for s in get_list(attributes, "category_sizes")]
            default_invalid = "error"
        else:  # Spark 2 / legacy Python form: one column of `size` categories
            self.sizes = [get_int(attributes, "size")]
            default_invalid = "keep" if self.drop_last else "error"
        self.handle_invalid = _handle_invalid(attributes, default_invalid)
        self.inputs = shape.indexed_inputs()
        self.outputs = shape.indexed_outputs()
        if not (len(self.inputs) == len(self.outputs) == len(self.sizes)):
            raise ValueError("inputs, outputs and category_sizes do not line up")

    def _vector_size(self, n: int) -> int:
        keep = self.handle_invalid == "keep"
        if not self.drop_last and keep:
            return n + 1
        if self.drop_last and not keep:
            return n - 1
        return n

    def transform(self, frame: LeapFrame) -> LeapFrame:
        for column, output, n in zip(self.inputs, self.outputs, self.sizes):
            values = frame.scalar(column, self.label).as_float(column)
            if np.isnan(values).any():
                raise OpError(f"OneHotEncoder: null or NaN in column {column}")
            if (values != np.floor(values)).any():
                bad = values[np.argmax(values != np.floor(values))]
                raise OpError(f"OneHotEncoder: values in column {column} must be category indices, got {bad}")
            invalid = (values < 0) | (values >= n)
            if invalid.any() and self.handle_invalid != "keep":
                bad = values[np.argmax(invalid)]
                raise OpError(f"Unseen value: {bad}. To handle unseen values, set Param handleInvalid to keep.")
            size = self._vector_size(n)
            index = np.where(invalid, n, values).astype(np.int64)
            hit = index < size
            indptr = np.zeros(len(index) + 1, dtype=np.int64)
            np.cumsum(hit, out=indptr[1:])
            frame.with_column(output, Vector.from_csr(size, indptr, index[hit], np.ones(int(hit.sum()))))
        return frame

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        for column, output, n in zip(self.inputs, self.outputs, self.sizes):
            value = row[column]
            if value is None or value != value:
                raise OpError(f"OneHotEncoder: null or NaN in column {column}")
            value = float(value)
            if value != int(value):
                raise OpError(f"OneHotEncoder: values in column {column} must be category indices, got {value}")
            index = int(value)
            if not 0 <= index < n:
                if self.handle_invalid != "keep":
                    raise OpError(f"Unseen value: {value}. To handle unseen values, set Param handleInvalid to keep.")
                index = n
            vector = [0.0] * self._vector_size(n)
            if index < len(vector):
                vector[index] = 1.0
            row[output] = vector
        return True


@register_op("vector_assembler")
class VectorAssembler(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.inputs = shape.indexed_inputs()
        self.output = shape.output("output") or shape.indexed_outputs()[0]
        shapes = attributes.get("input_shapes")
        self.shapes: list[DataShape | None] = list(shapes) if isinstance(shapes, list) else [None] * len(self.inputs)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        blocks: list[Vector] = []
        for column in self.inputs:
            value = frame.get(column, self.label)
            if isinstance(value, Scalar):
                if value.null_mask().any():
                    raise OpError(f"VectorAssembler: null value in column {column}")
                blocks.append(Vector.from_dense(value.as_float(column).reshape(-1, 1)))
            elif isinstance(value, Vector):
                blocks.append(value)
            else:
                raise OpError(f"VectorAssembler cannot assemble list column {column}")
        size = sum(block.size for block in blocks)
        if size <= DENSE_LIMIT:
            dense = np.hstack([block.to_dense() for block in blocks]) if blocks else np.zeros((frame.n_rows, 0))
            return frame.with_column(self.output, Vector.from_dense(dense))
        return frame.with_column(self.output, _concat_sparse(blocks, frame.n_rows))

    supports_row = True

    def transform_row(self, row: dict[str, Any]) -> bool:
        out: list[float] = []
        for column in self.inputs:
            value = row[column]
            if isinstance(value, list):
                out.extend(value)
            elif value is None:
                raise OpError(f"VectorAssembler: null value in column {column}")
            elif isinstance(value, str):
                raise OpError(f"VectorAssembler cannot assemble string column {column}")
            else:
                out.append(float(value))
        row[self.output] = out
        return True


def _concat_sparse(blocks: list[Vector], n_rows: int) -> Vector:
    rows_idx: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    offset = 0
    for block in blocks:
        indptr, indices, data = block.csr()
        nonzero = data != 0
        rows = np.repeat(np.arange(n_rows), np.diff(indptr))
        rows_idx.append(rows[nonzero])
        cols.append(indices[nonzero] + offset)
        vals.append(data[nonzero])
        offset += block.size
    rows = np.concatenate(rows_idx) if rows_idx else np.zeros(0, np.int64)
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return Vector.from_csr(offset, indptr, np.concatenate(cols)[order], np.concatenate(vals)[order])


class _VectorOp(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.input = shape.input("input") or shape.indexed_inputs()[0]
        self.output = shape.output("output") or shape.indexed_outputs()[0]


@register_op("standard_scaler")
class StandardScaler(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.mean = get_array(attributes, "mean")
        std = get_array(attributes, "std")
        if self.mean is None and std is None:
            raise ValueError("standard_scaler needs mean and/or std")
        self.scale = None if std is None else np.where(std == 0.0, 0.0, 1.0 / np.where(std == 0.0, 1.0, std))

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        if self.mean is not None:
            out = vector.to_dense() - self.mean
            if self.scale is not None:
                out = out * self.scale
            return frame.with_column(self.output, Vector.from_dense(out))
        assert self.scale is not None
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() * self.scale))
        indptr, indices, data = vector.csr()  # std only keeps sparsity
        return frame.with_column(self.output, Vector.from_csr(vector.size, indptr, indices, data * self.scale[indices]))


@register_op("min_max_scaler")
class MinMaxScaler(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.min = get_array(attributes, "min")
        self.max = get_array(attributes, "max")
        if self.min is None or self.max is None:
            raise ValueError("min_max_scaler needs min and max")
        self.low = get_float(attributes, "minValue", 0.0)
        self.high = get_float(attributes, "maxValue", 1.0)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.vector(self.input, self.label).to_dense()
        span = self.max - self.min
        scaled = np.where(span != 0, (x - self.min) / np.where(span != 0, span, 1.0), 0.5)
        out = scaled * (self.high - self.low) + self.low
        return frame.with_column(self.output, Vector.from_dense(np.where(np.isnan(x), np.nan, out)))


@register_op("max_abs_scaler")
class MaxAbsScaler(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        max_abs = get_array(attributes, "maxAbs")
        if max_abs is None:
            raise ValueError("max_abs_scaler needs maxAbs")
        self.scale = np.where(max_abs == 0, 1.0, 1.0 / np.where(max_abs == 0, 1.0, max_abs))

    def transform(self, frame: LeapFrame) -> LeapFrame:
        vector = frame.vector(self.input, self.label)
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() * self.scale))
        indptr, indices, data = vector.csr()
        return frame.with_column(self.output, Vector.from_csr(vector.size, indptr, indices, data * self.scale[indices]))


@register_op("imputer")
class Imputer(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.surrogate = get_float(attributes, "surrogate_value")
        missing = attributes.get("missing_value", float("nan"))
        self.missing = 0.0 if missing is EMPTY else float(missing)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        column = frame.scalar(self.input, self.label)
        values = column.as_float(self.input)
        replace = np.isnan(values) | column.null_mask()
        if not np.isnan(self.missing):
            replace |= values == self.missing
        return frame.with_column(self.output, Scalar(np.where(replace, self.surrogate, values), "double"))


def _restore_splits(splits: list[float]) -> np.ndarray:
    array = np.array(splits, dtype=np.float64)
    if len(array) and np.isnan(array[0]):
        array[0] = -np.inf
    if len(array) and np.isnan(array[-1]):
        array[-1] = np.inf
    return array


@register_op("bucketizer")
class Bucketizer(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.splits = _restore_splits(get_list(attributes, "splits"))
        if len(self.splits) < 2:
            raise ValueError("bucketizer needs at least two splits")
        self.handle_invalid = _handle_invalid(attributes)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.scalar(self.input, self.label).as_float(self.input)
        buckets = np.searchsorted(self.splits, x, side="right") - 1.0
        buckets = np.where(x == self.splits[-1], len(self.splits) - 2, buckets)
        nan = np.isnan(x)
        out_of_range = ~nan & ((x < self.splits[0]) | (x > self.splits[-1]))
        if out_of_range.any():
            bad = x[np.argmax(out_of_range)]
            raise OpError(f"Feature value {bad} out of Bucketizer bounds [{self.splits[0]}, {self.splits[-1]}]. "
                          "Check your features, or loosen the lower/upper bound constraints.")
        if nan.any():
            if self.handle_invalid == "keep":
                buckets = np.where(nan, float(len(self.splits) - 1), buckets)
            elif self.handle_invalid == "skip":
                frame.with_column(self.output, Scalar(buckets, "double"))
                return frame.filter(~nan)
            else:
                raise OpError("Bucketizer encountered NaN value. To handle or skip NaNs, try setting "
                              "Bucketizer.handleInvalid.")
        return frame.with_column(self.output, Scalar(buckets, "double"))


@register_op("binarizer")
class Binarizer(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.threshold = get_float(attributes, "threshold")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        column = frame.get(self.input, self.label)
        if isinstance(column, Vector):
            return frame.with_column(self.output, Vector.from_dense((column.to_dense() > self.threshold) * 1.0))
        x = frame.scalar(self.input, self.label).as_float(self.input)
        return frame.with_column(self.output, Scalar((x > self.threshold) * 1.0, "double"))


@register_op("normalizer")
class Normalizer(_VectorOp):
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
            norms = np.zeros(len(indptr) - 1)
            np.maximum.at(norms, rows, np.abs(data))
        else:
            norms = np.bincount(rows, np.abs(data) ** self.p, minlength=len(indptr) - 1) ** (1.0 / self.p)
        safe = np.where(norms == 0, 1.0, norms)
        if vector.is_dense:
            return frame.with_column(self.output, Vector.from_dense(vector.to_dense() / safe[:, None]))
        return frame.with_column(self.output, Vector.from_csr(vector.size, indptr, indices, data / safe[rows]))


@register_op("vector_slicer")
class VectorSlicer(_VectorOp):
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
class PolynomialExpansion(_VectorOp):
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
class PCA(_VectorOp):
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
                onehot = np.zeros((len(x), categories))
                onehot[np.arange(len(x)), x[:, j].astype(np.int64)] = 1.0
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


_UNARY = {
    "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "abs": np.abs, "floor": np.floor, "ceil": np.ceil, "round": np.round, "asin": np.arcsin,
    "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
    "log10": np.log10, "log1p": np.log1p, "expm1": np.expm1, "signum": np.sign, "rint": np.rint,
}
_BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "remainder": np.fmod, "pow": np.power, "min": np.minimum, "max": np.maximum,
    "logn": lambda a, b: np.log(a) / np.log(b), "atan2": np.arctan2,
}


@register_op("math_unary")
class MathUnary(_VectorOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        operation = get_str(attributes, "operation").lower()
        if operation not in _UNARY:
            raise ValueError(f"math_unary operation {operation!r} is not one of {', '.join(sorted(_UNARY))}")
        self.fn = _UNARY[operation]

    def transform(self, frame: LeapFrame) -> LeapFrame:
        x = frame.scalar(self.input, self.label).as_float(self.input)
        with np.errstate(all="ignore"):
            return frame.with_column(self.output, Scalar(self.fn(x), "double"))


@register_op("math_binary")
class MathBinary(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        operation = get_str(attributes, "operation").lower()
        if operation not in _BINARY:
            raise ValueError(f"math_binary operation {operation!r} is not one of {', '.join(sorted(_BINARY))}")
        self.fn = _BINARY[operation]
        self.a, self.b = shape.input("input_a"), shape.input("input_b")
        self.da = attributes.get("da")
        self.db = attributes.get("db")
        self.output = shape.output("output") or shape.indexed_outputs()[0]
        if self.a is None and self.da is None or self.b is None and self.db is None:
            raise ValueError("math_binary needs input_a or da, and input_b or db")

    def _operand(self, frame: LeapFrame, column: str | None, default: Any) -> np.ndarray:
        if column is not None:
            return frame.scalar(column, self.label).as_float(column)
        return np.full(frame.n_rows, 0.0 if default is EMPTY else float(default))

    def transform(self, frame: LeapFrame) -> LeapFrame:
        a = self._operand(frame, self.a, self.da)
        b = self._operand(frame, self.b, self.db)
        with np.errstate(all="ignore"):
            return frame.with_column(self.output, Scalar(self.fn(a, b), "double"))


__all__ = ["ListColumn"]
