"""The one JSON reader for request bodies and the one JSON writer for responses.

Reading (``loads``) turns every way a hostile body can break ``json.loads`` into a
``BadRequest`` that says what is wrong: a syntax error (with line and column), nesting deeper
than ``MAX_DEPTH`` (checked before parsing, so neither the parser nor the code that walks the
document later can hit ``RecursionError``), an integer longer than Python's int/str limit
(a ``ValueError``, not a ``JSONDecodeError``), and lone UTF-16 surrogates (``"\\ud800"`` is
valid JSON but no UTF-8 text: it would break every encoder and C binding downstream).

Writing (``dumps``) has one NaN policy for every runtime: NaN and ±infinity become ``null``.
Python's ``json`` would write ``NaN``/``Infinity``, which strict parsers (Jackson,
``JSON.parse``) reject; SageMaker documents no rule. Text is written as UTF-8 with no ASCII
escaping; a lone surrogate in a prediction is written as its ``\\uXXXX`` escape.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from inference_pipeline.serving.codecs.values import to_builtin
from inference_pipeline.serving.errors import BadRequest

#: Deepest nesting of arrays/objects a request may use. Real request shapes (rows of values,
#: SageMaker's {"instances": [{"data": {"features": {"values": [...]}}}]}) need under ten.
MAX_DEPTH = 64

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)


def nesting_depth(text: str) -> int:
    """How deeply arrays/objects nest in ``text`` (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") == 0:
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text) if '"' in text else text)
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where(np.isin(codes, _OPEN), 1, -1)
    return int(np.cumsum(steps).max(initial=0))


def _check_depth(text: str, where: str, max_depth: int) -> None:
    # Cheap bound first: a body with fewer brackets than the limit cannot nest deeper.
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise BadRequest(f"{where} nests arrays/objects more than {max_depth} levels deep")


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_surrogate(key) or _has_surrogate(item) for key, item in value.items())
    return False


def loads(text: str, where: str = "the body", *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse one JSON document from a request; ``where`` names it in messages ("line 3")."""
    _check_depth(text, where, max_depth)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # only reachable with max_depth near the interpreter's limit
        raise BadRequest(f"{where} nests too deeply") from None
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise BadRequest(f"{where} holds a number JSON readers cannot take: {exc}") from None
    # The escape must be in the text for a surrogate to reach the document (strict UTF-8
    # decoding never yields one), so most bodies skip the walk.
    if _SURROGATE_ESCAPE.search(text) and _has_surrogate(document):
        raise BadRequest(f"{where} holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair), "
                         "which is not text")
    return document


_COMPACT = {"separators": (",", ":"), "ensure_ascii": False}
# Python's json.dumps defaults, which AWS's Python containers write: kept byte for byte where
# an image stands in for one of them (XGBoost, Linear Learner, BlazingText, post-processing).
_PYTHON_DEFAULT = {"separators": (", ", ": "), "ensure_ascii": True}


def dumps(value: Any, *, python_style: bool = False) -> str:
    """Strict JSON text: NaN/±inf as null, numpy values as plain numbers.

    Compact UTF-8 by default; ``python_style`` keeps ``json.dumps``'s default spacing and ASCII
    escapes.
    """
    style = _PYTHON_DEFAULT if python_style else _COMPACT
    try:
        return json.dumps(value, allow_nan=False, **style)  # type: ignore[arg-type]
    except (ValueError, TypeError):  # NaN/inf or numpy values somewhere: convert, then write
        return json.dumps(to_builtin(value, nan_as_none=True), allow_nan=False, **style)  # type: ignore[arg-type]


def dumps_bytes(value: Any, *, python_style: bool = False) -> bytes:
    """``dumps`` as UTF-8; a lone surrogate (not encodable) is written as its JSON escape."""
    text = dumps(value, python_style=python_style)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return dumps(value, python_style=True).encode("ascii")
