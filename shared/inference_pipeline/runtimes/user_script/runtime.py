"""A runtime driven by a user script's hooks, with codec-based defaults for missing hooks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from inference_pipeline.runtimes.user_script.hooks import (
    RequestContext,
    ScriptHandlers,
    body_for_script,
    check_default_types,
    install_requirements,
    load_user_module,
    normalize_result,
    script_accept,
    script_content_type,
)
from inference_pipeline.serving.errors import ModelLoadError
from inference_pipeline.serving.media import JSON, MediaType
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime


class ScriptRuntime(Runtime):
    """Serves ``SAGEMAKER_PROGRAM`` hooks; subclasses supply the defaults for missing hooks."""

    name: ClassVar[str] = "script"
    # The script may accept anything; defaults check types themselves.
    content_types: ClassVar[tuple[str, ...] | None] = None
    default_accept: ClassVar[str] = "application/json"

    handlers: ScriptHandlers
    model: Any

    @classmethod
    def prepare_process(cls, settings: Any) -> None:
        if settings.program:
            install_requirements(settings.code_dir)

    def load(self, model_dir: Path) -> None:
        module = load_user_module(self.settings.code_dir, self.settings.program)
        self.handlers = ScriptHandlers(module)
        context = RequestContext(model_dir=str(model_dir))
        if self.handlers.has("model_fn"):
            try:
                self.model = self.handlers.call("model_fn", (str(model_dir),), context)
            except Exception as exc:
                raise ModelLoadError(str(exc)) from exc
        else:
            self.model = self.default_model_fn(model_dir)

    def batchable(self) -> bool:
        # A script opts in with a module-level ROW_INDEPENDENT = True (its predict_fn maps each
        # input row to output rows alone); transform_fn leaves no predict seam to share.
        module = self.handlers.module
        if module is None:
            return self.row_independent
        return getattr(module, "ROW_INDEPENDENT", False) is True and not self.handlers.has("transform_fn")

    def batch_predict(self, data: Any, context: Any) -> Any:
        if self.handlers.has("predict_fn"):
            return self.handlers.call("predict_fn", (data, self.model), context)
        return self.default_predict_fn(data, self.model)

    # Defaults, overridable per image.
    def default_model_fn(self, model_dir: Path) -> Any:
        raise ModelLoadError("no model_fn in the script and no default model for this image")

    def default_input_fn(self, request: InferenceRequest) -> Any:
        from inference_pipeline.serving import codecs

        check_default_types(request, codecs.DECODABLE)
        if request.content_type is None:
            # As AWS's framework containers (and script_content_type): a missing Content-Type is JSON.
            request = replace(request, content_type=MediaType(JSON))
        return self.decode(request)

    def default_predict_fn(self, data: Any, model: Any) -> Any:
        return model.predict(data)

    def default_output_fn(self, prediction: Any, accept: str) -> InferenceResponse:
        return normalize_result(prediction, accept)

    def negotiate(self, content_type: MediaType | None, accept_header: str,
                  default_accept: str | None) -> tuple[MediaType | None, MediaType | None]:
        # Scripts see every Content-Type and Accept and refuse what they do not handle.
        return content_type, MediaType.parse(script_accept(accept_header, default_accept or self.default_accept))

    def invoke(self, request: InferenceRequest) -> InferenceResponse:
        h = self.handlers
        context = RequestContext(model_dir=str(self.settings.model_dir), request_headers=dict(request.headers),
                                 request_id=request.request_id)
        assert request.accept is not None
        accept = script_content_type(request.accept)
        content_type = script_content_type(request.content_type)
        if h.has("transform_fn"):
            body = body_for_script(request.body, request.content_type)
            result = h.call("transform_fn", (self.model, body, content_type, accept), context)
            return normalize_result(result, accept)
        def decode() -> Any:
            if h.has("input_fn"):
                return h.call("input_fn", (body_for_script(request.body, request.content_type), content_type), context)
            return self.default_input_fn(request)

        batcher = self.batcher
        if batcher is None:
            prediction = self.batch_predict(decode(), context)
        else:
            prediction = batcher.decode_and_predict(decode, context)
        if h.has("output_fn"):
            return normalize_result(h.call("output_fn", (prediction, accept), context), accept)
        return self.default_output_fn(prediction, accept)
