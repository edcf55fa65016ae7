"""SparkML serving without a JVM: AWS sparkml-serving's HTTP contract over our MLeap runtime.

Drop-in for ``sagemaker-sparkml-serving``: same env vars (``SAGEMAKER_SPARKML_SCHEMA``,
``SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT``), request bodies, Accept values, status codes and —
for single records — byte-identical bodies (Java number formatting, densified vectors).
Better than the original on purpose: every CSV row is transformed (AWS uses the first only),
JSON Lines requests get real JSON Lines back (``SAGEMAKER_SPARKML_LEGACY_JSONLINES=true``
restores AWS's bracketed ``[[...], [...]]`` form), the schema may come from
``sagemaker-sparkml-schema.json`` in the model directory (the env var wins), and
``/execution-parameters`` advertises MULTI_RECORD so Batch Transform can batch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from inference_pipeline.mleap import Bundle, BundleError, FrameError, OpError, UnsupportedOpError, load_bundle
from inference_pipeline.mleap.serving_schema import (
    SchemaError,
    ServingSchema,
    load_default_schema,
    parse_schema,
)
from inference_pipeline.runtimes.sparkml.columns import InputColumns, csv_input_columns, input_columns
from inference_pipeline.runtimes.sparkml.formatting import format_column, format_value
from inference_pipeline.serving.codecs import body_text, safe_json
from inference_pipeline.serving.errors import BadRequest, InferenceError, ModelLoadError, NoContent
from inference_pipeline.serving.media import CSV, JSON, JSONLINES, MediaType
from inference_pipeline.serving.runtime import InferenceRequest, InferenceResponse, Runtime
from inference_pipeline.serving.settings import env_flag

VALID_ACCEPTS = ("text/csv", "application/jsonlines", "application/jsonlines;data=text")
BAD_ACCEPT = "Accept value passed via request or environment variable is not valid"
NO_SCHEMA = "Input schema has to be provided either via environment variable or via the request"


class UnsupportedMediaType(InferenceError):
    status = 415
    code = "Unsupported Media Type"


def _accept_key(media: MediaType) -> str:
    """An Accept as the JVM container compares it: essence plus non-charset parameters."""
    params = {k: v for k, v in media.params.items() if k != "charset"}
    return media.essence + "".join(f";{k}={v}" for k, v in params.items())


class SparkMLRuntime(Runtime):
    name: ClassVar[str] = "sparkml"
    # Negotiated in ``negotiate``: AWS answers 415 with its own body, and 400 for a bad Accept.
    content_types: ClassVar[tuple[str, ...] | None] = (CSV, JSON, JSONLINES)
    default_accept: ClassVar[str] = "text/csv"
    plain_errors: ClassVar[bool] = True
    # Under rloop, 1-row requests had a tail asyncio has not (wrk, 2 workers, 6 s cells: c=8 p99
    # 5.4-5.8 ms against 2.6, c=32 36.5-36.8 against 5.7-6.8) for ~10% more req/s; 100 rows: even.
    event_loop: ClassVar[str] = "asyncio"

    bundle: Bundle
    schema: ServingSchema | None

    def load(self, model_dir: Path) -> None:
        try:
            self.schema = load_default_schema(os.environ.get("SAGEMAKER_SPARKML_SCHEMA"), model_dir)
        except SchemaError as exc:
            raise ModelLoadError(f"invalid schema: {exc}") from None
        try:
            self.bundle = load_bundle(model_dir)
        except (BundleError, UnsupportedOpError, ValueError) as exc:
            raise ModelLoadError(f"cannot load the MLeap bundle in {model_dir}: {exc}") from None
        self.legacy_jsonlines = env_flag("SAGEMAKER_SPARKML_LEGACY_JSONLINES")
        if self.schema is not None:
            missing = [c for c in self.bundle.input_columns if c not in {i.name for i in self.schema.inputs}]
            if missing:
                raise ModelLoadError(f"the schema's input lacks column(s) {', '.join(missing)} that the bundle needs")

    def execution_parameters(self) -> dict[str, Any]:
        return {"BatchStrategy": "MULTI_RECORD"}

    # ------------------------------------------------------------------ negotiation

    def negotiate(self, content_type: MediaType | None, accept_header: str,
                  default_accept: str | None) -> tuple[MediaType | None, MediaType | None]:
        if content_type is None or content_type.essence not in (CSV, JSON, JSONLINES):
            raise UnsupportedMediaType(f"Content type '{content_type or ''}' not supported")
        accept = accept_header.strip()
        if not accept or accept == "*/*":
            accept = default_accept or self.default_accept
        media = MediaType.parse(accept)
        if _accept_key(media) not in VALID_ACCEPTS:
            raise BadRequest(BAD_ACCEPT)
        return content_type, media

    # ------------------------------------------------------------------ requests

    def invoke(self, request: InferenceRequest) -> InferenceResponse:
        media, accept_type = request.content_type, request.accept
        assert media is not None and accept_type is not None
        if not request.body.strip():
            raise NoContent()
        text = body_text(request.body, media)
        accept = _accept_key(accept_type)
        if media.essence == CSV:
            schema = self._require(self.schema)
            columns = csv_input_columns(schema, text)
        else:
            schema, rows = self._json_rows(text) if media.essence == JSON else self._jsonlines_rows(text)
            columns = InputColumns(input_columns(schema, rows), len(rows))
        bodies = self._transform(schema, columns, accept)
        content_type = "text/csv" if accept == "text/csv" else "application/jsonlines"
        if media.essence == JSONLINES:
            if self.legacy_jsonlines:
                body = "[" + ", ".join(f"[{b}]" for b in bodies) + "]"
            else:
                body = "".join(b + "\n" for b in bodies)
        else:
            body = "\n".join(bodies)
        return InferenceResponse(body.encode("utf-8"), content_type)

    def _require(self, schema: ServingSchema | None) -> ServingSchema:
        if schema is None:
            raise BadRequest(NO_SCHEMA)
        return schema

    @staticmethod
    def _load_json(line: str, where: str) -> Any:
        return safe_json.loads(line, where)

    def _body_schema(self, document: Any, where: str) -> ServingSchema | None:
        if not isinstance(document, dict):
            raise BadRequest(f'{where} must be a JSON object with "data"')
        unknown = set(document) - {"data", "schema"}
        if unknown:
            raise BadRequest(f'{where} has unknown field(s) {", ".join(sorted(unknown))} (allowed: data, schema)')
        if "data" not in document or not isinstance(document["data"], list):
            raise BadRequest(f'{where} needs "data" as a list')
        if document.get("schema") is None:
            return None
        try:
            return parse_schema(document["schema"])
        except SchemaError as exc:
            raise BadRequest(str(exc)) from None

    @staticmethod
    def _rows_of(data: list[Any], schema: ServingSchema) -> list[list[Any]]:
        # A list of rows when every element is a list and the schema's inputs are all scalars
        # (the JVM container's rule, minus its ambiguity for vector/array inputs).
        if data and all(isinstance(item, list) for item in data) and \
                all(c.struct == "basic" for c in schema.inputs):
            return data
        return [data]

    def _json_rows(self, text: str) -> tuple[ServingSchema, list[list[Any]]]:
        document = self._load_json(text, "the body")
        schema = self._require(self._body_schema(document, "the body") or self.schema)
        return schema, self._rows_of(document["data"], schema)

    def _jsonlines_rows(self, text: str) -> tuple[ServingSchema, list[list[Any]]]:
        lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
        documents = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                raise BadRequest(f"line {number} is empty")
            documents.append(self._load_json(line, f"line {number}"))
        schema = self._require(self._body_schema(documents[0], "line 1") or self.schema)
        rows: list[list[Any]] = []
        for number, document in enumerate(documents, start=1):
            self._body_schema(document, f"line {number}")
            rows.extend(self._rows_of(document["data"], schema))
        return schema, rows

    # ------------------------------------------------------------------ execution

    def _transform(self, schema: ServingSchema, columns: InputColumns, accept: str) -> list[str]:
        """One response line per row of the converted input columns."""
        output, n_rows = schema.output, columns.n_rows
        if n_rows == 1 and self.bundle.row_capable:  # the common real-time case, without numpy
            try:
                result_row = self.bundle.transform_row(columns.first_row())
            except (OpError, FrameError) as exc:
                raise BadRequest(str(exc)) from None
            if result_row is None:
                raise BadRequest("the pipeline dropped the row (handleInvalid=skip); nothing can be returned")
            if output.name not in result_row:
                raise BadRequest(f"output column {output.name!r} is not produced by the pipeline "
                                 f"(columns: {', '.join(result_row)})")
            return [format_value(result_row[output.name], output, accept)]
        try:
            result = self.bundle.transform(columns.frame(schema))
        except (OpError, FrameError) as exc:
            raise BadRequest(str(exc)) from None
        if result.n_rows != n_rows:
            raise BadRequest(f"the pipeline dropped {n_rows - result.n_rows} of {n_rows} rows "
                             "(handleInvalid=skip); nothing can be returned for them")
        if output.name not in result:
            raise BadRequest(f"output column {output.name!r} is not produced by the pipeline "
                             f"(columns: {', '.join(result.columns)})")
        return format_column(result.columns[output.name], output, accept)
