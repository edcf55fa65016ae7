"""``inference_pipeline.target_encoder``: Spark 4's ``TargetEncoderModel`` (our own op).

MLeap (0.20, and every later release) has no target encoder, so this op name is ours; the JVM
refuses it at load (``jvm_rules.OWN_OPS``). One node per encoded column, ports ``input`` →
``output``. Attributes are the model's training statistics, as Spark keeps them
(``TargetEncoderModel.stats``: per category ``(count, stat)``, stat = positives for a binary
target, the mean for a continuous one):

* ``categories``, ``counts``, ``stats`` {list double}: the seen categories;
* ``unseen_count``, ``unseen_stat`` {double}: the whole training set (Spark's key ``Int.MaxValue``);
* ``null_count``, ``null_stat`` {double}, present when nulls were seen in training (key ``-1``);
* ``target_type`` {string binary|continuous}, ``smoothing`` {double}, ``handle_invalid``
  {string error|keep}.

The encodings are computed at load with Spark's own formula (its ``transform`` does the same,
so a bundle scores exactly as the model did): ``w = count / (count + smoothing)``, binary
``w * (stat / count) + (1 - w) * (unseen_stat / unseen_count)``, continuous
``w * stat + (1 - w) * unseen_stat``. At transform the input (any numeric column) is cast to
double: null → the null category's encoding (or an unseen value's when none); a seen category →
its encoding; anything else (a new index, NaN, 1.5, -1, 2147483647) is unseen: the global
encoding with ``keep``, an error with ``error``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import get_float, get_list, get_str
from inference_pipeline.mleap.frame import NUMERIC, LeapFrame, Scalar
from inference_pipeline.mleap.ops.base import NodeShape, OpContext, OpError, SingleColumnOp, register_op

TARGET_TYPES = ("binary", "continuous")
HANDLE_INVALID = ("error", "keep")


def encode(count: float, stat: float, global_count: float, global_stat: float, smoothing: float,
           target_type: str) -> float:
    """Spark's ``TargetEncoderModel.transform`` encoding of one category (same operation order)."""
    weight = count / (count + smoothing)
    if target_type == "binary":
        return weight * (stat / count) + (1 - weight) * (global_stat / global_count)
    return weight * stat + (1 - weight) * global_stat


def _required_float(attributes: dict[str, Any], key: str) -> float:
    if key not in attributes:
        raise ValueError(f"attribute {key!r} is missing")
    return get_float(attributes, key)


@register_op("inference_pipeline.target_encoder")
class TargetEncoderOp(SingleColumnOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        target_type = get_str(attributes, "target_type", "binary") or "binary"
        if target_type not in TARGET_TYPES:
            raise ValueError(f"target_type must be one of {', '.join(TARGET_TYPES)}, not {target_type!r}")
        self.handle_invalid = get_str(attributes, "handle_invalid", "error") or "error"
        if self.handle_invalid not in HANDLE_INVALID:
            raise ValueError(f"handle_invalid must be one of {', '.join(HANDLE_INVALID)}, not {self.handle_invalid!r}")
        smoothing = get_float(attributes, "smoothing")
        categories = [float(c) for c in get_list(attributes, "categories")]
        counts = [float(c) for c in get_list(attributes, "counts")]
        stats = [float(s) for s in get_list(attributes, "stats")]
        if not len(categories) == len(counts) == len(stats):
            raise ValueError(f"{len(categories)} categories, {len(counts)} counts and {len(stats)} stats must match")
        global_count, global_stat = _required_float(attributes, "unseen_count"), _required_float(attributes, "unseen_stat")

        def encoded(count: float, stat: float) -> float:
            return encode(count, stat, global_count, global_stat, smoothing, target_type)

        order = np.argsort(np.array(categories, dtype=np.float64), kind="stable")
        self.categories = np.array(categories, dtype=np.float64)[order]
        if np.isnan(self.categories).any() or (np.diff(self.categories) == 0).any():
            raise ValueError("categories must be distinct numbers")
        self.encodings = np.array([encoded(c, s) for c, s in zip(counts, stats)], dtype=np.float64)[order]
        self.unseen = encoded(global_count, global_stat)
        self.null: float | None = None
        if "null_count" in attributes:
            self.null = encoded(_required_float(attributes, "null_count"), _required_float(attributes, "null_stat"))

    def transform(self, frame: LeapFrame) -> LeapFrame:
        column = frame.scalar(self.input, self.label)
        nulls = column.null_mask()
        if column.is_text and nulls.all():  # all-null JSON values carry no type: nulls of a numeric column
            values = np.full(len(nulls), np.nan)
        elif column.is_text or column.base not in NUMERIC:
            raise OpError(f"{self.label}: column {self.input} is {column.base}; Spark's TargetEncoder needs a "
                          "numeric column of category indices")
        else:
            values = column.as_float(self.input)
        position = np.searchsorted(self.categories, values)
        clipped = np.minimum(position, max(len(self.categories) - 1, 0))
        seen = (position < len(self.categories)) & ~nulls
        if len(self.categories):
            seen &= self.categories[clipped] == values  # NaN never matches; -0.0 matches 0.0 as in Spark
        out = np.full(len(values), self.unseen)
        if len(self.categories):
            out = np.where(seen, self.encodings[clipped], out)
        unseen = ~seen & ~nulls
        if self.null is not None:
            out = np.where(nulls, self.null, out)
        else:
            unseen |= nulls
        if self.handle_invalid == "error" and unseen.any():
            first = int(np.flatnonzero(unseen)[0])
            shown = "null" if nulls[first] else repr(float(values[first]))
            raise OpError(f"{self.label}: unseen value {shown} in column {self.input}; to encode unseen values, "
                          "set handleInvalid to keep")
        return frame.with_column(self.output, Scalar(out, "double"))
