"""Batch implementations of Spark's text feature transforms (no frame or bundle types here).

Token lists are Python lists (strings are inherently per-row), but the expensive parts run once per
batch: terms are hashed or looked up once per distinct term, and counts are accumulated with numpy
into a CSR triple ``(indptr, indices, values)`` whose rows hold sorted, unique indices, which is
the layout of Spark's sparse vectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .java_regex import compile_java_regex, java_find_all, java_split
from .murmur3 import SPARK_SEED, hash_bytes, hash_int, hash_long, non_negative_mod

_WHITESPACE = compile_java_regex("\\s")


@dataclass(frozen=True)
class Csr:
    """Rows of a sparse matrix: row ``i`` is ``indices[indptr[i]:indptr[i+1]]`` (sorted, unique)."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    size: int

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.values[lo:hi]

    def to_dense(self) -> np.ndarray:
        out = np.zeros((self.indptr.size - 1, self.size))
        rows = np.repeat(np.arange(self.indptr.size - 1), np.diff(self.indptr))
        out[rows, self.indices] = self.values
        return out


def _require_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} input must be a string, got {'null' if value is None else type(value).__name__}")
    return value


def _require_tokens(value: object, what: str) -> Sequence[Any]:
    if value is None or isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{what} input must be a list, got {'null' if value is None else type(value).__name__}")
    return value


def tokenize(texts: Sequence[object]) -> list[list[str]]:
    """Spark ``Tokenizer``: ``text.toLowerCase.split("\\\\s")`` with Java split rules."""
    return [java_split(_WHITESPACE, _require_text(t, "tokenizer").lower()) for t in texts]


def regex_tokenize(
    texts: Sequence[object], pattern: str, *, gaps: bool, min_length: int, lowercase: bool
) -> list[list[str]]:
    """Spark ``RegexTokenizer``: split on (gaps) or collect (not gaps) matches, drop short tokens."""
    regex = compile_java_regex(pattern)
    out = []
    for t in texts:
        text = _require_text(t, "regex_tokenizer")
        text = text.lower() if lowercase else text
        tokens = java_split(regex, text) if gaps else java_find_all(regex, text)
        # Java String.length counts UTF-16 code units, so astral characters count twice.
        out.append([tok for tok in tokens if _utf16_len(tok) >= min_length])
    return out


def _utf16_len(s: str) -> int:
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def remove_stop_words(rows: Sequence[object], stop_words: Sequence[str], *, case_sensitive: bool) -> list[list]:
    """Spark ``StopWordsRemover``; nulls inside a token list are kept (they never match)."""
    if case_sensitive:
        stops = set(stop_words)
        return [[tok for tok in _require_tokens(r, "stopwords_remover") if tok not in stops] for r in rows]
    lowered = {w.lower() for w in stop_words}
    return [
        [tok for tok in _require_tokens(r, "stopwords_remover") if tok is None or tok.lower() not in lowered]
        for r in rows
    ]


