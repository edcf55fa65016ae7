"""Built-in post-processors for the last stage of a pipeline, configured by env or a file.

Configuration: ``postprocessing.json`` in the model dir (keys below); each environment
variable wins over its key. Labels come from ``labels``, a labels file (``labels_file``, or
``labels.txt`` / ``labels.json`` in the model dir: one label per line, or a JSON list).

==========================  ===================  ============================================
environment variable        postprocessing.json  meaning
==========================  ===================  ============================================
POSTPROCESSOR               postprocessor        passthrough (default), label, argmax, topk,
                                                 threshold, regression
POSTPROCESSING_LABELS       labels               comma-separated or a JSON list
POSTPROCESSING_LABELS_FILE  labels_file          path, relative to the model dir
POSTPROCESSING_TOP_K        top_k                k for topk (default 1)
POSTPROCESSING_THRESHOLD    threshold            threshold's cut (default 0.5; p >= cut → labels[1])
POSTPROCESSING_ROUND        round                regression: decimals (half up; 0 gives integers)
POSTPROCESSING_CLIP         clip                 regression: "lo,hi" (either may be empty)
POSTPROCESSING_ID_COLUMN    id_column            the first input column is an id, echoed first
POSTPROCESSING_INPUT_FIELD  input_field          the JSON key that holds the prediction
POSTPROCESSING_FIELDS       fields               output fields to keep, in order
==========================  ===================  ============================================

Per processor (input → output fields, default fields first):

* ``label``: a class index (``3.0``) → ``label``. Non-integer or out-of-range → 400.
* ``argmax`` / ``topk``: a probability vector (a scalar p reads as [1-p, p]) → ``label``,
  ``probability`` (k = 1) or ``labels``, ``probabilities`` (k > 1). Without labels, class
  indices.
* ``threshold``: a probability (or [p0, p1]: p1) → ``label`` (labels[1] when p >= cut, else
  labels[0]; 1/0 without labels); ``score``.
* ``regression``: a number, clipped then rounded → ``score``.
* ``passthrough``: the value unchanged (``score`` for numbers, ``label`` for text; objects as
  they are), for format conversion only.

JSON objects from algorithm containers are read from the first key present of
:data:`INPUT_KEYS` (XGBoost/Linear Learner ``predicted_label``/``score``/``probabilities``,
BlazingText ``prob``, SparkML ``features``), or from ``input_field``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from inference_pipeline.runtimes.postprocessing.io import Record, read_records, write_rows
from inference_pipeline.serving.errors import BadRequest, ModelLoadError
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.settings import parse_flag

CONFIG_FILE = "postprocessing.json"
LABEL_FILES = ("labels.txt", "labels.json")
# config key → environment variable
ENV = {
    "postprocessor": "POSTPROCESSOR",
    "labels": "POSTPROCESSING_LABELS",
    "labels_file": "POSTPROCESSING_LABELS_FILE",
    "top_k": "POSTPROCESSING_TOP_K",
    "threshold": "POSTPROCESSING_THRESHOLD",
    "round": "POSTPROCESSING_ROUND",
    "clip": "POSTPROCESSING_CLIP",
    "id_column": "POSTPROCESSING_ID_COLUMN",
    "input_field": "POSTPROCESSING_INPUT_FIELD",
    "fields": "POSTPROCESSING_FIELDS",
}
ALIASES = {"top_k": "topk", "top-k": "topk", "index_to_label": "label", "none": "passthrough"}
INPUT_KEYS: dict[str, tuple[str, ...]] = {
    "label": ("predicted_label", "score"),
    "argmax": ("probabilities", "score", "prob", "features"),
    "topk": ("probabilities", "score", "prob", "features"),
    "threshold": ("probability", "score"),
    "regression": ("predicted_score", "score"),
}
FIELDS: dict[str, tuple[str, ...]] = {
    "label": ("label",),
    "argmax": ("label", "probability", "labels", "probabilities"),
    "topk": ("label", "probability", "labels", "probabilities"),
    "threshold": ("label", "score"),
    "regression": ("score",),
}
NAMES: tuple[str, ...] = ("passthrough", *INPUT_KEYS)

Label = str | int | float


# ---------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class PostprocessingConfig:
    postprocessor: str = "passthrough"
    labels: tuple[Label, ...] | None = None
    top_k: int = 1
    threshold: float = 0.5
    decimals: int | None = None
    clip: tuple[float | None, float | None] = (None, None)
    id_column: bool = False
    input_field: str | None = None
    fields: tuple[str, ...] = ()


class _Source:
    """Raw settings with where each came from, so errors name the variable or the key."""

    def __init__(self, model_dir: Path, environ: Mapping[str, str]) -> None:
        self.values: dict[str, Any] = {}
        self.origin: dict[str, str] = {}
        path = model_dir / CONFIG_FILE
        if path.is_file():
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ModelLoadError(f"{path} is not valid JSON: {exc}") from None
            if not isinstance(document, dict):
                raise ModelLoadError(f"{path} must hold a JSON object")
            unknown = sorted(set(document) - set(ENV))
            if unknown:
                raise ModelLoadError(f"{path}: unknown key(s) {', '.join(unknown)}; "
                                     f"known: {', '.join(ENV)}")
            for key, value in document.items():
                self.values[key], self.origin[key] = value, f'"{key}" in {CONFIG_FILE}'
        for key, name in ENV.items():
            if environ.get(name, "").strip():
                self.values[key], self.origin[key] = environ[name].strip(), name

    def error(self, key: str, problem: str) -> ModelLoadError:
        return ModelLoadError(f"{self.origin[key]}={self.values[key]!r}: {problem}")

    def get(self, key: str, parse: Any, default: Any) -> Any:
        if key not in self.values:
            return default
        try:
            return parse(self.values[key])
        except (TypeError, ValueError) as exc:
            raise self.error(key, str(exc)) from None


def _as_int(minimum: int):
    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("must be a whole number")
        number = int(value)
        if number < minimum:
            raise ValueError(f"must be >= {minimum}")
        return number
    return parse


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    number = float(value)
    if math.isnan(number):
        raise ValueError("must be a number")
    return number


def _as_list(value: Any) -> list[Any]:
    """A JSON list, or a comma-separated string."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = json.loads(text)
        else:
            return [item.strip() for item in text.split(",")]
    if not isinstance(value, list):
        raise ValueError("must be a list or comma-separated")
    return value


