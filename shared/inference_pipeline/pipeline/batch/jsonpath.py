"""The JSONPath subset SageMaker batch transform accepts in InputFilter/OutputFilter.

Supported: ``$``, ``.name``, ``.*``/``[*]``, ``['a','b']``, ``[n]``, ``[n,m]`` (negative
indices allowed), ``[start:end]`` (either side optional) and unions such as ``[0,5:]``.
Anything else (recursive descent, filters, script expressions, ``.[...]``) is rejected
with a message naming the offending part, as the service does.

Slices are **end-inclusive**: SageMaker's documentation says ``$[1:4]`` selects the second
through fifth columns, unlike standard JSONPath. Indices outside the value are an error
(the docs: "If you specify indexes that aren't within the dimension size ... you get an
error") rather than being clamped.

A path is evaluated as a projection that keeps structure: one name or index gives the
value itself; several names give an object with those keys (in path order); a wildcard,
several indices or a slice give a list, and later steps apply to each element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import JsonPathError

MAX_LENGTH = 63  # DataProcessing.InputFilter / OutputFilter length limit


class PathMatchError(ValueError):
    """A valid path does not fit one record (missing key, index out of range, wrong type)."""


@dataclass(frozen=True)
class _Names:
    names: tuple[str, ...]


@dataclass(frozen=True)
class _Wildcard:
    pass


@dataclass(frozen=True)
class _Index:
    index: int


# A union member: an index, or an inclusive (start, end) slice with optional ends.
_Item = int | tuple[int | None, int | None]


@dataclass(frozen=True)
class _Select:
    items: tuple[_Item, ...]


_Step = _Names | _Wildcard | _Index | _Select
_NAME_STOP = set(".[]'\"*?@()$ ,:")


@dataclass(frozen=True)
class JsonPath:
    """A parsed path; ``JsonPath.parse("$[1:]").apply(["a", "b", "c"]) == ["b", "c"]``."""

    text: str
    steps: tuple[_Step, ...]

    @property
    def is_root(self) -> bool:
        return not self.steps

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        return cls(text, tuple(_Parser(text).parse()))

    def apply(self, value: Any) -> Any:
        return _evaluate(self.steps, value, self.text)

    def __str__(self) -> str:
        return self.text


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> JsonPathError:
        return JsonPathError(f"JSONPath {self.text!r}: {why} (at character {self.pos + 1})")

    def parse(self) -> list[_Step]:
        text = self.text
        if len(text) > MAX_LENGTH:
            raise JsonPathError(f"JSONPath {text!r} is {len(text)} characters; the limit is {MAX_LENGTH}")
        if not text.startswith("$"):
            raise JsonPathError(f"JSONPath {text!r} must start with '$'")
        self.pos = 1
        steps: list[_Step] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char == ".":
                steps.append(self._dot())
            elif char == "[":
                steps.append(self._bracket())
            else:
                raise self.fail(f"unexpected {char!r}; expected '.name' or '[...]'")
        return steps

    def _dot(self) -> _Step:
        self.pos += 1
        text = self.text
        if self.pos >= len(text):
            raise self.fail("a name must follow '.'")
        char = text[self.pos]
        if char == ".":
            raise self.fail("recursive descent '..' is not supported")
        if char == "[":
            raise self.fail("'.[' (bracket child after a dot) is not supported; write $.a['b']")
        if char == "*":
            self.pos += 1
            return _Wildcard()
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in _NAME_STOP:
            self.pos += 1
        if self.pos == start:
            raise self.fail(f"unexpected {char!r} after '.'")
        return _Names((text[start : self.pos],))

    def _bracket(self) -> _Step:
        text = self.text
        self.pos += 1
        inner_start = self.pos
        quote: str | None = None
        while self.pos < len(text):
            char = text[self.pos]
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char == "]":
                break
            elif char == "[":
                raise self.fail("nested brackets are not supported")
            self.pos += 1
        else:
            raise self.fail("missing ']'")
        inner = text[inner_start : self.pos].strip()
        self.pos += 1
        if not inner:
            raise self.fail("empty brackets")
        if inner == "*":
            return _Wildcard()
        if inner[0] in "?@(":
            raise self.fail("filter and script expressions are not supported")
        if inner[0] in "'\"":
            return _Names(self._names(inner))
        return self._select(inner)

    def _names(self, inner: str) -> tuple[str, ...]:
        names: list[str] = []
        for part in _split_commas(inner):
            part = part.strip()
            if len(part) < 2 or part[0] not in "'\"" or part[-1] != part[0]:
                raise self.fail(f"{part!r} is not a quoted name")
            names.append(part[1:-1])
        return tuple(names)

    def _select(self, inner: str) -> _Step:
        items: list[_Item] = []
        for part in inner.split(","):
            part = part.strip()
            if ":" in part:
                bounds = part.split(":")
                if len(bounds) != 2:
                    raise self.fail(f"slice {part!r}: steps ('a:b:c') are not supported")
                items.append((self._int(bounds[0], optional=True), self._int(bounds[1], optional=True)))
            else:
                items.append(self._int(part, optional=False))  # type: ignore[arg-type]
        if len(items) == 1 and isinstance(items[0], int):
            return _Index(items[0])
        return _Select(tuple(items))

    def _int(self, text: str, *, optional: bool) -> int | None:
        text = text.strip()
        if not text and optional:
            return None
        try:
            return int(text)
        except ValueError:
            raise self.fail(f"{text!r} is not an integer index") from None


def _split_commas(inner: str) -> list[str]:
    """Split on commas outside quotes (names may contain commas)."""
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in inner:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _evaluate(steps: tuple[_Step, ...], value: Any, path: str) -> Any:
    if not steps:
        return value
    step, rest = steps[0], steps[1:]
    if isinstance(step, _Names):
        if not isinstance(value, dict):
            raise PathMatchError(f"{path}: {_kind(value)} has no key {step.names[0]!r}")
        for name in step.names:
            if name not in value:
                raise PathMatchError(f"{path}: no key {name!r} in object")
        if len(step.names) == 1:
            return _evaluate(rest, value[step.names[0]], path)
        return {name: _evaluate(rest, value[name], path) for name in step.names}
    if isinstance(step, _Wildcard):
        if isinstance(value, dict):
            return [_evaluate(rest, item, path) for item in value.values()]
        if isinstance(value, list):
            return [_evaluate(rest, item, path) for item in value]
        raise PathMatchError(f"{path}: '*' needs an object or array, got {_kind(value)}")
    if not isinstance(value, list):
        raise PathMatchError(f"{path}: index needs an array, got {_kind(value)}")
    if isinstance(step, _Index):
        return _evaluate(rest, value[_position(step.index, len(value), path)], path)
    return [_evaluate(rest, value[i], path) for i in _positions(step.items, len(value), path)]


def _position(index: int, size: int, path: str) -> int:
    resolved = index + size if index < 0 else index
    if not 0 <= resolved < size:
        raise PathMatchError(f"{path}: index {index} is outside an array of {size}")
    return resolved


def _positions(items: tuple[_Item, ...], size: int, path: str) -> list[int]:
    selected: list[int] = []
    for item in items:
        if isinstance(item, int):
            selected.append(_position(item, size, path))
            continue
        start, end = item
        if start is None:
            first = 0
        elif end is None and start == size:
            first = size  # "$[n:]" past the last element selects nothing
        else:
            first = _position(start, size, path)
        if end is None:
            last = size - 1
        else:
            try:
                last = _position(end, size, path)
            except PathMatchError:
                raise PathMatchError(
                    f"{path}: slice end {end} is outside an array of {size} "
                    "(slice ends are inclusive, as in SageMaker's documentation)"
                ) from None
        selected.extend(range(first, last + 1))
    return selected


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__} value"
