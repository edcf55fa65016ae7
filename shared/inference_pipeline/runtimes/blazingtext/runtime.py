"""BlazingText stand-in: fastText artifacts with BlazingText's hosting contract.

Text classification (``model.bin``, as BlazingText writes it in supervised mode, fastText's
binary format; a quantized ``model.ftz`` also loads):

* ``application/json``: ``{"instances": ["text", ...], "configuration": {"k": 2}}`` →
  ``[{"label": ["__label__x", ...], "prob": [p, ...]}, ...]`` (Accept ``application/jsonlines``
  gives one such object per line instead).
* ``application/jsonlines``: ``{"source": "text"}`` per line (optional per-record ``"k"``) →
  one ``{"prob": [...], "label": [...]}`` line per input; as with BlazingText, a JSON Lines
  request is answered in JSON Lines whatever the Accept says.

``k`` defaults to 1. Probabilities are fastText's own values, unrounded (AWS's outputs show
full float32 values such as ``0.9413388967514038``).

Word2Vec (``vectors.txt`` or ``*.vec``: the word2vec text format BlazingText writes next to
``vectors.bin``): ``{"instances": ["word", ...]}`` → ``[{"vector": [...], "word": "word"}, ...]``,
zeros for out-of-vocabulary words. ``vectors.bin`` alone is refused at load (fasttext-predict
reads classifiers only).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from inference_pipeline.runtimes.blazingtext.fasttext_format import check_model_file
from inference_pipeline.serving.codecs import body_text, safe_json
from inference_pipeline.serving.errors import BadRequest, ModelLoadError
from inference_pipeline.serving.media import JSON, JSONLINES, MediaType
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime

MAX_K = 1000
CLASSIFIER_FILES = ("model.bin", "model.ftz")
VECTOR_FILES = ("vectors.txt", "vectors.vec")


def _json_type(value: Any) -> str:
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _check_k(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_K:
        raise BadRequest(f"{where}: k must be an integer from 1 to {MAX_K}, got {json.dumps(value)}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"{where} must be a string, got {_json_type(value)}: {json.dumps(value)[:60]}")
    # fastText reads one line per prediction; newlines inside a text are word separators anyway.
    return value.replace("\n", " ").replace("\r", " ")


def _load_json(text: str, where: str) -> Any:
    return safe_json.loads(text, where)


def parse_instances(text: str) -> tuple[list[str], int]:
    """``{"instances": [...], "configuration": {"k": n}}`` → (texts, k)."""
    document = _load_json(text, "the body")
    if not isinstance(document, dict):
        raise BadRequest(f'the body must be an object like {{"instances": ["text", ...]}}, got {_json_type(document)}')
    if "instances" not in document:
        raise BadRequest('the body has no "instances" (expected {"instances": ["text", ...], '
                         '"configuration": {"k": n}})')
    instances = document["instances"]
    if not isinstance(instances, list):
        raise BadRequest(f'"instances" must be a list of strings, got {_json_type(instances)}')
    configuration = document.get("configuration") or {}
    if not isinstance(configuration, dict):
        raise BadRequest(f'"configuration" must be an object, got {_json_type(configuration)}')
    k = _check_k(configuration.get("k", 1), "configuration")
    return [_text(item, f"instances[{i}]") for i, item in enumerate(instances)], k


def parse_source_lines(text: str) -> list[tuple[str, int]]:
    """One ``{"source": "text", "k": n}`` per line → [(text, k)]; blank lines are skipped."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = _load_json(line, f"line {number}")
        if not isinstance(record, dict) or "source" not in record:
            raise BadRequest(f'line {number}: expected {{"source": "text"}}, got {line.strip()[:60]}')
        records.append((_text(record["source"], f"line {number} source"), _check_k(record.get("k", 1),
                                                                                    f"line {number}")))
    if not records:
        raise BadRequest("the JSON Lines body has no records")
    return records


class Classifier:
    """A supervised fastText model (``fasttext-predict`` in the image; the full ``fasttext``
    package exposes the same ``load_model`` and ``f.predict``)."""

    def __init__(self, path: Path) -> None:
        import fasttext

        check_model_file(path)  # fastText loads a truncated file without complaint
        try:
            self.model = fasttext.load_model(str(path))
        except ValueError as exc:
            raise ModelLoadError(f"{path}: not a fastText model: {exc}") from None
        try:  # word-vector models load but cannot predict: find out now, not per request
            self.model.f.predict("\n", 1, 0.0, "strict")
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"{path} is not a supervised fastText model: {exc}") from None

    def predict(self, texts: list[str], k: int) -> list[dict[str, list[Any]]]:
        # One call per line: multilinePredict is wrong in both wheels (fasttext 0.9.2 repeats the
        # top probability for k > 1; fasttext-predict returns no probabilities).
        results = []
        for text in texts:
            pairs = self.model.f.predict(text + "\n", k, 0.0, "strict")
            results.append({"label": [label for _, label in pairs], "prob": [float(p) for p, _ in pairs]})
        return results


