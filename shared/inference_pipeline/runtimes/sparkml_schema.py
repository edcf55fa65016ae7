"""AWS sparkml-serving's schema (``SAGEMAKER_SPARKML_SCHEMA``) and Java-compatible value parsing.

Schema: ``{"input": [{"name", "type", "struct"?}], "output": {"name", "type", "struct"?}}``
with types ``boolean byte short int long float double string`` and structs
``basic`` (default), ``vector``, ``array``. Unknown keys are an error (the JVM container uses a
strict Jackson mapper). Values are converted with the rules of the JVM container
(``Integer(String)``, ``Double(String)``, lenient ``Boolean.valueOf``...), so requests that
work there work here and requests that fail there fail here with a 400.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference_pipeline.serving.errors import BadRequest

BASIC_TYPES = ("boolean", "byte", "short", "int", "long", "float", "double", "string")
STRUCTS = ("basic", "vector", "array")
SCHEMA_FILE = "sagemaker-sparkml-schema.json"
_INT_RANGES = {"byte": (-(2**7), 2**7 - 1), "short": (-(2**15), 2**15 - 1), "int": (-(2**31), 2**31 - 1),
               "long": (-(2**63), 2**63 - 1)}
_JAVA_INT = re.compile(r"[+-]?\d+")
# Double.parseDouble: trims, optional sign, decimal or hex float, optional f/F/d/D suffix, NaN, Infinity.
_JAVA_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)|"
                          r"(0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+))[fFdD]?")


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


def _java_string(value: Any) -> str:
    """``toString()`` of what Jackson parsed: numbers keep Java's spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        from inference_pipeline.mleap.javafmt import java_double_str

        return java_double_str(value)
    return str(value)


def convert_basic(value: Any, type_: str, column: str) -> Any:
    """One scalar with the JVM container's conversion rules; BadRequest on failure."""
    if value is None:
        raise BadRequest(f"column {column}: null value")
    if isinstance(value, (list, dict)):
        raise BadRequest(f"column {column}: expected a {type_} value, got {json.dumps(value)[:80]}")
    text = _java_string(value)
    if type_ == "string":
        return text
    if type_ == "boolean":
        return text.lower() == "true"
    if type_ in _INT_RANGES:
        if not _JAVA_INT.fullmatch(text):
            raise BadRequest(f'column {column}: For input string: "{text}"')
        number = int(text)
        low, high = _INT_RANGES[type_]
        if not low <= number <= high:
            raise BadRequest(f'column {column}: Value out of range. Value:"{text}"')
        return number
    stripped = text.strip()
    if not _JAVA_DOUBLE.fullmatch(stripped):
        raise BadRequest(f'column {column}: For input string: "{text}"')
    body = stripped.rstrip("fFdD") if not stripped.endswith(("NaN", "Infinity")) else stripped
    if "x" in body.lower():
        return float.fromhex(body)
    return float(body.replace("Infinity", "inf"))


def convert_value(value: Any, spec: ColumnSpec) -> Any:
    if spec.struct == "basic":
        return convert_basic(value, spec.type, spec.name)
    if not isinstance(value, list):
        raise BadRequest(f"column {spec.name}: expected a list for struct {spec.struct}")
    if spec.struct == "vector":
        if spec.type != "double":
            raise BadRequest("Only Double type is supported for vector")
        if not all(isinstance(v, float) for v in value):
            raise BadRequest(f"column {spec.name}: vector elements must be JSON doubles (e.g. 1.0, not 1)")
        return [float(v) for v in value]
    # array: elements are cast, not converted (a JSON int in a double array fails, as on the JVM)
    expected = {"double": float, "float": float, "string": str, "boolean": bool}.get(spec.type, int)
    for element in value:
        if not isinstance(element, expected) or (expected is int and isinstance(element, bool)):
            raise BadRequest(f"column {spec.name}: array element {json.dumps(element)} is not a {spec.type}")
    return list(value)


def is_finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))
