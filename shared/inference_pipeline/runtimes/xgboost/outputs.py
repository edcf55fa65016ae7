"""Response bodies of SageMaker's XGBoost container (algorithm mode), value for value.

Default output: ``preds.tolist()`` of ``Booster.predict`` — CSV one row per line (vectors
comma-joined, numbers as Python's ``str(float)``), JSON ``{"predictions": [{"score": ...}]}``,
and in batch mode (``SAGEMAKER_BATCH``) ``str(row)`` per line whatever the Accept.

Selectable output (``SAGEMAKER_INFERENCE_OUTPUT``) derives every key from the prediction
alone, as AWS does: for ``binary:logistic`` ``raw_score`` is the probability and
``raw_scores`` is ``[1 - p, p]``; keys invalid for the objective are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs import recordio, safe_json
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, RECORDIO_PROTOBUF

PREDICTED_LABEL, LABELS, PROBABILITY, PROBABILITIES = "predicted_label", "labels", "probability", "probabilities"
RAW_SCORE, RAW_SCORES, PREDICTED_SCORE = "raw_score", "raw_scores", "predicted_score"
ALL_KEYS = (PREDICTED_LABEL, LABELS, PROBABILITY, PROBABILITIES, RAW_SCORE, RAW_SCORES, PREDICTED_SCORE)
_CLASSIFIER_KEYS = (PREDICTED_LABEL, LABELS, RAW_SCORE, RAW_SCORES)
VALID_KEYS: dict[str, tuple[str, ...]] = {
    "reg:squarederror": (PREDICTED_SCORE,),
    "reg:logistic": (PREDICTED_SCORE,),
    "reg:gamma": (PREDICTED_SCORE,),
    "reg:tweedie": (PREDICTED_SCORE,),
    "binary:logistic": (PREDICTED_LABEL, LABELS, PROBABILITY, PROBABILITIES, RAW_SCORE, RAW_SCORES),
    "binary:logitraw": _CLASSIFIER_KEYS,
    "binary:hinge": _CLASSIFIER_KEYS,
    "multi:softmax": _CLASSIFIER_KEYS,
    "multi:softprob": (PREDICTED_LABEL, LABELS, PROBABILITY, PROBABILITIES, RAW_SCORE, RAW_SCORES),
}


def parse_selected_keys(value: str | None) -> list[str]:
    """``SAGEMAKER_INFERENCE_OUTPUT`` → keys (AWS strips spaces and lower-cases)."""
    if value is None or not value.strip():
        return []
    return value.replace(" ", "").lower().split(",")


# ---------------------------------------------------------------------------- default output

def csv_body(rows: list[Any]) -> bytes:
    """What sagemaker-containers' CSV encoder writes for ``preds.tolist()``."""
    return "".join((",".join(map(str, row)) if isinstance(row, list) else str(row)) + "\n"
                   for row in rows).encode()


def json_body(rows: list[Any]) -> bytes:
    return safe_json.dumps_bytes({"predictions": [{"score": row} for row in rows]}, python_style=True)


def batch_body(rows: list[Any]) -> bytes:
    return ("\n".join(map(str, rows)) + "\n").encode()


# ---------------------------------------------------------------------------- selectable output

def _labels(objective: str, num_class: int) -> Any:
    if "binary:" in objective:
        return [0, 1]
    if "multi:" in objective and num_class:
        return list(range(num_class))
    return math.nan


def _complement(value: float) -> list[float]:
    return [1.0 - value, value]


def _value(key: str, objective: str, pred: Any, num_class: int) -> Any:
    """One selectable key for one row; ``pred`` is a float or (softprob) a list of floats."""
    softprob = objective == "multi:softprob"
    if key == PREDICTED_LABEL:
        if softprob:
            return int(np.argmax(pred))
        if objective == "binary:logistic":
            return int(pred > 0.5)
        if objective == "binary:logitraw":
            return int(pred > 0)
        return pred  # multi:softmax / binary:hinge: the class id as XGBoost returns it (a float)
    if key == LABELS:
        return _labels(objective, num_class)
    if key == PROBABILITY:
        return max(pred) if softprob else pred
    if key == PROBABILITIES:
        return pred if softprob else _complement(pred)
    if key == RAW_SCORE:
        return max(pred) if softprob else pred
    if key == RAW_SCORES:
        return pred if softprob else _complement(pred)
    return pred  # PREDICTED_SCORE


def select(rows: list[Any], keys: Sequence[str], objective: str, num_class: int) -> list[dict[str, Any]]:
    """Per row a dict with the valid keys in AWS's fixed order, then the invalid ones as NaN."""
    valid = [key for key in ALL_KEYS if key in keys and key in VALID_KEYS[objective]]
    invalid = list(dict.fromkeys(key for key in keys if key not in valid))
    out = []
    for pred in rows:
        row = {key: _value(key, objective, pred, num_class) for key in valid}
        row.update((key, math.nan) for key in invalid)
        out.append(row)
    return out


def _csv_cell(value: Any) -> str:
    return f'"{value}"' if isinstance(value, list) else str(value)


def encode_selected(rows: list[dict[str, Any]], keys: Sequence[str], accept: str, *, batch: bool) -> bytes:
    if accept == JSON:
        return safe_json.dumps_bytes({"predictions": rows}, python_style=True)  # invalid keys' NaN → null
    if accept == JSONLINES:
        return b"".join(safe_json.dumps_bytes(row, python_style=True) + b"\n" for row in rows)
    if accept == RECORDIO_PROTOBUF:
        return recordio.encode_label_records(rows)
    assert accept == CSV
    body = "\n".join(",".join(_csv_cell(row[key]) for key in keys) for row in rows)
    return (body + "\n" if batch else body).encode()
