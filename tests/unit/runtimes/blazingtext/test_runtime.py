"""BlazingText request parsing and artifact discovery (no fastText needed)."""

from __future__ import annotations

import re

import pytest

from inference_pipeline.runtimes.blazingtext.runtime import (
    WordVectors,
    find_artifact,
    parse_instances,
    parse_source_lines,
)
from inference_pipeline.serving.errors import BadRequest, ModelLoadError


def test_instances_and_k():
    assert parse_instances('{"instances": ["a b", "c\\nd"]}') == (["a b", "c d"], 1)
    assert parse_instances('{"instances": [], "configuration": {"k": 3}}') == ([], 3)
    assert parse_instances('{"instances": ["x"], "configuration": null}') == (["x"], 1)
    for body, message in [('{"instances": ["x"], "configuration": {"k": true}}', "got true"),
                          ('{"instances": ["x"], "configuration": {"k": 1001}}', "from 1 to 1000"),
                          ('{"instances": ["x"], "configuration": [1]}', '"configuration" must be an object'),
                          ('{"instances": [null]}', "instances[0] must be a string, got null")]:
        with pytest.raises(BadRequest, match=re.escape(message)):
            parse_instances(body)


def test_source_lines():
    assert parse_source_lines('{"source": "a"}\n\n{"source": "b", "k": 2}\n') == [("a", 1), ("b", 2)]
    for body, message in [("\n\n", "has no records"), ('{"text": "a"}', 'line 1: expected {"source"'),
                          ('{"source": 5}', "line 1 source must be a string")]:
        with pytest.raises(BadRequest, match=re.escape(message)):
            parse_source_lines(body)


def test_artifact_discovery(tmp_path):
    with pytest.raises(ModelLoadError, match="no model.bin"):
        find_artifact(tmp_path)
    (tmp_path / "vectors.bin").write_bytes(b"\0")
    with pytest.raises(ModelLoadError, match="keep the vectors.txt"):
        find_artifact(tmp_path)
    (tmp_path / "wiki.vec").write_text("1 2\nword 0.5 -1\n")
    assert find_artifact(tmp_path).name == "wiki.vec"
    (tmp_path / "model.bin").write_bytes(b"\0")
    assert find_artifact(tmp_path).name == "model.bin"


def test_word_vectors_text_format(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("2 3\nhello 0.1 0.2 0.3 \nworld -1 0 1e-3\n")
    vectors = WordVectors(path)
    assert vectors.lookup(["world", "nope"]) == [{"vector": [-1.0, 0.0, 0.001], "word": "world"},
                                                 {"vector": [0.0, 0.0, 0.0], "word": "nope"}]
    for text, message in [("2 3\nhello 0.1 0.2 0.3\n", "declares 2 words but holds 1"),
                          ("1 3\nhello 0.1 0.2\n", "line 2: expected a word and 3 values"),
                          ("x y\n", "not a word-vector text file"), ("1 1\nw abc\n", "not a word-vector")]:
        path.write_text(text)
        with pytest.raises(ModelLoadError, match=re.escape(message)):
            WordVectors(path)
