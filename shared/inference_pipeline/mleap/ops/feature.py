"""Feature ops with Spark/MLeap semantics: indexers, encoders, assembler, imputer, bucketing."""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import (
    EMPTY,
    DataShape,
    get_bool,
    get_float,
    get_int,
    get_list,
    get_str,
)
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, SingleColumnOp, register_op

# Assemblers keep vectors dense up to this width; wider ones (hashed text) stay sparse.
DENSE_LIMIT = 4096


def _spark_string(values: np.ndarray) -> list[Any]:
    """Values as Spark casts them to string for StringIndexer (1.0 → "1.0", True → "true")."""
    from inference_pipeline.mleap.javafmt import java_double_str

    out: list[Any] = []
    for value in values.tolist():
        if value is None:
            out.append(None)
        elif isinstance(value, bool):
            out.append("true" if value else "false")
        elif isinstance(value, float):
            out.append(java_double_str(value))
        else:
            out.append(str(value))
    return out


# MLeap's exception messages (the sparkml container returns them as the 400 body).
def _null_label() -> OpError:
    return OpError("StringIndexer encountered NULL value. To handle NULLS, set handleInvalid to keep")


def _unseen_label(label: Any) -> OpError:
    return OpError(f"Unseen label: {label}. To handle unseen labels, set handleInvalid to keep")


def _one_hot_error(value: float, n: int) -> OpError | None:
    """MLeap's OneHotEncoderModel checks, in its order; None if ``value`` is a valid index."""
    from inference_pipeline.mleap.javafmt import java_double_str

    if value != value or value != int(value):
        return OpError(f"invalid label: {java_double_str(value)}, must be integer")
    if value < 0:
        return OpError(f"Negative value: {java_double_str(value)}. Input can't be negative. "
                       "To handle invalid values, set Param handleInvalid to Keep")
    if value >= n:
        return OpError(f"Unseen value: {java_double_str(value)}. To handle unseen values, "
                       "set Param handleInvalid to Keep")
    return None


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
                elif (missing & nulls).any():
                    raise _null_label()
                else:
                    raise _unseen_label(_spark_string(scalar.values[[np.argmax(missing)]])[0])
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
                else:
                    raise _null_label() if key is None else _unseen_label(key)
            row[output] = index
        return True


@register_op("reverse_string_indexer")
class ReverseStringIndexer(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.labels = np.array(get_list(attributes, "labels"), dtype=object)

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
            scalar = frame.scalar(column, self.label)
            if scalar.null_mask().any():
                raise OpError(f"OneHotEncoder: null value in column {column}")
            values = scalar.as_float(column)
            fractional = np.isnan(values) | (values != np.trunc(values))
            invalid = (values < 0) | (values >= n)
            if fractional.any() or (invalid.any() and self.handle_invalid != "keep"):
                bad = values[np.argmax(fractional | invalid)]
                raise _one_hot_error(float(bad), n)  # type: ignore[misc]
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
            if value is None:
                raise OpError(f"OneHotEncoder: null value in column {column}")
            error = _one_hot_error(float(value), n)
            if error is not None and (self.handle_invalid != "keep" or str(error).startswith("invalid label")):
                raise error
            index = n if error is not None else int(value)
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


@register_op("imputer")
class Imputer(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        # MLeap < 0.9 wrote imputeValue / missingValue.
        surrogate_key = "surrogate_value" if "surrogate_value" in attributes else "imputeValue"
        if surrogate_key not in attributes:
            raise ValueError("imputer needs surrogate_value")
        self.surrogate = get_float(attributes, surrogate_key)
        missing = attributes.get("missing_value", attributes.get("missingValue", float("nan")))
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
class Bucketizer(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.splits = _restore_splits(get_list(attributes, "splits"))
        if len(self.splits) < 2:
            raise ValueError("bucketizer needs at least two splits")
        self.handle_invalid = _handle_invalid(attributes)

    def transform(self, frame: LeapFrame) -> LeapFrame:
        column = frame.scalar(self.input, self.label)
        x = column.as_float(self.input)
        nulls = column.null_mask()
        if nulls.any():  # Spark: a null feature gives a null bucket (skip drops the row)
            if self.handle_invalid == "skip":
                frame = frame.filter(~nulls)
                return self.transform(frame)
            x = np.where(nulls, self.splits[0], x)
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
        return frame.with_column(self.output, Scalar(np.where(nulls, np.nan, buckets), "double",
                                                     nulls if nulls.any() else None))


@register_op("binarizer")
class Binarizer(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.threshold = get_float(attributes, "threshold")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        column = frame.get(self.input, self.label)
        if isinstance(column, Vector):
            return frame.with_column(self.output, Vector.from_dense((column.to_dense() > self.threshold) * 1.0))
        x = frame.scalar(self.input, self.label).as_float(self.input)
        return frame.with_column(self.output, Scalar((x > self.threshold) * 1.0, "double"))