def _as_labels(value: Any) -> tuple[Label, ...]:
    labels = _as_list(value)
    if not labels or any(isinstance(v, (bool, list, dict)) or v is None or v == "" for v in labels):
        raise ValueError("must be a non-empty list of strings or numbers")
    return tuple(labels)


def _as_clip(value: Any) -> tuple[float | None, float | None]:
    bounds = value if isinstance(value, list) else str(value).split(",")
    if len(bounds) != 2:
        raise ValueError('must be "lo,hi" (either may be empty)')
    lo, hi = (None if b is None or str(b).strip() == "" else _as_float(b) for b in bounds)
    if lo is not None and hi is not None and lo > hi:
        raise ValueError("lo must not exceed hi")
    return lo, hi


def read_labels_file(path: Path) -> tuple[Label, ...]:
    """One label per line, or a JSON list."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"cannot read labels file {path}: {exc}") from None
    try:
        if text.lstrip().startswith("["):
            return _as_labels(json.loads(text))
        lines = text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        return _as_labels([line.rstrip("\r") for line in lines] or [""])
    except ValueError as exc:
        raise ModelLoadError(f"labels file {path}: {exc}") from None


def _labels(source: _Source, model_dir: Path) -> tuple[Label, ...] | None:
    if "labels" in source.values:
        return source.get("labels", _as_labels, None)
    if "labels_file" in source.values:
        path = model_dir / str(source.values["labels_file"])
        if not path.is_file():
            raise source.error("labels_file", f"no such file {path}")
        return read_labels_file(path)
    for name in LABEL_FILES:
        if (model_dir / name).is_file():
            return read_labels_file(model_dir / name)
    return None


def load_config(model_dir: Path, environ: Mapping[str, str] | None = None) -> PostprocessingConfig:
    """Read and validate the configuration; ModelLoadError names the setting at fault."""
    source = _Source(model_dir, os.environ if environ is None else environ)
    name = str(source.values.get("postprocessor", "passthrough")).strip().lower()
    name = ALIASES.get(name, name)
    if name not in NAMES:
        raise source.error("postprocessor", f"choose one of {', '.join(NAMES)}")
    labels = _labels(source, model_dir)
    top_k = source.get("top_k", _as_int(1), 1)
    if name == "label" and labels is None:
        raise ModelLoadError("POSTPROCESSOR=label needs labels: set POSTPROCESSING_LABELS or "
                             "POSTPROCESSING_LABELS_FILE, or put labels.txt / labels.json in the model dir")
    if name == "threshold" and labels is not None and len(labels) != 2:
        raise ModelLoadError(f"POSTPROCESSOR=threshold needs exactly 2 labels (below, at or above the "
                             f"threshold), got {len(labels)}")
    if name == "argmax" and top_k != 1:
        raise source.error("top_k", "argmax picks one label; use POSTPROCESSOR=topk for k > 1")
    fields = tuple(source.get("fields", _as_list, ()))
    if fields:
        if name == "passthrough":
            raise source.error("fields", "passthrough writes its input unchanged; choose a processor")
        unknown = [f for f in fields if f not in FIELDS[name]]
        if unknown:
            raise source.error("fields", f"{', '.join(map(str, unknown))} not produced by {name}; "
                                         f"choose from {', '.join(FIELDS[name])}")
    elif name in ("argmax", "topk"):
        fields = ("label", "probability") if top_k == 1 else ("labels", "probabilities")
    elif name != "passthrough":
        fields = FIELDS[name][:1]
    input_field = source.get("input_field", lambda v: str(v).strip() or None, None)
    return PostprocessingConfig(
        postprocessor=name, labels=labels, top_k=top_k,
        threshold=source.get("threshold", _as_float, 0.5),
        decimals=source.get("round", _as_int(0), None),
        clip=source.get("clip", _as_clip, (None, None)),
        id_column=source.get("id_column", parse_flag, False),
        input_field=input_field, fields=fields)


# ---------------------------------------------------------------------------- processing


def parse_rows(body: bytes, media: MediaType | str, id_column: bool = False) -> list[Record]:
    """The records of a body; pass the request's MediaType so its charset is honoured."""
    return read_records(body, media if isinstance(media, MediaType) else MediaType(media), id_column=id_column)


