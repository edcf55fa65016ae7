"""Linear Learner stand-in: a linear model with SageMaker Linear Learner's request/response formats.

AWS's Linear Learner image cannot run outside AWS; this one loads a documented artifact of
ours, ``linear-learner.json``::

    {"format": "inference-pipeline/linear-learner", "version": 1,
     "predictor_type": "regressor" | "binary_classifier" | "multiclass_classifier",
     "feature_dim": 10,
     "weights": [[...], ...],          # outputs × feature_dim (one row for regressor/binary)
     "bias": [...],                    # one per output
     "feature_mean": [...], "feature_std": [...],   # optional input standardisation
     "label_mean": 0.0, "label_std": 1.0,          # optional regressor label scaling
     "binary_threshold": 0.5}

``save_linear_learner_model`` writes it from a fitted scikit-learn estimator. Real Linear
Learner artifacts (an MXNet symbol + params zip in ``model_algo-1``) are not read: their
layout is not documented publicly and needs MXNet to load.

Requests: ``text/csv``, ``application/json`` (``{"instances": [{"features": [...]}]}`` or
``{"instances": [{"data": {"features": {"values": [...]}}}]}``), ``application/jsonlines``,
``application/x-recordio-protobuf``. Responses: JSON ``{"predictions": [{"score": s}]}``
(+ ``predicted_label`` for classifiers), JSON Lines, CSV, RecordIO (label map).
"""

from __future__ import annotations

import json

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from inference_pipeline.runtimes.base import InferenceRequest, InferenceResponse, Runtime
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, ModelLoadError
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, RECORDIO_PROTOBUF

ARTIFACT = "linear-learner.json"
FORMAT = "inference-pipeline/linear-learner"
PREDICTOR_TYPES = ("regressor", "binary_classifier", "multiclass_classifier")


def save_linear_learner_model(model_dir: Path, estimator: Any, *, predictor_type: str | None = None,
                              feature_mean: Any = None, feature_std: Any = None,
                              label_mean: float | None = None, label_std: float | None = None) -> Path:
    """Write ``linear-learner.json`` from a fitted scikit-learn linear model."""
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    bias = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
    if predictor_type is None:
        classes = getattr(estimator, "classes_", None)
        predictor_type = "regressor" if classes is None else (
            "binary_classifier" if len(classes) == 2 else "multiclass_classifier")
    document: dict[str, Any] = {"format": FORMAT, "version": 1, "predictor_type": predictor_type,
                                "feature_dim": int(coef.shape[1]), "weights": coef.tolist(), "bias": bias.tolist()}
    if feature_mean is not None:
        document["feature_mean"] = np.asarray(feature_mean, dtype=np.float64).tolist()
        document["feature_std"] = np.asarray(feature_std, dtype=np.float64).tolist()
    if label_mean is not None:
        document["label_mean"], document["label_std"] = float(label_mean), float(label_std or 1.0)
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / ARTIFACT
    path.write_text(json.dumps(document, indent=1))
    return path


class LinearLearnerRuntime(Runtime):
    name: ClassVar[str] = "linear-learner"
    content_types: ClassVar[tuple[str, ...] | None] = (CSV, JSON, JSONLINES, RECORDIO_PROTOBUF)
    accepts: ClassVar[tuple[str, ...] | None] = (JSON, JSONLINES, CSV, RECORDIO_PROTOBUF)
    default_accept: ClassVar[str] = JSON

    def load(self, model_dir: Path) -> None:
        path = model_dir / ARTIFACT
        if not path.is_file():
            raise ModelLoadError(f"{path} is missing: this stand-in serves {ARTIFACT} (see "
                                 "save_linear_learner_model); MXNet model_algo-1 artifacts are not supported")
        try:
            doc = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"{path}: {exc}") from None
        if doc.get("format") != FORMAT:
            raise ModelLoadError(f"{path}: format must be {FORMAT!r}")
        self.predictor_type = doc.get("predictor_type")
        if self.predictor_type not in PREDICTOR_TYPES:
            raise ModelLoadError(f"{path}: predictor_type must be one of {', '.join(PREDICTOR_TYPES)}")
        self.weights = np.atleast_2d(np.asarray(doc["weights"], dtype=np.float64))
        self.bias = np.asarray(doc["bias"], dtype=np.float64)
        self.feature_dim = int(doc.get("feature_dim", self.weights.shape[1]))
        if self.weights.shape[1] != self.feature_dim or len(self.bias) != self.weights.shape[0]:
            raise ModelLoadError(f"{path}: weights/bias shapes do not match feature_dim {self.feature_dim}")
        self.mean = np.asarray(doc["feature_mean"], dtype=np.float64) if "feature_mean" in doc else None
        std = np.asarray(doc["feature_std"], dtype=np.float64) if "feature_std" in doc else None
        self.std = None if std is None else np.where(std == 0, 1.0, std)
        self.label_mean = float(doc.get("label_mean", 0.0))
        self.label_std = float(doc.get("label_std", 1.0))
        self.threshold = float(doc.get("binary_threshold", 0.5))

    def decode(self, request: InferenceRequest) -> np.ndarray:
        data = super().decode(request)
        if data.dtype == object:
            raise BadRequest("features must be numbers")
        if data.shape[1] != self.feature_dim:
            raise BadRequest(f"the model has feature_dim {self.feature_dim}, the request has {data.shape[1]} features")
        return data

    def predict(self, data: np.ndarray, request: InferenceRequest) -> list[dict[str, Any]]:
        x = data.astype(np.float64)
        if self.mean is not None and self.std is not None:
            x = (x - self.mean) / self.std
        raw = x @ self.weights.T + self.bias
        if self.predictor_type == "regressor":
            return [{"score": float(v)} for v in raw[:, 0] * self.label_std + self.label_mean]
        if self.predictor_type == "binary_classifier":
            scores = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return [{"score": float(s), "predicted_label": int(s > self.threshold)} for s in scores]
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        return [{"score": [float(p) for p in row], "predicted_label": int(np.argmax(row))} for row in probabilities]

    def encode(self, prediction: list[dict[str, Any]], request: InferenceRequest) -> InferenceResponse:
        accept = request.accept.essence if request.accept else JSON
        if accept == JSON:
            return InferenceResponse(json.dumps({"predictions": prediction}).encode(), JSON)
        if accept == JSONLINES:
            return InferenceResponse("".join(json.dumps(p) + "\n" for p in prediction).encode(), JSONLINES)
        if accept == RECORDIO_PROTOBUF:
            rows = [{k: float(v) if not isinstance(v, list) else v for k, v in p.items()} for p in prediction]
            return InferenceResponse(recordio.encode_label_records(rows), RECORDIO_PROTOBUF)
        lines = []
        for p in prediction:
            score = p["score"]
            cells = [repr(v) for v in score] if isinstance(score, list) else [repr(score)]
            if "predicted_label" in p:
                cells.append(str(p["predicted_label"]))
            lines.append(",".join(cells))
        return InferenceResponse(("\n".join(lines) + "\n").encode(), CSV)


