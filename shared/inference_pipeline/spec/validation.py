"""Check an API request against botocore's service model before sending (or printing) it.

botocore's own ``ParamValidator`` checks types, required members and minimums only; the
service model also states maximum lengths/values, enums and patterns, which SageMaker
enforces server-side. We check those too so ``render``/``--dry-run`` output is known-good.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationNotFoundError, Shape, StructureShape
from botocore.validate import ParamValidator


class RequestValidationError(ValueError):
    def __init__(self, service: str, operation: str, problems: list[str]) -> None:
        self.service = service
        self.operation = operation
        self.problems = problems
        super().__init__(f"invalid {service} {operation} request:\n  " + "\n  ".join(problems))


@cache
def _service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # Java-only constructs such as \p{L}: leave those to the service
        return None


def validate_request(operation: str, params: dict[str, Any], service: str = "sagemaker") -> None:
    """Raise :class:`RequestValidationError` if ``params`` is not a valid ``operation`` input."""
    try:
        shape = _service_model(service).operation_model(operation).input_shape
    except OperationNotFoundError:
        raise ValueError(f"{service} has no operation {operation!r}") from None
    problems: list[str] = []
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        problems.extend(line.strip() for line in report.generate_report().splitlines() if line.strip())
    _check_constraints(params, shape, "", problems)
    if problems:
        raise RequestValidationError(service, operation, problems)


def _check_constraints(value: Any, shape: Shape, path: str, problems: list[str]) -> None:
    """The checks ParamValidator leaves out: max, enum, pattern. Types were checked already."""
    meta = shape.metadata
    label = path or "request"
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _check_constraints(value[name], member, f"{path}.{name}" if path else name, problems)
        return
    if isinstance(shape, ListShape) and isinstance(value, list):
        _check_max(len(value), meta, label, "items", problems)
        for index, item in enumerate(value):
            _check_constraints(item, shape.member, f"{path}[{index}]", problems)
        return
    if isinstance(shape, MapShape) and isinstance(value, dict):
        _check_max(len(value), meta, label, "entries", problems)
        for key, item in value.items():
            _check_constraints(key, shape.key, f"{path} key {key!r}", problems)
            _check_constraints(item, shape.value, f"{path}[{key!r}]", problems)
        return
    if isinstance(value, str) and shape.type_name == "string":
        _check_max(len(value), meta, label, "characters", problems)
        if shape.enum and value not in shape.enum:
            problems.append(f"{label}: {value!r} is not one of {', '.join(shape.enum)}")
        if "pattern" in meta and (regex := _compiled(meta["pattern"])) and not regex.fullmatch(value):
            problems.append(f"{label}: {value!r} does not match pattern {meta['pattern']}")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            problems.append(f"{label}: {value} exceeds the maximum {meta['max']}")


def _check_max(size: int, meta: dict[str, Any], label: str, unit: str, problems: list[str]) -> None:
    if "max" in meta and size > meta["max"]:
        problems.append(f"{label}: {size} {unit}, at most {meta['max']} allowed")
