"""MLeap's ``feature_hasher`` with Spark's FeatureHasher semantics.

Attributes (MLeap 0.20's FeatureHasherOp): ``num_features`` {long}, ``categorical_cols`` {list
string}, ``input_names`` {list string}, ``input_shapes`` {list data_shape, all scalar},
``basic_types`` {list basic_type}; ports ``input0..inputN`` -> ``output``.

Spark hashes every non-null input into one sparse vector of ``num_features``:

* numeric columns not listed in ``categorical_cols``: index ``murmur3(column name)``, value the
  number as a double;
* everything else (strings, booleans, listed numeric columns): index
  ``murmur3("name=" + value.toString)``, value 1.0;

with ``nonNegativeMod(hash, num_features)`` and values summed on collisions (in column order).
The hash is Murmur3_x86_32 over UTF-8 bytes, seed 42, ``hashUnsafeBytes2`` (Spark 3+ and MLeap
0.20 alike). ``toString`` is the JVM's: ``3`` for ints and longs, ``3.0``/``1.0E7`` for doubles,
``true`` for booleans, ``1.5`` for floats.

Difference from MLeap's JVM model, where we follow Spark: MLeap's numeric set omits ``byte``
columns (it hashes them as ``name=value``); Spark's ``NumericType`` includes ByteType.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import DataShape, get_int, get_list
from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector
from inference_pipeline.mleap.javafmt import java_double_str
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, register_op
from inference_pipeline.mleap.ops.murmur3 import hash_bytes, non_negative_mod

NUMERIC_TYPES = ("byte", "short", "int", "long", "float", "double")
INTEGRAL_TYPES = ("byte", "short", "int", "long")


def java_float_str(value: float) -> str:
    """Java's ``Float.toString`` for a float32 value (shortest float digits, Java's layout)."""
    x = np.float32(value)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if np.signbit(x) else "0.0"
    mantissa, _, exponent = np.format_float_scientific(abs(x), unique=True, trim="-").partition("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    exp10 = int(exponent)
    sign = "-" if x < 0 else ""
    if -3 <= exp10 < 7:
        if exp10 >= 0:
            integer = digits[: exp10 + 1].ljust(exp10 + 1, "0")
            return f"{sign}{integer}.{digits[exp10 + 1:] or '0'}"
        return f"{sign}0.{'0' * (-exp10 - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp10}"


def java_to_string(value: Any, basic_type: str) -> str:
    """``value.toString`` on the JVM for a column of MLeap ``basic_type``."""
    if isinstance(value, str):
        return value
    if basic_type == "boolean" or isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if basic_type in INTEGRAL_TYPES:
        return str(int(value))
    if basic_type == "float":
        return java_float_str(float(value))
    if isinstance(value, (int, np.integer)):  # a string column that arrived as numbers
        return str(int(value))
    return java_double_str(float(value))


@register_op("feature_hasher")
class FeatureHasher(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.inputs = shape.indexed_inputs()
        self.output = shape.output("output") or shape.indexed_outputs()[0]
        self.num_features = get_int(attributes, "num_features", 1 << 18)
        if self.num_features <= 0:
            raise ValueError(f"num_features must be positive, got {self.num_features}")
        self.names = [str(n) for n in get_list(attributes, "input_names")] or list(self.inputs)
        self.types = [str(t) for t in get_list(attributes, "basic_types")]
        shapes = get_list(attributes, "input_shapes")
        if not (len(self.names) == len(self.types) == len(self.inputs)):
            raise ValueError(f"feature_hasher has {len(self.inputs)} inputs, {len(self.names)} input_names and "
                             f"{len(self.types)} basic_types")
        if any(isinstance(s, DataShape) and s.base != "scalar" for s in shapes):
            raise ValueError("feature_hasher inputs must all be scalar")
        categorical = {str(c) for c in get_list(attributes, "categorical_cols")}
        self.real = [t in NUMERIC_TYPES and n not in categorical for n, t in zip(self.names, self.types)]
        # A numeric column always lands on the hash of its name: compute it once.
        self.name_index = {n: int(non_negative_mod(hash_bytes([n.encode("utf-8")]), self.num_features)[0])
                           for n, real in zip(self.names, self.real) if real}

    def _real(self, scalar: Scalar, column: str, basic_type: str) -> np.ndarray:
        values = scalar.as_float(column)
        # The JVM reads a float column as a float, whose double value differs from the decimal text.
        return values.astype(np.float32).astype(np.float64) if basic_type == "float" else values

    def _categorical(self, scalar: Scalar, name: str, basic_type: str, keep: np.ndarray) -> np.ndarray:
        raw = scalar.values[keep]
        if scalar.is_text:
            texts = [f"{name}={v}" for v in raw.tolist()]
        else:
            texts = [f"{name}={java_to_string(v, basic_type)}" for v in raw.tolist()]
        unique, inverse = np.unique(np.array(texts, dtype=object), return_inverse=True)
        hashes = non_negative_mod(hash_bytes([u.encode("utf-8") for u in unique.tolist()]), self.num_features)
        return hashes[inverse.reshape(-1)]

    def transform(self, frame: LeapFrame) -> LeapFrame:
        row_parts: list[np.ndarray] = []
        index_parts: list[np.ndarray] = []
        value_parts: list[np.ndarray] = []
        for column, name, basic_type, real in zip(self.inputs, self.names, self.types, self.real):
            scalar = frame.scalar(column, self.label)
            keep = ~scalar.null_mask()
            rows = np.flatnonzero(keep)
            if real:
                values = self._real(scalar, column, basic_type)[keep]
                indices = np.full(len(rows), self.name_index[name], dtype=np.int64)
            else:
                values = np.ones(len(rows))
                indices = self._categorical(scalar, name, basic_type, keep)
            row_parts.append(rows)
            index_parts.append(indices.astype(np.int64))
            value_parts.append(values)
        n_rows = frame.n_rows
        rows = np.concatenate(row_parts) if row_parts else np.zeros(0, np.int64)
        indices = np.concatenate(index_parts) if index_parts else np.zeros(0, np.int64)
        values = np.concatenate(value_parts) if value_parts else np.zeros(0)
        # Sum duplicates per (row, index) in column order, then lay rows out with ascending indices
        # (Vectors.sparse sorts them), which is Spark's sparse layout.
        keys = rows * np.int64(self.num_features) + indices
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        sums = np.add.reduceat(values, starts) if len(keys) else values
        unique_keys = keys[starts]
        out_rows, out_indices = np.divmod(unique_keys, np.int64(self.num_features))
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(out_rows, minlength=n_rows), out=indptr[1:])
        return frame.with_column(self.output, Vector.from_csr(self.num_features, indptr, out_indices, sums))

    # No row path: the output is num_features wide (2^18 by default) and the row protocol carries
    # vectors as dense lists, so a one-row frame (kept sparse) is the cheaper way.