def ngrams(rows: Sequence[object], n: int) -> list[list[str]]:
    """Spark ``NGram``: space-joined sliding windows of ``n`` tokens; shorter inputs give ``[]``."""
    if n < 1:
        raise ValueError(f"ngram n must be >= 1, got {n}")
    out = []
    for r in rows:
        tokens = [_ngram_part(t) for t in _require_tokens(r, "ngram")]
        out.append([" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)])
    return out


def _ngram_part(token: object) -> str:
    return "null" if token is None else str(token)  # Scala mkString prints null as "null"


def _count(row_ids: np.ndarray, cols: np.ndarray, n_rows: int, size: int, binary: bool) -> Csr:
    """Aggregate (row, col) occurrences into sorted CSR counts (1.0 each when binary)."""
    keys = row_ids.astype(np.int64) * size + cols.astype(np.int64)
    uniq, counts = np.unique(keys, return_counts=True)
    rows = uniq // size
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    values = np.ones(uniq.size) if binary else counts.astype(np.float64)
    return Csr(np.cumsum(indptr), (uniq % size).astype(np.int64), values, size)


def _flatten(rows: Sequence[object], what: str) -> tuple[list, np.ndarray]:
    lists = [_require_tokens(r, what) for r in rows]
    terms = [t for r in lists for t in r]
    row_ids = np.repeat(np.arange(len(lists)), [len(r) for r in lists])
    return terms, row_ids


_INT_BASES = ("int", "short", "byte")


def term_hashes(terms: Sequence[object], version: int, base: str | None = None) -> np.ndarray:
    """Spark's ``FeatureHasher.murmur3Hash`` for each term.

    The list's element ``base`` type decides how numbers hash, as the JVM type would (int/short/byte:
    hashInt; long: hashLong; float: hashInt of the float bits; double: hashLong of the double
    bits). Without one, Python ints in int32 range hash as Int. Strings hash their UTF-8 bytes.
    """
    out = np.empty(len(terms), dtype=np.int32)
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(terms):
        if t is None:
            kind = "null"
        elif isinstance(t, (bool, np.bool_)):
            kind = "bool"
        elif isinstance(t, str):
            kind = "str"
        elif isinstance(t, (int, float, np.integer, np.floating)):
            kind = base if base in ("long", "float", "double", *_INT_BASES) else (
                "double" if isinstance(t, (float, np.floating)) else "int?")
        else:
            raise ValueError(f"HashingTF with murmur3 does not support terms of type {type(t).__name__}")
        groups.setdefault(kind, []).append(i)
    for kind, idx in groups.items():
        items = [terms[i] for i in idx]
        if kind == "str":
            uniq = list(dict.fromkeys(items))
            codes = dict(zip(uniq, hash_bytes([str(u).encode("utf-8") for u in uniq], version=version).tolist()))
            out[idx] = [codes[u] for u in items]
        elif kind == "null":
            out[idx] = SPARK_SEED
        elif kind in ("bool", *_INT_BASES):
            out[idx] = hash_int(np.array(items, dtype=np.int64))
        elif kind == "long":
            out[idx] = hash_long(np.array(items, dtype=np.int64))
        elif kind == "float":
            out[idx] = hash_int(np.array(items, dtype=np.float32).view(np.int32))
        elif kind == "double":
            out[idx] = hash_long(np.array(items, dtype=np.float64).view(np.int64))
        else:  # "int?": untyped Python ints
            vals = np.array(items, dtype=np.int64)
            small = (vals >= -(2**31)) & (vals < 2**31)
            where = np.asarray(idx)
            out[where[small]] = hash_int(vals[small])
            out[where[~small]] = hash_long(vals[~small])
    return out


def hashing_tf(rows: Sequence[object], num_features: int, *, binary: bool, version: int,
               base: str | None = None) -> Csr:
    """Spark ``HashingTF``: term counts at ``nonNegativeMod(murmur3(term), numFeatures)``."""
    if num_features <= 0:
        raise ValueError(f"num_features must be positive, got {num_features}")
    terms, row_ids = _flatten(rows, "hashing_term_frequency")
    cols = non_negative_mod(term_hashes(terms, version, base), num_features)
    return _count(row_ids, cols, len(rows), num_features, binary)


def count_vectorize(rows: Sequence[object], vocabulary: Mapping[str, int], *, binary: bool, min_tf: float) -> Csr:
    """Spark ``CountVectorizerModel``: vocabulary counts kept when ``count >= effective minTF``.

    ``min_tf >= 1`` is an absolute count; below 1 it is a fraction of the row's token count,
    out-of-vocabulary tokens included.
    """
    terms, row_ids = _flatten(rows, "count_vectorizer")
    lengths = np.bincount(row_ids, minlength=len(rows)).astype(np.float64)
    cols = np.fromiter((vocabulary.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))
    known = cols >= 0
    counts = _count(row_ids[known], cols[known], len(rows), len(vocabulary), binary=False)
    effective = np.full(len(rows), min_tf) if min_tf >= 1.0 else lengths * min_tf
    per_entry_min = np.repeat(effective, np.diff(counts.indptr))
    keep = counts.values >= per_entry_min
    row_of = np.repeat(np.arange(len(rows)), np.diff(counts.indptr))[keep]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.add.at(indptr, row_of + 1, 1)
    values = np.ones(int(keep.sum())) if binary else counts.values[keep]
    return Csr(np.cumsum(indptr), counts.indices[keep], values, counts.size)


def word_vectors_average(
    rows: Sequence[object], word_index: Mapping[str, int], vectors: np.ndarray, *, sqrt_kernel: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Spark ``Word2VecModel``: sum of known word vectors divided by the sentence length.

    Returns (dense sums, empty-row mask); Spark emits an all-zero *sparse* vector for empty rows.
    MLeap's optional ``sqrt`` kernel divides by the L2 norm of the sum instead.
    """
    terms, row_ids = _flatten(rows, "word_to_vector")
    lengths = np.bincount(row_ids, minlength=len(rows))
    cols = np.fromiter((word_index.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))
    known = cols >= 0
    sums = np.zeros((len(rows), vectors.shape[1]))
    np.add.at(sums, row_ids[known], vectors[cols[known]])
    if sqrt_kernel:
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = sums / norms
    else:
        out = sums * (1.0 / np.maximum(lengths, 1))[:, None]  # Spark scales by 1/n, not x/n
    empty = lengths == 0
    out[empty] = 0.0  # an empty sentence short-circuits to the zero vector before any kernel
    return out, empty
