from __future__ import annotations

import re

import pytest

from inference_pipeline.pipeline.batch import JsonPath, JsonPathError, PathMatchError

ROW = ["id7", "1.5", "2.5", "3.5", "4.5", "5.5"]
DOC = {"id": 1, "features": [1, 2, 3], "meta": {"a": "x", "b": "y"}, "SageMakerOutput": {"p": 0.9}}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("$", ROW, ROW),
        ("$[0]", ROW, "id7"),
        ("$[-1]", ROW, "5.5"),
        ("$[0,-1]", ROW, ["id7", "5.5"]),
        ("$[1:]", ROW, ROW[1:]),
        ("$[:1]", ROW, ["id7", "1.5"]),  # inclusive end
        ("$[1:4]", ROW, ["1.5", "2.5", "3.5", "4.5"]),  # docs: 2nd through 5th column
        ("$[0,4:]", ROW, ["id7", "4.5", "5.5"]),
        ("$[-2:]", ROW, ["4.5", "5.5"]),
        ("$[0:-1]", ROW, ROW),
        ("$[6:]", ROW, []),
        ("$[*]", ROW, ROW),
        ("$.features", DOC, [1, 2, 3]),
        ("$.features[1]", DOC, 2),
        ("$['id','SageMakerOutput']", DOC, {"id": 1, "SageMakerOutput": {"p": 0.9}}),
        ('$["id"]', DOC, 1),
        ("$.meta.*", DOC, ["x", "y"]),
        ("$.SageMakerOutput.p", DOC, 0.9),
        ("$.meta['a','b']", DOC, {"a": "x", "b": "y"}),
        ("$[*].x", [{"x": 1}, {"x": 2}], [1, 2]),
        ("$['a,b']", {"a,b": 3}, 3),
    ],
)
def test_supported_forms(path: str, value: object, expected: object) -> None:
    assert JsonPath.parse(path).apply(value) == expected


def test_root_is_identity() -> None:
    assert JsonPath.parse("$").is_root
    assert not JsonPath.parse("$[0]").is_root


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("features", "must start with '$'"),
        ("$..id", "recursive descent"),
        ("$.f.['c','g.x']", "bracket child after a dot"),
        ("$[?(@.x > 1)]", "filter"),
        ("$[1:2:1]", "steps"),
        ("$[a]", "not an integer"),
        ("$[0", "missing ']'"),
        ("$[]", "empty brackets"),
        ("$[[0]]", "nested brackets"),
        ("$.", "a name must follow"),
        ("$x", "unexpected 'x'"),
        ("$['a', b]", "not a quoted name"),
        ("$." + "a" * 62, "limit is 63"),
    ],
)
def test_unsupported_syntax_is_rejected_with_reason(path: str, fragment: str) -> None:
    with pytest.raises(JsonPathError, match=re.escape(fragment)):
        JsonPath.parse(path)


def test_63_characters_is_allowed() -> None:
    path = "$." + "a" * 61
    assert len(path) == 63
    assert JsonPath.parse(path).apply({"a" * 61: 1}) == 1


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("$[6]", ROW, "index 6 is outside an array of 6"),
        ("$[1:6]", ROW, "slice ends are inclusive"),
        ("$.missing", DOC, "no key 'missing'"),
        ("$['id','nope']", DOC, "no key 'nope'"),
        ("$.id", ROW, "has no key"),
        ("$[0]", DOC, "index needs an array"),
        ("$.id.*", DOC, "'\\*' needs an object or array"),
    ],
)
def test_paths_that_do_not_fit_a_record(path: str, value: object, fragment: str) -> None:
    with pytest.raises(PathMatchError, match=fragment):
        JsonPath.parse(path).apply(value)
