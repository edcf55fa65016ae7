"""XGBoost image: serves what SageMaker's XGBoost training writes, with its container's I/O.

Model: ``xgboost-model`` (or the first regular file; several files form an ensemble when
``SAGEMAKER_INFERENCE_ENSEMBLE`` allows) as a pickled Booster, JSON or UBJSON — detected from
the bytes. Requests: ``text/csv``, ``text/libsvm`` (also the default when Content-Type is
missing), ``application/x-recordio-protobuf``; ``application/json`` gets AWS's 415. Responses
as SageMaker's container: CSV one value per line (vectors comma-joined), JSON
``{"predictions": [{"score": ...}]}``, selectable outputs via ``SAGEMAKER_INFERENCE_OUTPUT``,
and batch mode (``SAGEMAKER_BATCH``) always writes one ``str(prediction)`` per line.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from inference_pipeline.runtimes.base import InferenceRequest, InferenceResponse, Runtime
from inference_pipeline.runtimes.versions import VERSIONS_FILE, check_versions
from inference_pipeline.runtimes.xgboost_io import parse_csv, parse_libsvm, parse_recordio
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, ModelLoadError, NoContent, UnsupportedAccept
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, LIBSVM, RECORDIO_PROTOBUF

SELECTABLE = ("predicted_label", "labels", "probability", "probabilities", "raw_score", "raw_scores",
              "predicted_score")
IGNORED_FILES = {VERSIONS_FILE}


def _number(value: float) -> float:
    """A prediction as Python sees ``preds.tolist()`` of XGBoost's float32 output."""
    return float(np.float32(value))


def load_booster(path: Path) -> Any:
    import xgboost as xgb

    data = path.read_bytes()
    if data[:1] == b"\x80":  # pickle protocol 2+ (SageMaker XGBoost before 1.3-1 pickles the Booster)
        try:
            booster = pickle.loads(data)  # the model artifact is trusted; request bodies never are
        except Exception as exc:  # noqa: BLE001 - any unpickling failure is a load failure
            raise ModelLoadError(f"{path.name}: cannot unpickle: {type(exc).__name__}: {exc}") from None
        if not isinstance(booster, xgb.Booster):
            booster = getattr(booster, "get_booster", lambda: None)()
        if booster is None:
            raise ModelLoadError(f"{path.name}: the pickle does not hold an XGBoost Booster")
        return booster
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(data))  # JSON, UBJSON (and legacy binary where xgboost still reads it)
    except xgb.core.XGBoostError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unknown format"
        raise ModelLoadError(f"{path.name}: not an XGBoost model this xgboost {xgb.__version__} can read "
                             f"(pickle, JSON or UBJSON): {first}") from None
    return booster


