"""Linear Learner stand-in: a linear model with SageMaker Linear Learner's request/response formats.

AWS's Linear Learner image cannot run outside AWS; this one serves ``linear-learner.json``
(see ``model`` for the format and why ``model_algo-1`` is not read).

Requests: ``text/csv`` (no label column), ``application/json`` (``{"instances": [{"features":
[...]}]}``, ``{"instances": [{"data": {"features": {"values": [...]}}}]}``, sparse ``keys`` +
``shape``), ``application/jsonlines`` (one such instance per line),
``application/x-recordio-protobuf``. Responses (default Accept ``application/json``):
``{"predictions": [{"score": s}]}`` for regressors, plus ``predicted_label`` for classifiers
(``score`` is the class-probability list for multiclass); JSON Lines one prediction per line;
CSV ``score[,predicted_label]`` per line; RecordIO one Record per row with the same keys in its
``label`` map (float32).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from inference_pipeline.runtimes.linear_learner.model import (  # noqa: F401 - re-exported for callers
    ARTIFACT,
    LinearModel,
    load_linear_model,
    save_linear_learner_model,
)
from inference_pipeline.serving.codecs import recordio, safe_json
from inference_pipeline.serving.errors import BadRequest
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, RECORDIO_PROTOBUF
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime


class LinearLearnerRuntime(Runtime):
    name: ClassVar[str] = "linear-learner"
    content_types: ClassVar[tuple[str, ...] | None] = (CSV, JSON, JSONLINES, RECORDIO_PROTOBUF)
    accepts: ClassVar[tuple[str, ...]] = (JSON, JSONLINES, CSV, RECORDIO_PROTOBUF)
    default_accept: ClassVar[str] = JSON

    def load(self, model_dir: Path) -> None:
        self.model: LinearModel = load_linear_model(model_dir)

    def decode(self, request: InferenceRequest) -> np.ndarray:
        data = super().decode(request)
        if data.dtype == object:
            raise BadRequest("features must be numbers")
        if data.shape[1] != self.model.feature_dim:
            raise BadRequest(f"the model has feature_dim {self.model.feature_dim}, "
                             f"the request has {data.shape[1]} features")
        return data

    def predict(self, data: np.ndarray, request: InferenceRequest) -> list[dict[str, Any]]:
        model = self.model
        raw = model.raw(data)
        if model.predictor_type == "regressor":
            return [{"score": float(v)} for v in raw[:, 0] * model.label_std + model.label_mean]
        if model.predictor_type == "binary_classifier":
            scores = 1.0 / (1.0 + np.exp(-raw[:, 0]))
            return [{"score": float(s), "predicted_label": int(s > model.threshold)} for s in scores]
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
        return [{"score": row.tolist(), "predicted_label": int(np.argmax(row))} for row in probabilities]

    def encode(self, prediction: list[dict[str, Any]], request: InferenceRequest) -> InferenceResponse:
        accept = request.accept.essence if request.accept else JSON
        if accept == JSON:
            # NaN scores (NaN, blank or 1e400 inputs) → null: strict JSON (serving.codecs.safe_json).
            return InferenceResponse(safe_json.dumps_bytes({"predictions": prediction}, python_style=True), JSON)
        if accept == JSONLINES:
            records = (safe_json.dumps_bytes(p, python_style=True) + b"\n" for p in prediction)
            return InferenceResponse(b"".join(records), JSONLINES)
        if accept == RECORDIO_PROTOBUF:
            return InferenceResponse(recordio.encode_label_records(prediction), RECORDIO_PROTOBUF)
        lines = []
        for p in prediction:
            score = p["score"]
            cells = [repr(v) for v in score] if isinstance(score, list) else [repr(score)]
            if "predicted_label" in p:
                cells.append(str(p["predicted_label"]))
            lines.append(",".join(cells))
        return InferenceResponse(("\n".join(lines) + "\n").encode(), CSV)
