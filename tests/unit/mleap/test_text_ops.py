"""Text ops loaded from hand-built bundles: attribute decoding, defaults, chaining, sparse outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import murmurhash3_32

from inference_pipeline.mleap.attributes import (
    attr_boolean,
    attr_double,
    attr_int,
    attr_list_double,
    attr_list_long,
    attr_list_string,
    attr_long,
    attr_string,
    attr_tensor_double,
)
from inference_pipeline.mleap.bundle import Bundle, BundleError, NodeSpec, load_bundle, write_bundle
from inference_pipeline.mleap.frame import LeapFrame, ListColumn, Vector
from inference_pipeline.mleap.ops.base import OpError


def _node(name: str, op: str, attributes: dict, source: str, target: str) -> NodeSpec:
    return NodeSpec(name, op, attributes, [("input", source)], [("output", target)])


def _pipeline(tmp_path: Path, *nodes: NodeSpec) -> Bundle:
    return load_bundle(write_bundle(NodeSpec("pipe", "pipeline", children=list(nodes)), tmp_path / "bundle"))


def _bucket(term: str, size: int) -> int:
    return murmurhash3_32(term.encode(), seed=42) % size  # Python's % is Spark's nonNegativeMod here


def test_tokenize_filter_ngram_hash_idf_chain(tmp_path: Path) -> None:
    idf = np.linspace(0.5, 2.0, 16)
    bundle = _pipeline(
        tmp_path,
        _node("tok", "tokenizer", {}, "text", "words"),
        _node("stop", "stopwords_remover", {"stop_words": attr_list_string(["the", "a"]), "case_sensitive": {}},
              "words", "kept"),
        _node("grams", "ngram", {"n": attr_long(2)}, "kept", "bigrams"),
        _node("tf", "hashing_term_frequency", {"num_features": attr_long(16), "binary": {},
                                               "hashUnsafeBytesVersion": attr_int(2)}, "bigrams", "tf"),
        _node("idf", "idf", {"idf": attr_tensor_double(idf)}, "tf", "tfidf"),
    )
    frame = bundle.transform({"text": ["The quick fox", "a fox The  fox"]})
    assert frame.to_dict()["kept"] == [["quick", "fox"], ["fox", "", "fox"]]
    assert frame.to_dict()["bigrams"] == [["quick fox"], ["fox ", " fox"]]
    tf = frame.columns["tf"]
    assert isinstance(tf, Vector) and not tf.is_dense and tf.size == 16
    expected = np.zeros((2, 16))
    for row, grams in enumerate([["quick fox"], ["fox ", " fox"]]):
        for gram in grams:
            expected[row, _bucket(gram, 16)] += 1
    assert np.array_equal(tf.to_dense(), expected)
    assert np.allclose(frame.columns["tfidf"].to_dense(), expected * idf)


def test_hashing_version_defaults_to_1_when_absent(tmp_path: Path) -> None:
    # "abcde" has a 1-byte tail, where Spark 2's hashUnsafeBytes and Spark 3's hashUnsafeBytes2 differ.
    size = 1 << 20
    v1 = _pipeline(tmp_path / "a", _node("tf", "hashing_term_frequency", {"num_features": attr_long(size)}, "t", "o"))
    v2 = _pipeline(tmp_path / "b", _node("tf", "hashing_term_frequency", {"num_features": attr_long(size),
                                                                         "hashUnsafeBytesVersion": attr_int(2)}, "t", "o"))
    rows = {"t": [["abcde"]]}
    assert v2.transform(rows).columns["o"].csr()[1].tolist() == [_bucket("abcde", size)]
    # Spark 2's value for "abcde" (Spark SQL hash('abcde') = 814637928).
    assert v1.transform(rows).columns["o"].csr()[1].tolist() == [814637928 % size]


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"regex": attr_string("\\W+")}, [["it", "s", "a", "test"]]),  # absent flags: gaps, lowercase, min 1
        ({"regex": attr_string("\\W+"), "match_gaps": attr_boolean(True), "lowercase_text": {},
          "token_min_length": attr_int(2)}, [["It", "TEST"]]),  # {} = false / 0 from the Scala writer
        ({"regex": attr_string("[a-z]+"), "match_gaps": {}, "lowercase_text": attr_boolean(True),
          "token_min_length": {}}, [["it", "s", "a", "test"]]),
    ],
)
def test_regex_tokenizer_attributes(tmp_path: Path, attrs: dict, expected: list) -> None:
    bundle = _pipeline(tmp_path, _node("rt", "regex_tokenizer", attrs, "text", "tokens"))
    assert bundle.transform({"text": ["It's a TEST!"]}).to_dict()["tokens"] == expected


def test_regex_tokenizer_rejects_untranslatable_pattern_at_load(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not supported"):
        _pipeline(tmp_path, _node("rt", "regex_tokenizer", {"regex": attr_string("\\p{L}+")}, "text", "tokens"))


def test_tokenizer_null_input_is_a_request_error(tmp_path: Path) -> None:
    bundle = _pipeline(tmp_path, _node("tok", "tokenizer", {}, "text", "words"))
    with pytest.raises(OpError, match="null"):
        bundle.transform({"text": ["fine", None]})


def test_stop_words_case_sensitive_flag(tmp_path: Path) -> None:
    bundle = _pipeline(tmp_path, _node("stop", "stopwords_remover", {
        "stop_words": attr_list_string(["The"]), "case_sensitive": attr_boolean(True)}, "w", "o"))
    frame = LeapFrame({"w": ListColumn([["The", "the", "cat"]])}, 1)
    assert bundle.transform(frame).to_dict()["o"] == [["the", "cat"]]


def test_count_vectorizer_fractional_min_tf_and_binary(tmp_path: Path) -> None:
    vocab = attr_list_string(["a", "b", "c"])
    counts = _pipeline(tmp_path / "a", _node("cv", "count_vectorizer", {
        "vocabulary": vocab, "binary": {}, "min_tf": attr_double(0.3)}, "w", "o"))
    binary = _pipeline(tmp_path / "b", _node("cv", "count_vectorizer", {
        "vocabulary": vocab, "binary": attr_boolean(True), "min_tf": attr_double(1.0)}, "w", "o"))
    rows = {"w": [["a", "a", "b", "z", "z", "z"], ["c"], []]}
    # Row 0: 0.3 * 6 tokens (OOV counted) = 1.8 -> "a" (2) stays, "b" (1) goes.
    assert counts.transform(rows).columns["o"].to_dense().tolist() == [[2.0, 0, 0], [0, 0, 1.0], [0, 0, 0]]
    assert binary.transform(rows).columns["o"].to_dense().tolist() == [[1.0, 1.0, 0], [0, 0, 1.0], [0, 0, 0]]


@pytest.mark.parametrize(("kernel", "scale"), [(None, "mean"), ("sqrt", "norm")])
def test_word_to_vector_uses_indices_and_kernel(tmp_path: Path, kernel: str | None, scale: str) -> None:
    # Words listed out of index order: "b" owns vector row 0, "a" row 1.
    attrs = {"words": attr_list_string(["a", "b"]), "indices": attr_list_long([1, 0]),
             "word_vectors": attr_list_double([3.0, 4.0, 1.0, 0.0])}
    if kernel:
        attrs["kernel"] = attr_string(kernel)
    bundle = _pipeline(tmp_path, _node("w2v", "word_to_vector", attrs, "w", "v"))
    out = bundle.transform({"w": [["a", "b", "unknown"], []]}).columns["v"].to_dense()
    total = np.array([1.0 + 3.0, 0.0 + 4.0])
    expected = total / 3 if scale == "mean" else total / np.linalg.norm(total)
    assert np.allclose(out[0], expected)
    assert out[1].tolist() == [0.0, 0.0]


def test_idf_rejects_size_mismatch(tmp_path: Path) -> None:
    bundle = _pipeline(tmp_path, _node("idf", "idf", {"idf": attr_tensor_double([1.0, 2.0])}, "v", "o"))
    with pytest.raises(OpError, match="size 3"):
        bundle.transform(LeapFrame({"v": Vector.from_dense(np.ones((1, 3)))}, 1))