class XGBoostRuntime(Runtime):
    name: ClassVar[str] = "xgboost"
    content_types: ClassVar[tuple[str, ...] | None] = (CSV, LIBSVM, RECORDIO_PROTOBUF, JSON, JSONLINES)
    accepts: ClassVar[tuple[str, ...] | None] = (CSV, JSON, JSONLINES, RECORDIO_PROTOBUF)
    default_accept: ClassVar[str] = CSV
    default_content_type: ClassVar[str | None] = LIBSVM

    def load(self, model_dir: Path) -> None:
        check_versions(model_dir)
        files = sorted(p for p in model_dir.iterdir() if p.is_file() and not p.name.startswith(".")
                       and p.name not in IGNORED_FILES)
        if not files:
            raise ModelLoadError(f"no model file in {model_dir} (SageMaker's XGBoost training writes xgboost-model)")
        preferred = [p for p in files if p.name == "xgboost-model"]
        ensemble = os.environ.get("SAGEMAKER_INFERENCE_ENSEMBLE", "true").lower() == "true"
        chosen = preferred or (files if ensemble else files[:1])
        self.boosters = [load_booster(path) for path in chosen]
        for booster in self.boosters:
            booster.set_param({"nthread": 1})
        config = json.loads(self.boosters[0].save_config())
        self.objective = config["learner"]["objective"]["name"]
        self.num_features = self.boosters[0].num_features()
        self.num_class = int(config["learner"]["learner_model_param"].get("num_class", "0") or 0)
        outputs = os.environ.get("SAGEMAKER_INFERENCE_OUTPUT", "").strip()
        self.selected = [key.strip() for key in outputs.split(",") if key.strip()] if outputs else []
        unknown = [key for key in self.selected if key not in SELECTABLE]
        if unknown:
            raise ModelLoadError(f"SAGEMAKER_INFERENCE_OUTPUT has unknown key(s) {', '.join(unknown)}; "
                                 f"choose from {', '.join(SELECTABLE)}")

    def execution_parameters(self) -> dict[str, Any]:
        return {"MaxConcurrentTransforms": os.cpu_count() or 1, "BatchStrategy": "MULTI_RECORD",
                "MaxPayloadInMB": 6}

    # ------------------------------------------------------------------ decode / predict

    def decode(self, request: InferenceRequest) -> Any:
        media = request.content_type
        assert media is not None
        if media.essence in (JSON, JSONLINES):
            raise BadRequest(f"Content-type {media.essence} is not supported.", status=415, code="UnsupportedMediaType")
        if not request.body.strip():
            raise NoContent()
        if media.essence == RECORDIO_PROTOBUF:
            return parse_recordio(request.body)
        try:
            text = request.body.decode(media.charset)
        except (UnicodeDecodeError, LookupError) as exc:
            raise BadRequest(f"the body is not valid {media.charset} text: {exc}") from None
        return parse_csv(text, media) if media.essence == CSV else parse_libsvm(text)

    def predict(self, data: Any, request: InferenceRequest) -> dict[str, np.ndarray]:
        columns = data.shape[1]
        if columns != self.num_features and not (hasattr(data, "tocsr") and columns < self.num_features):
            raise BadRequest(f"Feature size mismatch: the model expects {self.num_features} features, "
                             f"the request has {columns}")
        if hasattr(data, "tocsr") and columns < self.num_features:
            from scipy.sparse import csr_matrix

            data = csr_matrix((data.data, data.indices, data.indptr), shape=(data.shape[0], self.num_features))
        try:
            preds = [b.inplace_predict(data, validate_features=False) for b in self.boosters]
            margins = [b.inplace_predict(data, predict_type="margin", validate_features=False)
                       for b in self.boosters] if self.selected else []
        except Exception as exc:  # noqa: BLE001 - xgboost raises its own error types
            raise BadRequest(f"Unable to evaluate payload provided: {exc}") from None
        return {"pred": self._combine(preds), "margin": self._combine(margins) if margins else np.zeros(0)}

    def _combine(self, outputs: list[np.ndarray]) -> np.ndarray:
        if len(outputs) == 1:
            return outputs[0]
        stacked = np.stack(outputs)
        if self.objective in ("multi:softmax", "binary:hinge"):  # ensembles vote
            values = stacked.astype(np.int64)
            return np.array([np.bincount(col).argmax() for col in values.T], dtype=np.float32)
        return stacked.mean(axis=0)

    # ------------------------------------------------------------------ encode

    def encode(self, prediction: dict[str, np.ndarray], request: InferenceRequest) -> InferenceResponse:
        preds = prediction["pred"]
        if self.settings is not None and self.settings.batch and not self.selected:
            lines = "".join(f"{_repr(row)}\n" for row in preds.tolist())
            return InferenceResponse(lines.encode(), request.accept.essence if request.accept else CSV)
        accept = request.accept.essence if request.accept else CSV
        if self.selected:
            return self._selectable(preds, prediction["margin"], accept)
        rows = preds.tolist()
        if accept == CSV:
            body = "".join((",".join(repr(_number(v)) for v in row) if isinstance(row, list) else repr(_number(row)))
                           + "\n" for row in rows)
            return InferenceResponse(body.encode(), CSV)
        if accept == JSON:
            scores = [{"score": [_number(v) for v in row] if isinstance(row, list) else _number(row)} for row in rows]
            return InferenceResponse(json.dumps({"predictions": scores}).encode(), JSON)
        raise UnsupportedAccept(accept, (CSV, JSON))

    def _selectable(self, preds: np.ndarray, margins: np.ndarray, accept: str) -> InferenceResponse:
        rows = [self._outputs(p, m) for p, m in zip(preds.tolist(), margins.tolist())]
        if accept == JSON:
            return InferenceResponse(json.dumps({"predictions": rows}).encode(), JSON)
        if accept == JSONLINES:
            return InferenceResponse("".join(json.dumps(r) + "\n" for r in rows).encode(), JSONLINES)
        if accept == RECORDIO_PROTOBUF:
            numeric = [{k: v for k, v in r.items() if k != "labels"} for r in rows]
            return InferenceResponse(recordio.encode_label_records(numeric), RECORDIO_PROTOBUF)
        body = "\n".join(",".join(f'"{v}"' if isinstance(v, list) else str(v) for v in r.values()) for r in rows)
        if self.settings is not None and self.settings.batch:
            body += "\n"
        return InferenceResponse(body.encode(), CSV)

    def _outputs(self, pred: Any, margin: Any) -> dict[str, Any]:
        """The selectable inference outputs for one row, per objective (NaN where not valid)."""
        objective = self.objective
        nan = float("nan")
        values: dict[str, Any] = {}
        if objective.startswith("binary:logistic"):
            p = _number(pred)
            values = {"predicted_label": int(p > 0.5), "labels": [0, 1], "probability": p,
                      "probabilities": [_number(1 - p), p], "raw_score": _number(margin),
                      "raw_scores": [_number(-margin), _number(margin)]}
        elif objective == "multi:softprob":
            probs = [_number(v) for v in pred]
            values = {"predicted_label": int(np.argmax(probs)), "labels": list(range(len(probs))),
                      "probability": max(probs), "probabilities": probs,
                      "raw_score": _number(max(margin)), "raw_scores": [_number(v) for v in margin]}
        elif objective == "multi:softmax":
            values = {"predicted_label": int(pred), "labels": list(range(self.num_class))}
        elif objective.startswith(("reg:", "count:", "survival:", "rank:")):
            values = {"predicted_score": _number(pred)}
        return {key: values.get(key, nan) for key in self.selected}


def _repr(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(repr(_number(v)) for v in value) + "]"
    return repr(_number(value))
