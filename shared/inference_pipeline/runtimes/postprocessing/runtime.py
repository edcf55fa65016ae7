"""Post-processing image runtime: built-in post-processors, or a user script with the same
hooks as the sklearn image (``SAGEMAKER_PROGRAM``), whose missing hooks fall back to them.

Requests: ``text/csv``, ``application/json``, ``application/jsonlines`` (what algorithm
containers emit; see ``io``). Responses per Accept: ``text/csv`` (default,
overridable by ``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``), ``application/json``,
``application/jsonlines``. An empty body answers 204, as the SparkML and XGBoost containers do.
Configuration: ``postprocessors`` (``POSTPROCESSOR``/``POSTPROCESSING_*`` or ``postprocessing.json``).

The default hooks, for scripts that define only some of them:
``input_fn`` → a list of ``io.Record``; ``predict_fn`` → the configured
post-processor's output objects (dicts, ``id`` first when configured); ``output_fn`` → those
objects in the Accept type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from inference_pipeline.runtimes.postprocessing.io import READABLE, WRITABLE
from inference_pipeline.runtimes.postprocessing.postprocessors import (
    PostprocessingConfig,
    apply,
    format_records,
    load_config,
    parse_rows,
)
from inference_pipeline.runtimes.user_script.hooks import check_default_types, normalize_result
from inference_pipeline.runtimes.user_script.runtime import ScriptRuntime
from inference_pipeline.serving.errors import NoContent, UnsupportedAccept
from inference_pipeline.serving.media import CSV, MediaType
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse


class PostprocessingRuntime(ScriptRuntime):
    name: ClassVar[str] = "postprocessing"
    default_accept: ClassVar[str] = CSV

    config: PostprocessingConfig

    def default_model_fn(self, model_dir: Path) -> Any:
        return load_config(model_dir)

    def load(self, model_dir: Path) -> None:
        super().load(model_dir)
        # A script with its own model_fn still gets the built-in config for the default hooks.
        self.config = self.model if not self.handlers.has("model_fn") else load_config(model_dir)

    def default_input_fn(self, request: InferenceRequest) -> Any:
        check_default_types(request, READABLE)
        if not request.body.strip():
            raise NoContent()
        return parse_rows(request.body, request.content_type or MediaType(CSV), self.config.id_column)

    def default_predict_fn(self, data: Any, model: Any) -> Any:
        return apply(self.config, data)

    def default_output_fn(self, prediction: Any, accept: str) -> InferenceResponse:
        essence = MediaType.parse(accept).essence
        if isinstance(prediction, list) and all(isinstance(r, dict) for r in prediction):
            if essence not in WRITABLE:
                raise UnsupportedAccept(accept, WRITABLE)
            body, content_type = format_records(prediction, essence)
            return InferenceResponse(body, content_type)
        return normalize_result(prediction, accept)

    def execution_parameters(self) -> dict[str, Any]:
        return {"BatchStrategy": "MULTI_RECORD"}
