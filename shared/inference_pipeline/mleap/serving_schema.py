"""AWS sparkml-serving's schema (``SAGEMAKER_SPARKML_SCHEMA``): the exporter writes it, the sparkml image reads it.

Schema: ``{"input": [{"name", "type", "struct"?}], "output": {"name", "type", "struct"?}}``
with types ``boolean byte short int long float double string`` and structs
``basic`` (default), ``vector``, ``array``. Unknown keys are an error (the JVM container uses a
strict Jackson mapper). Request values are converted by
``inference_pipeline.runtimes.sparkml.values`` with the JVM container's rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASIC_TYPES = ("boolean", "byte", "short", "int", "long", "float", "double", "string")
STRUCTS = ("basic", "vector", "array")
SCHEMA_FILE = "sagemaker-sparkml-schema.json"


class SchemaError(ValueError):
    """The schema is not one the JVM container would accept; the message names the field."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    struct: str = "basic"


@dataclass(frozen=True)
class ServingSchema:
    inputs: tuple[ColumnSpec, ...]
    output: ColumnSpec


def _column(raw: Any, where: str) -> ColumnSpec:
    if not isinstance(raw, dict):
        raise SchemaError(f"{where} must be an object with name and type")
    unknown = set(raw) - {"name", "type", "struct"}
    if unknown:
        raise SchemaError(f"{where} has unknown field(s) {', '.join(sorted(unknown))} (allowed: name, type, struct)")
    name, type_, struct = raw.get("name"), raw.get("type"), raw.get("struct", "basic")
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{where}.name is required")
    if type_ not in BASIC_TYPES:
        raise SchemaError(f"{where}.type {type_!r} is not one of {', '.join(BASIC_TYPES)}")
    if struct not in STRUCTS:
        raise SchemaError(f"{where}.struct {struct!r} is not one of {', '.join(STRUCTS)}")
    return ColumnSpec(name, type_, struct)


def parse_schema(raw: Any) -> ServingSchema:
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"schema is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise SchemaError("schema must be a JSON object with 'input' and 'output'")
    unknown = set(raw) - {"input", "output"}
    if unknown:
        raise SchemaError(f"schema has unknown field(s) {', '.join(sorted(unknown))} (allowed: input, output)")
    if not isinstance(raw.get("input"), list) or not raw["input"]:
        raise SchemaError("schema.input must be a non-empty list of columns")
    if "output" not in raw:
        raise SchemaError("schema.output is required")
    inputs = tuple(_column(col, f"schema.input[{i}]") for i, col in enumerate(raw["input"]))
    return ServingSchema(inputs, _column(raw["output"], "schema.output"))


def load_default_schema(env_value: str | None, model_dir: Path) -> ServingSchema | None:
    """The env var wins over the file the exporter writes into the bundle; None when neither."""
    if env_value and env_value.strip():
        try:
            return parse_schema(env_value)
        except SchemaError as exc:
            raise SchemaError(f"SAGEMAKER_SPARKML_SCHEMA: {exc}") from None
    path = model_dir / SCHEMA_FILE
    if path.is_file():
        try:
            return parse_schema(path.read_text(encoding="utf-8"))
        except SchemaError as exc:
            raise SchemaError(f"{path}: {exc}") from None
    return None
