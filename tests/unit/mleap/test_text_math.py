"""Text transforms (batch math) against hand-computed values and, where Java exists, Spark itself."""

from __future__ import annotations

import numpy as np
import pytest

from inference_pipeline.mleap.ops.text_math import (
    count_vectorize,
    hashing_tf,
    ngrams,
    regex_tokenize,
    remove_stop_words,
    tokenize,
    word_vectors_average,
)

from .spark_fixtures import spark  # noqa: F401  (shared local SparkSession)

DOCS = [
    "Hi I heard about Spark",
    "  I wish Java could use case classes ",
    "Logistic,regression,models are neat",
    "",
    "tab\tseparated\u00a0nbsp  ÜNICODE wörds",
    "a a a b b c d e f g",
]


def test_tokenizer_keeps_leading_and_inner_empties_drops_trailing() -> None:
    assert tokenize(["  A  b  "]) == [["", "", "a", "", "b"]]
    assert tokenize([""]) == [[""]]
    assert tokenize(["   "]) == [[]]


def test_tokenizer_rejects_null() -> None:
    with pytest.raises(ValueError, match="null"):
        tokenize([None])


def test_regex_tokenizer_gaps_and_matches() -> None:
    assert regex_tokenize(["A, b;; C"], "\\W+", gaps=True, min_length=1, lowercase=True) == [["a", "b", "c"]]
    assert regex_tokenize(["A1 bb2"], "[a-z]+", gaps=False, min_length=2, lowercase=False) == [["bb"]]


def test_stop_words_case_sensitivity() -> None:
    rows = [["The", "cat", None, "THE"]]
    assert remove_stop_words(rows, ["the"], case_sensitive=False) == [["cat", None]]
    assert remove_stop_words(rows, ["the"], case_sensitive=True) == [["The", "cat", None, "THE"]]


def test_ngrams_windows() -> None:
    assert ngrams([["a", "b", "c"], ["a"], []], 2) == [["a b", "b c"], [], []]


def test_count_vectorizer_min_tf_absolute_and_fraction() -> None:
    vocab = {"a": 0, "b": 1, "c": 2}
    rows = [["a", "a", "b", "c", "x", "x", "x", "x"]]
    # Fraction: 0.25 * 8 tokens (OOV included) = 2 -> only "a" survives.
    frac = count_vectorize(rows, vocab, binary=False, min_tf=0.25)
    assert frac.to_dense().tolist() == [[2.0, 0.0, 0.0]]
    absolute = count_vectorize(rows, vocab, binary=True, min_tf=1.0)
    assert absolute.to_dense().tolist() == [[1.0, 1.0, 1.0]]


def test_hashing_tf_counts_collide_into_one_bucket() -> None:
    out = hashing_tf([["x", "y", "x"], []], 1, binary=False, version=2)
    assert out.to_dense().tolist() == [[3.0], [0.0]]


def test_word_vectors_average_divides_by_sentence_length() -> None:
    vectors = np.array([[1.0, 2.0], [3.0, 4.0]])
    out, empty = word_vectors_average([["a", "b", "zzz"], []], {"a": 0, "b": 1}, vectors)
    assert np.allclose(out[0], [4.0 / 3, 2.0])
    assert empty.tolist() == [False, True]


@pytest.fixture(scope="module")
def docs_df(spark):
    return spark.createDataFrame([(i, d) for i, d in enumerate(DOCS)], "id int, text string")


def _column(df, name: str) -> list:
    return [r[name] for r in df.orderBy("id").collect()]


@pytest.mark.spark
def test_tokenizers_match_spark(docs_df) -> None:
    from pyspark.ml.feature import RegexTokenizer, Tokenizer

    spark_tokens = _column(Tokenizer(inputCol="text", outputCol="t").transform(docs_df), "t")
    assert tokenize(DOCS) == spark_tokens
    for pattern, gaps, min_len, lower in [("\\s+", True, 1, True), ("\\W", True, 0, False), ("\\w+", False, 3, True)]:
        rt = RegexTokenizer(inputCol="text", outputCol="t", pattern=pattern, gaps=gaps, minTokenLength=min_len, toLowercase=lower)
        expected = _column(rt.transform(docs_df), "t")
        assert regex_tokenize(DOCS, pattern, gaps=gaps, min_length=min_len, lowercase=lower) == expected


@pytest.mark.spark
def test_token_list_transforms_match_spark(docs_df) -> None:
    from pyspark.ml.feature import NGram, StopWordsRemover, Tokenizer

    tokens_df = Tokenizer(inputCol="text", outputCol="tokens").transform(docs_df)
    tokens = _column(tokens_df, "tokens")
    default_stops = StopWordsRemover.loadDefaultStopWords("english")
    for case_sensitive in (False, True):
        swr = StopWordsRemover(inputCol="tokens", outputCol="o", caseSensitive=case_sensitive, locale="en_US")
        expected = _column(swr.transform(tokens_df), "o")
        assert remove_stop_words(tokens, default_stops, case_sensitive=case_sensitive) == expected
    for n in (1, 2, 3):
        expected = _column(NGram(n=n, inputCol="tokens", outputCol="o").transform(tokens_df), "o")
        assert ngrams(tokens, n) == expected


def _spark_dense(values: list) -> np.ndarray:
    return np.array([v.toArray() for v in values])


@pytest.mark.spark
def test_vectorizers_match_spark(docs_df) -> None:
    from pyspark.ml.feature import IDF, CountVectorizer, HashingTF, Tokenizer

    tokens_df = Tokenizer(inputCol="text", outputCol="tokens").transform(docs_df)
    tokens = _column(tokens_df, "tokens")
    for binary in (False, True):
        htf = HashingTF(inputCol="tokens", outputCol="o", numFeatures=64, binary=binary)
        expected = _spark_dense(_column(htf.transform(tokens_df), "o"))
        assert np.array_equal(hashing_tf(tokens, 64, binary=binary, version=2).to_dense(), expected)
    for min_tf, binary in [(1.0, False), (2.0, False), (0.2, False), (0.2, True)]:
        model = CountVectorizer(inputCol="tokens", outputCol="o", minTF=min_tf, binary=binary).fit(tokens_df)
        expected = _spark_dense(_column(model.transform(tokens_df), "o"))
        vocab = {w: i for i, w in enumerate(model.vocabulary)}
        assert np.array_equal(count_vectorize(tokens, vocab, binary=binary, min_tf=min_tf).to_dense(), expected)
    tf_df = HashingTF(inputCol="tokens", outputCol="tf", numFeatures=64).transform(tokens_df)
    idf = IDF(inputCol="tf", outputCol="o").fit(tf_df)
    expected = _spark_dense(_column(idf.transform(tf_df), "o"))
    assert np.allclose(_spark_dense(_column(tf_df, "tf")) * idf.idf.toArray(), expected, rtol=0, atol=0)


@pytest.mark.spark
def test_word2vec_matches_spark(docs_df) -> None:
    from pyspark.ml.feature import Tokenizer, Word2Vec

    tokens_df = Tokenizer(inputCol="text", outputCol="tokens").transform(docs_df)
    model = Word2Vec(inputCol="tokens", outputCol="o", vectorSize=5, minCount=1, seed=3).fit(tokens_df)
    vecs = model.getVectors().collect()
    index = {r["word"]: i for i, r in enumerate(vecs)}
    matrix = np.array([r["vector"].toArray() for r in vecs])
    expected = _spark_dense(_column(model.transform(tokens_df), "o"))
    out, empty = word_vectors_average(_column(tokens_df, "tokens"), index, matrix)
    assert not empty.any()
    assert np.array_equal(out, expected)