def format_records(records: Sequence[Mapping[str, Any]], essence: str) -> tuple[bytes, str]:
    return write_rows(records, essence), essence


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)} values"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _number(value: Any, where: str, what: str) -> float:
    if not isinstance(value, bool) and isinstance(value, (int, float, str)):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if not math.isnan(number):
                return number
    raise BadRequest(f"{where}: {what} {_describe(value)} is not a number")


def _scalar(value: Any) -> Any:
    """A one-element list (``[0.7]``) is its element."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def round_half_up(value: float, decimals: int) -> float | int:
    """Round as the value reads in decimal (2.675 → 2.68), not as its binary double does."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return int(rounded) if decimals == 0 else float(rounded)


def _input(config: PostprocessingConfig, record: Record) -> Any:
    value = record.value
    if not isinstance(value, dict):
        return value
    keys = (config.input_field,) if config.input_field else INPUT_KEYS[config.postprocessor]
    for key in keys:
        if key in value:
            return value[key]
    wanted = ", ".join(f'"{key}"' for key in keys)
    raise BadRequest(f"{record.where}: the object has none of {wanted} "
                     "(set POSTPROCESSING_INPUT_FIELD to the key that holds the prediction)")


def _label_of(config: PostprocessingConfig, index: int) -> Label:
    return config.labels[index] if config.labels is not None else index


