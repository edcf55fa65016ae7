"""Converters for Spark text transformers (tokenizers, n-grams, term frequencies, embeddings)."""

from __future__ import annotations

from pyspark.ml import Transformer

from ..attributes import (
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
from ..bundle import NodeSpec
from .nodes import node
from .params import io_ports, standard_ports, value
from .registry import ExportContext, converter


@converter("Tokenizer")
def tokenizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    return node(stage, "tokenizer", {}, *standard_ports(stage))


@converter("RegexTokenizer")
def regex_tokenizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "regex": attr_string(value(stage, "pattern")),
        "match_gaps": attr_boolean(value(stage, "gaps")),
        "token_min_length": attr_int(value(stage, "minTokenLength")),
        "lowercase_text": attr_boolean(value(stage, "toLowercase")),
    }
    return node(stage, "regex_tokenizer", attributes, *standard_ports(stage))


@converter("StopWordsRemover")
def stop_words_remover(stage: Transformer, ctx: ExportContext) -> NodeSpec | list[NodeSpec]:
    """One node per column: MLeap's StopWordsRemoverModel has a single ``input``/``output`` port
    pair, so a multi-column stage (``input0``.. ports) would not load in MLeap 0.20."""
    attributes = {
        "stop_words": attr_list_string(value(stage, "stopWords")),
        "case_sensitive": attr_boolean(value(stage, "caseSensitive")),
    }
    inputs, outputs = io_ports(stage)
    if len(inputs) == 1:
        return node(stage, "stopwords_remover", attributes, [("input", inputs[0][1])], [("output", outputs[0][1])])
    return [
        node(f"{stage.uid}_{in_col}", "stopwords_remover", attributes, [("input", in_col)], [("output", out_col)])
        for (_, in_col), (_, out_col) in zip(inputs, outputs, strict=True)
    ]


@converter("NGram")
def ngram(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    return node(stage, "ngram", {"n": attr_long(value(stage, "n"))}, *standard_ports(stage))


@converter("HashingTF")
def hashing_tf(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "num_features": attr_long(value(stage, "numFeatures")),
        "binary": attr_boolean(value(stage, "binary")),
        # Spark 3+ hashes strings with hashUnsafeBytes2 (standard murmur3 tail handling).
        "hashUnsafeBytesVersion": attr_int(2),
    }
    return node(stage, "hashing_term_frequency", attributes, *standard_ports(stage))


@converter("CountVectorizerModel")
def count_vectorizer(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    attributes = {
        "vocabulary": attr_list_string(stage.vocabulary),  # type: ignore[attr-defined]
        "binary": attr_boolean(value(stage, "binary")),
        "min_tf": attr_double(value(stage, "minTF")),
    }
    return node(stage, "count_vectorizer", attributes, *standard_ports(stage))


@converter("IDFModel")
def idf(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    idf_values = [float(x) for x in stage.idf.toArray()]  # type: ignore[attr-defined]
    return node(stage, "idf", {"idf": attr_tensor_double(idf_values)}, *standard_ports(stage))


@converter("Word2VecModel")
def word2vec(stage: Transformer, ctx: ExportContext) -> NodeSpec:
    # MLeap stores a word -> row index map and the row-major concatenation of the vectors;
    # any consistent indexing works, so rows are numbered in collection order.
    rows = stage.getVectors().collect()  # type: ignore[attr-defined]
    words = [row["word"] for row in rows]
    flat = [float(x) for row in rows for x in row["vector"].toArray()]
    attributes = {
        "words": attr_list_string(words),
        "indices": attr_list_long(list(range(len(words)))),
        "word_vectors": attr_list_double(flat),
    }
    return node(stage, "word_to_vector", attributes, *standard_ports(stage))