class WordVectors:
    """Word2Vec vectors from the word2vec/fastText text format (a ``count dim`` header line)."""

    def __init__(self, path: Path) -> None:
        self.vectors: dict[str, list[float]] = {}
        try:
            with path.open(encoding="utf-8") as handle:
                count, self.dim = (int(v) for v in handle.readline().split())
                for number, line in enumerate(handle, start=2):
                    parts = line.rstrip("\r\n").rstrip(" ").split(" ")
                    if len(parts) != self.dim + 1:
                        raise ModelLoadError(f"{path.name} line {number}: expected a word and {self.dim} "
                                             f"values, got {len(parts)} fields")
                    self.vectors[parts[0]] = [float(v) for v in parts[1:]]
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelLoadError(f"{path.name} is not a word-vector text file: {exc}") from None
        if len(self.vectors) != count:
            raise ModelLoadError(f"{path.name} declares {count} words but holds {len(self.vectors)}")
        self.zeros = [0.0] * self.dim

    def lookup(self, words: list[str]) -> list[dict[str, Any]]:
        return [{"vector": self.vectors.get(word, self.zeros), "word": word} for word in words]


def find_artifact(model_dir: Path) -> Path:
    for name in (*CLASSIFIER_FILES, *VECTOR_FILES):
        if (model_dir / name).is_file():
            return model_dir / name
    extra = sorted(model_dir.glob("*.vec"))
    if extra:
        return extra[0]
    if (model_dir / "vectors.bin").is_file():
        raise ModelLoadError("vectors.bin alone is not served: keep the vectors.txt BlazingText writes next "
                             "to it (Word2Vec), or serve a supervised model.bin")
    raise ModelLoadError(f"no model.bin (text classification) or vectors.txt (Word2Vec) in {model_dir}")


def _render(results: list[dict[str, Any]], media_type: str) -> InferenceResponse:
    if media_type == JSONLINES:
        lines = (safe_json.dumps_bytes(r, python_style=True) + b"\n" for r in results)
        return InferenceResponse(b"".join(lines), JSONLINES)
    return InferenceResponse(safe_json.dumps_bytes(results, python_style=True), JSON)


class BlazingTextRuntime(Runtime):
    name: ClassVar[str] = "blazingtext"
    preload_modules: ClassVar[tuple[str, ...]] = ("fasttext",)
    # fastText's loader starts no threads, and predicting only reads the matrices: shared, an
    # 80 MB model.bin is held once per container, not once per worker.
    load_before_fork: ClassVar[bool] = True
    content_types: ClassVar[tuple[str, ...] | None] = (JSON, JSONLINES)
    accepts: ClassVar[tuple[str, ...]] = (JSON, JSONLINES)
    default_accept: ClassVar[str] = JSON

    model: Classifier | WordVectors

    def load(self, model_dir: Path) -> None:
        path = find_artifact(model_dir)
        self.model = Classifier(path) if path.name in CLASSIFIER_FILES else WordVectors(path)

    def negotiate(self, content_type: MediaType | None, accept_header: str,
                  default_accept: str | None) -> tuple[MediaType | None, MediaType | None]:
        # A JSON Lines request is answered in JSON Lines whatever the Accept says (BlazingText
        # ignores a differing Accept there), e.g. a batch job's Accept text/csv.
        if content_type is not None and content_type.essence == JSONLINES:
            return content_type, MediaType(JSONLINES)
        return super().negotiate(content_type, accept_header, default_accept)

    def invoke(self, request: InferenceRequest) -> InferenceResponse:
        media, accept = request.content_type, request.accept
        assert media is not None and accept is not None
        text = body_text(request.body, media)
        if not text.strip():
            raise BadRequest("the request body is empty")
        if media.essence == JSONLINES:
            return _render(self._jsonlines(text), JSONLINES)
        texts, k = parse_instances(text)
        if isinstance(self.model, WordVectors):
            results = self.model.lookup(texts)
        else:
            results = self.model.predict(texts, k) if texts else []
        return _render(results, accept.essence)

    def _jsonlines(self, text: str) -> list[dict[str, Any]]:
        records = parse_source_lines(text)
        if isinstance(self.model, WordVectors):
            return self.model.lookup([source for source, _ in records])
        results: list[dict[str, Any]] = [{} for _ in records]
        for i, (source, k) in enumerate(records):
            result = self.model.predict([source], k)[0]
            results[i] = {"prob": result["prob"], "label": result["label"]}
        return results
