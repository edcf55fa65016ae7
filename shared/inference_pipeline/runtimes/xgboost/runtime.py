"""XGBoost image: serves what SageMaker's XGBoost training writes, with its container's I/O.

Model loading: ``xgboost_model`` (pickle / legacy binary / JSON / UBJSON by content; several
files form an ensemble unless ``SAGEMAKER_INFERENCE_ENSEMBLE=false``). Request parsing:
``io`` (``text/csv``, ``text/libsvm`` — also when Content-Type is missing —,
``application/x-recordio-protobuf``; ``application/json`` gets AWS's 415). Response bodies:
``xgboost_outputs`` (per objective, selectable outputs, batch mode).

Deliberate differences from AWS's container: a body that does not parse is a 400 naming the
row and column (AWS: 415 with a parser trace), and a dense request must have exactly the
model's feature count (AWS lets XGBoost treat absent trailing columns as missing).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from inference_pipeline.runtimes.versions import check_line, check_versions
from inference_pipeline.runtimes.xgboost.io import (
    check_csv_params,
    parse_csv,
    parse_libsvm,
    parse_recordio,
    unsupported,
)
from inference_pipeline.runtimes.xgboost.model import load_models
from inference_pipeline.runtimes.xgboost.outputs import (
    VALID_KEYS,
    batch_body,
    csv_body,
    encode_selected,
    json_body,
    parse_selected_keys,
    select,
)
from inference_pipeline.serving.codecs import body_text
from inference_pipeline.serving.errors import BadRequest, ModelLoadError, NoContent, UnsupportedAccept
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, LIBSVM, RECORDIO_PROTOBUF
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime

# Bare names are accepted as AWS's parser does; JSON types are listed so that they get its 415.
CONTENT_TYPES = (CSV, LIBSVM, RECORDIO_PROTOBUF, "csv", "libsvm", JSON, JSONLINES)
VOTING_OBJECTIVES = ("multi:softmax", "binary:hinge")


class XGBoostRuntime(Runtime):
    name: ClassVar[str] = "xgboost"
    content_types: ClassVar[tuple[str, ...] | None] = CONTENT_TYPES
    accepts: ClassVar[tuple[str, ...]] = (CSV, JSON, JSONLINES, RECORDIO_PROTOBUF)
    default_accept: ClassVar[str] = CSV
    default_content_type: ClassVar[str | None] = LIBSVM
    row_independent: ClassVar[bool] = True  # trees: one row's margin is a sum over that row's leaves
    preload_modules: ClassVar[tuple[str, ...]] = ("xgboost", "scipy.sparse")
    # Under rloop, 1-row requests had a tail of stalls outside the app (wrk against this image,
    # 2 workers: c=8 p99 9-28 ms against 4 ms under asyncio, c=32 25-27 against 10-11; the app's
    # own latency p99 was 0.8 ms), for 0-8% more requests per second (sparkml's runtime has the
    # same tail; the sklearn image's ridge does not, and keeps rloop).
    event_loop: ClassVar[str] = "asyncio"

    def load(self, model_dir: Path) -> None:
        check_line(model_dir, "xgboost")
        check_versions(model_dir)
        self.boosters, info = load_models(model_dir)
        self.objective, self.num_class, self.num_features = info.objective, info.num_class, info.num_features
        # Workers already use every CPU (one per core, as AWS); threads per predict only oversubscribe.
        workers = getattr(self.settings, "workers", None) or os.cpu_count() or 1
        nthread = max(1, (os.cpu_count() or 1) // workers)
        for booster in self.boosters:
            booster.set_param({"nthread": nthread})
        self.selected = parse_selected_keys(os.environ.get("SAGEMAKER_INFERENCE_OUTPUT"))
        if self.selected and self.objective not in VALID_KEYS:
            raise ModelLoadError(f"SAGEMAKER_INFERENCE_OUTPUT is set but objective {self.objective} has no "
                                 f"selectable outputs; supported objectives: {', '.join(VALID_KEYS)}")

    def execution_parameters(self) -> dict[str, Any]:
        return {"MaxConcurrentTransforms": os.cpu_count() or 1, "BatchStrategy": "MULTI_RECORD",
                "MaxPayloadInMB": 6}

    @property
    def batch(self) -> bool:
        return bool(getattr(self.settings, "batch", False))

    # ------------------------------------------------------------------ decode / predict

    def decode(self, request: InferenceRequest) -> Any:
        media = request.content_type
        assert media is not None
        if media.essence in (JSON, JSONLINES):
            raise unsupported(media.essence)
        if not request.body.strip():
            raise NoContent()
        if media.essence in (RECORDIO_PROTOBUF,):
            return parse_recordio(request.body)
        text = body_text(request.body, media)
        if media.essence in (CSV, "csv"):
            check_csv_params(media)
            return parse_csv(text)
        return parse_libsvm(text)

    def predict(self, data: Any, request: InferenceRequest) -> np.ndarray:
        data = self._fit_width(data)
        try:
            outputs = [booster.inplace_predict(data, validate_features=False) for booster in self.boosters]
        except Exception as exc:  # noqa: BLE001 - XGBoostError and ValueError alike: the input's fault
            raise BadRequest(f"Unable to evaluate payload provided: {exc}") from None
        if len(outputs) == 1:
            return outputs[0]
        stacked = np.stack(outputs)
        if self.objective in VOTING_OBJECTIVES:  # class ids: the most common one (ties: the lowest)
            votes = stacked.astype(np.int64)
            return np.array([np.bincount(column).argmax() for column in votes.T], dtype=stacked.dtype)
        return stacked.mean(axis=0)

    def _fit_width(self, data: Any) -> Any:
        columns = data.shape[1]
        sparse = hasattr(data, "tocsr")
        if columns == self.num_features or (sparse and columns < self.num_features):
            if sparse and columns < self.num_features:
                data = data.copy()
                data.resize((data.shape[0], self.num_features))  # absent trailing features: missing
            return data
        kind = "the largest feature index" if sparse else "the request"
        raise BadRequest(f"Feature size mismatch: the model has {self.num_features} features, "
                         f"{kind} has {columns}")

    # ------------------------------------------------------------------ encode

    def encode(self, prediction: np.ndarray, request: InferenceRequest) -> InferenceResponse:
        accept = request.accept.essence if request.accept else CSV
        rows = prediction.tolist()
        if self.selected:
            selected = select(rows, self.selected, self.objective, self.num_class)
            return InferenceResponse(encode_selected(selected, self.selected, accept, batch=self.batch), accept)
        if self.batch:
            return InferenceResponse(batch_body(rows), CSV)
        if accept == CSV:
            return InferenceResponse(csv_body(rows), CSV)
        if accept == JSON:
            return InferenceResponse(json_body(rows), JSON)
        # AWS answers JSON Lines and RecordIO only with selectable outputs configured.
        raise UnsupportedAccept(request.accept_header or accept, (CSV, JSON))