def _index_to_label(config: PostprocessingConfig, value: Any, where: str) -> dict[str, Any]:
    assert config.labels is not None
    value = _scalar(value)
    last = len(config.labels) - 1
    number = None
    if not isinstance(value, bool) and isinstance(value, (int, float, str)):
        try:
            number = float(value)
        except ValueError:
            pass
    if number is None or not number.is_integer() or not 0 <= number <= last:
        hint = " (use POSTPROCESSOR=argmax for probability vectors)" if isinstance(value, list) else ""
        shown = value if isinstance(value, (int, float)) and not isinstance(value, bool) else _describe(value)
        raise BadRequest(f"{where}: {shown} is not a class index (0..{last}){hint}")
    return {"label": config.labels[int(number)]}


def _probabilities(config: PostprocessingConfig, value: Any, where: str) -> list[float]:
    if not isinstance(value, list):
        p = _number(value, where, "probability")
        return [1.0 - p, p]
    if not value:
        raise BadRequest(f"{where}: the probability vector is empty")
    probabilities = [_number(v, where, "probability") for v in value]
    if config.labels is not None and len(config.labels) != len(probabilities):
        raise BadRequest(f"{where}: {len(probabilities)} probabilities but {len(config.labels)} labels")
    return probabilities


def _top_k(config: PostprocessingConfig, value: Any, where: str) -> dict[str, Any]:
    probabilities = _probabilities(config, value, where)
    # Highest first; ties keep class order (numpy.argmax picks the first maximum too).
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])[:config.top_k]
    labels = [_label_of(config, i) for i in order]
    chosen = [probabilities[i] for i in order]
    return {"label": labels[0], "probability": chosen[0], "labels": labels, "probabilities": chosen}


def _threshold(config: PostprocessingConfig, value: Any, where: str) -> dict[str, Any]:
    value = _scalar(value)
    if isinstance(value, list):
        if len(value) != 2:
            raise BadRequest(f"{where}: expected one probability or [p0, p1], got {_describe(value)}")
        value = value[1]
    score = _number(value, where, "probability")
    return {"label": _label_of(config, 1 if score >= config.threshold else 0), "score": score}


def _regression(config: PostprocessingConfig, value: Any, where: str) -> dict[str, Any]:
    value = _scalar(value)
    if isinstance(value, list):
        raise BadRequest(f"{where}: expected one number, got {_describe(value)}")
    score: float | int = _number(value, where, "value")
    lo, hi = config.clip
    if lo is not None:
        score = max(score, lo)
    if hi is not None:
        score = min(score, hi)
    if math.isinf(score):
        raise BadRequest(f"{where}: the value is infinite (set POSTPROCESSING_CLIP)")
    if config.decimals is not None:
        score = round_half_up(float(score), config.decimals)
    return {"score": score}


def _passthrough(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return {"label" if isinstance(_scalar(value), str) else "score": value}


PROCESSORS = {"label": _index_to_label, "argmax": _top_k, "topk": _top_k, "threshold": _threshold,
              "regression": _regression}


def apply(config: PostprocessingConfig, records: Any) -> list[dict[str, Any]]:
    """Records → output objects (``id`` first when configured), one per record.

    Anything a user ``input_fn`` returned is accepted: a list of values is one record each.
    """
    if not isinstance(records, list):
        records = [records]
    out = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, Record):
            record = Record(f"row {number}", record)
        head = {"id": record.id} if record.id is not None else {}
        if config.postprocessor == "passthrough":
            out.append({**head, **_passthrough(record.value)})
            continue
        produced = PROCESSORS[config.postprocessor](config, _input(config, record), record.where)
        out.append({**head, **{name: produced[name] for name in config.fields}})
    return out
