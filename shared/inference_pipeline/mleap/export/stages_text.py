"""Converters for Spark text transformers (tokenizers, n-grams, term frequencies, embeddings)."""

from __future__ import annotations

from pyspark.ml import Transformer

from ..bundle import NodeSpec
from . import values as V
from .params import io_ports, value
from .registry import ExportContext, converter


def _standard_io(stage: Transformer) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return [("input", value(stage, "inputCol"))], [("output", value(stage, "outputCol"))]


@converter("Tokenizer")
def tokenizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    return V.node(stage, "tokenizer", {}, *_standard_io(stage))


@converter("RegexTokenizer")
def regex_tokenizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "regex": V.string(value(stage, "pattern")),
        "match_gaps": V.boolean(value(stage, "gaps")),
        "token_min_length": V.int_(value(stage, "minTokenLength")),
        "lowercase_text": V.boolean(value(stage, "toLowercase")),
    }
    return V.node(stage, "regex_tokenizer", attributes, *_standard_io(stage))


@converter("StopWordsRemover")
def stop_words_remover(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "stop_words": V.strings(value(stage, "stopWords")),
        "case_sensitive": V.boolean(value(stage, "caseSensitive")),
    }
    return V.node(stage, "stopwords_remover", attributes, *io_ports(stage))


@converter("NGram")
def ngram(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    return V.node(stage, "ngram", {"n": V.long(value(stage, "n"))}, *_standard_io(stage))


@converter("HashingTF")
def hashing_tf(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "num_features": V.long(value(stage, "numFeatures")),
        "binary": V.boolean(value(stage, "binary")),
        # Spark 3+ hashes strings with hashUnsafeBytes2 (standard murmur3 tail handling).
        "hashUnsafeBytesVersion": V.int_(2),
    }
    return V.node(stage, "hashing_term_frequency", attributes, *_standard_io(stage))


@converter("CountVectorizerModel")
def count_vectorizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "vocabulary": V.strings(stage.vocabulary),  # type: ignore[attr-defined]
        "binary": V.boolean(value(stage, "binary")),
        "min_tf": V.double(value(stage, "minTF")),
    }
    return V.node(stage, "count_vectorizer", attributes, *_standard_io(stage))


@converter("IDFModel")
def idf(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    idf_values = [float(x) for x in stage.idf.toArray()]  # type: ignore[attr-defined]
    return V.node(stage, "idf", {"idf": V.vector(idf_values)}, *_standard_io(stage))


@converter("Word2VecModel")
def word2vec(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    # MLeap stores a word -> row index map and the row-major concatenation of the vectors;
    # any consistent indexing works, so rows are numbered in collection order.
    rows = stage.getVectors().collect()  # type: ignore[attr-defined]
    words = [row["word"] for row in rows]
    flat = [float(x) for row in rows for x in row["vector"].toArray()]
    attributes = {
        "words": V.strings(words),
        "indices": V.longs(list(range(len(words)))),
        "word_vectors": V.doubles(flat),
    }
    return V.node(stage, "word_to_vector", attributes, *_standard_io(stage))
