"""Request values converted with the JVM sparkml container's rules (``Integer(String)``,
``Double(String)``, lenient ``Boolean.valueOf``...), so requests that work there work here and
requests that fail there fail here with a 400."""

from __future__ import annotations

import json
import re
from typing import Any

from inference_pipeline.mleap.javafmt import java_double_str
from inference_pipeline.mleap.serving_schema import ColumnSpec
from inference_pipeline.serving.errors import BadRequest

INT_RANGES = {"byte": (-(2**7), 2**7 - 1), "short": (-(2**15), 2**15 - 1), "int": (-(2**31), 2**31 - 1),
               "long": (-(2**63), 2**63 - 1)}
_JAVA_INT = re.compile(r"[+-]?\d+")
# Double.parseDouble: trims, optional sign, decimal or hex float, optional f/F/d/D suffix, NaN, Infinity.
_JAVA_DOUBLE = re.compile(r"[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)|"
                          r"(0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+))[fFdD]?")


def _java_string(value: Any) -> str:
    """``toString()`` of what Jackson parsed: numbers keep Java's spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
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
    if type_ in INT_RANGES:
        if not _JAVA_INT.fullmatch(text):
            raise BadRequest(f'column {column}: For input string: "{text}"')
        low, high = INT_RANGES[type_]
        # Digits beyond any range fail as out of range before int() (whose 4,300-digit limit
        # would raise ValueError).
        if len(text.lstrip("+-").lstrip("0")) > 19 or not low <= int(text) <= high:
            raise BadRequest(f'column {column}: Value out of range. Value:"{text}"')
        return int(text)
    stripped = text.strip()
    if not _JAVA_DOUBLE.fullmatch(stripped):
        raise BadRequest(f'column {column}: For input string: "{text}"')
    body = stripped.rstrip("fFdD") if not stripped.endswith(("NaN", "Infinity")) else stripped
    if "x" in body.lower():
        try:
            return float.fromhex(body)
        except OverflowError:  # Java's Double.parseDouble("0x1p99999") is Infinity
            return float("-inf") if body.startswith("-") else float("inf")
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
