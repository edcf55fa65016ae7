"""math_unary and math_binary with MLeap's operation names and Java's arithmetic.

MLeap's names (``UnaryOperation.forName`` / ``BinaryOperation.forName``): unary ``log exp sqrt
sin cos tan abs logit floor ceil round_of``; binary ``add sub mul div rem log_n pow``. Any other
name fails at load time, as it does in MLeap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import EMPTY, get_str
from inference_pipeline.mleap.frame import LeapFrame, Scalar
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, SingleColumnOp, register_op

_LONG_MIN, _LONG_MAX = float(-(2**63)), float(2**63 - 1)


def java_round(x: np.ndarray) -> np.ndarray:
    """Java's ``Math.round(double)`` as a double: floor(x + 1/2) without the x + 0.5 rounding
    error, NaN → 0, clamped to the long range."""
    floor = np.floor(x)
    out = floor + ((x - floor) >= 0.5)
    out = np.clip(out, _LONG_MIN, _LONG_MAX)
    return np.where(np.isnan(x), 0.0, out)


def logit(x: np.ndarray) -> np.ndarray:
    """commons-math ``Logit`` on [0, 1]: log(x / (1 - x)); outside the interval it throws."""
    outside = (x < 0) | (x > 1)
    if outside.any():
        raise OpError(f"logit: {x[np.argmax(outside)]} out of [0, 1] range")
    with np.errstate(divide="ignore"):
        return np.log(x / (1.0 - x))


_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "abs": np.abs, "logit": logit, "floor": np.floor, "ceil": np.ceil, "round_of": java_round,
}
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "rem": np.fmod,  # Java's % on doubles keeps the dividend's sign, like C fmod
    "log_n": lambda a, b: np.log(a) / np.log(b), "pow": np.power,
}


def _operation(attributes: dict[str, Any], table: dict[str, Any], op: str) -> Any:
    name = get_str(attributes, "operation")
    if name not in table:
        raise ValueError(f"{op} operation {name!r} is not one of {', '.join(sorted(table))}")
    return table[name]


@register_op("math_unary")
class MathUnary(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.fn = _operation(attributes, _UNARY, "math_unary")

    def transform(self, frame: LeapFrame) -> LeapFrame:
        column = frame.scalar(self.input, self.label)
        if column.null_mask().any():
            raise OpError(f"math_unary: null value in column {self.input}")
        with np.errstate(all="ignore"):
            return frame.with_column(self.output, Scalar(self.fn(column.as_float(self.input)), "double"))


@register_op("math_binary")
class MathBinary(Op):
    """``a op b`` where a null input (or a missing port) falls back to the ``da``/``db`` default."""

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.fn = _operation(attributes, _BINARY, "math_binary")
        self.a, self.b = shape.input("input_a"), shape.input("input_b")
        self.da = self._default(attributes, "da")
        self.db = self._default(attributes, "db")
        outputs = shape.indexed_outputs()
        if len(outputs) != 1:
            raise ValueError("math_binary needs one output port")
        self.output = outputs[0]
        if self.a is None and self.da is None or self.b is None and self.db is None:
            raise ValueError("math_binary needs input_a or da, and input_b or db")

    @staticmethod
    def _default(attributes: dict[str, Any], key: str) -> float | None:
        if key not in attributes:
            return None
        value = attributes[key]
        return 0.0 if value is EMPTY else float(value)

    def _operand(self, frame: LeapFrame, column: str | None, default: float | None) -> np.ndarray:
        if column is None:
            return np.full(frame.n_rows, default)
        scalar = frame.scalar(column, self.label)
        values = scalar.as_float(column)
        nulls = scalar.null_mask()
        if nulls.any():
            if default is None:
                raise OpError(f"math_binary: null value in column {column} and no default for it")
            values = np.where(nulls, default, values)
        return values

    def transform(self, frame: LeapFrame) -> LeapFrame:
        a = self._operand(frame, self.a, self.da)
        b = self._operand(frame, self.b, self.db)
        with np.errstate(all="ignore"):
            return frame.with_column(self.output, Scalar(self.fn(a, b), "double"))
