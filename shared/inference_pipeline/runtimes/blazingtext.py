"""BlazingText stand-in: fastText supervised models with BlazingText's hosting contract.

Model: ``model.bin`` as BlazingText writes it in supervised mode (fastText's binary format).
``application/json``: ``{"instances": ["text", ...], "configuration": {"k": 2}}`` →
``[{"label": ["__label__x", ...], "prob": [p, ...]}, ...]``.
``application/jsonlines``: ``{"source": "text"}`` per line (optional per-record ``"k"``) → one
``{"prob": [...], "label": [...]}`` line per input; as with BlazingText, a jsonlines request is
answered in jsonlines whatever the Accept says. ``k`` defaults to 1. Probabilities are
fastText's own values. Word-vector models (``vectors.bin``) are refused at load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from inference_pipeline.runtimes.base import InferenceRequest, InferenceResponse, Runtime
from inference_pipeline.serving.errors import BadRequest, ModelLoadError
from inference_pipeline.serving.media import JSON, JSONLINES

MAX_K = 1000


def _check_k(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_K:
        raise BadRequest(f"{where}: k must be an integer from 1 to {MAX_K}, got {json.dumps(value)}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"{where} must be a string, got {json.dumps(value)[:60]}")
    # fastText reads one line per prediction; newlines inside a text are word separators anyway.
    return value.replace("\n", " ").replace("\r", " ")


class BlazingTextRuntime(Runtime):
    name: ClassVar[str] = "blazingtext"
    content_types: ClassVar[tuple[str, ...] | None] = (JSON, JSONLINES)
    accepts: ClassVar[tuple[str, ...] | None] = (JSON, JSONLINES)
    default_accept: ClassVar[str] = JSON

    def load(self, model_dir: Path) -> None:
        path = model_dir / "model.bin"
        if not path.is_file():
            if (model_dir / "vectors.bin").is_file():
                raise ModelLoadError("vectors.bin (word2vec mode) is not served by this stand-in; "
                                     "it serves supervised model.bin")
            raise ModelLoadError(f"{path} is missing (BlazingText supervised mode writes model.bin)")
        import fasttext

        try:
            self.model = fasttext.load_model(str(path))
        except ValueError as exc:
            raise ModelLoadError(f"{path}: not a fastText model: {exc}") from None
        try:  # fasttext-predict exposes predict only: probe it; word-vector models raise here
            self.model.f.predict("\n", 1, 0.0, "strict")
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"{path} is not a supervised fastText model: {exc}") from None

    def _predict(self, text: str, k: int) -> dict[str, list[Any]]:
        pairs = self.model.f.predict(text + "\n", k, 0.0, "strict")
        return {"label": [label for _, label in pairs], "prob": [float(prob) for prob, _ in pairs]}

    def invoke(self, request: InferenceRequest) -> InferenceResponse:
        media = request.content_type
        assert media is not None
        try:
            text = request.body.decode(media.charset)
        except (UnicodeDecodeError, LookupError) as exc:
            raise BadRequest(f"the body is not valid {media.charset}: {exc}") from None
        if media.essence == JSONLINES:
            return self._jsonlines(text)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
            raise BadRequest('expected {"instances": ["text", ...], "configuration": {"k": n}}')
        configuration = document.get("configuration") or {}
        if not isinstance(configuration, dict):
            raise BadRequest("configuration must be an object")
        k = _check_k(configuration.get("k", 1), "configuration")
        results = [self._predict(_text(item, f"instances[{i}]"), k) for i, item in enumerate(document["instances"])]
        accept = request.accept.essence if request.accept else JSON
        if accept == JSONLINES:
            return InferenceResponse("".join(json.dumps(r) + "\n" for r in results).encode(), JSONLINES)
        return InferenceResponse(json.dumps(results).encode(), JSON)

    def _jsonlines(self, text: str) -> InferenceResponse:
        lines = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadRequest(f"line {number} is not valid JSON: {exc.msg}") from None
            if not isinstance(record, dict) or "source" not in record:
                raise BadRequest(f'line {number}: expected {{"source": "text"}}')
            k = _check_k(record.get("k", 1), f"line {number}")
            result = self._predict(_text(record["source"], f"line {number} source"), k)
            lines.append(json.dumps({"prob": result["prob"], "label": result["label"]}))
        if not lines:
            raise BadRequest("the JSON Lines body has no records")
        return InferenceResponse(("\n".join(lines) + "\n").encode(), JSONLINES)
