"""Text ops: tokenizer, regex_tokenizer, stopwords_remover, ngram, hashing_term_frequency,
count_vectorizer, idf, word_to_vector. Ports are ``input`` -> ``output``.

Attributes read (absent -> Spark's default; the Scala writer's ``{}`` -> false/0):
* regex_tokenizer: ``regex`` {string}, ``match_gaps`` {boolean, absent: true},
  ``token_min_length`` {int, absent: 1}, ``lowercase_text`` {boolean, absent: true}
* stopwords_remover: ``stop_words`` {list string}, ``case_sensitive`` {boolean}
* ngram: ``n`` {long}
* hashing_term_frequency: ``num_features`` {long}, ``binary`` {boolean},
  ``hashUnsafeBytesVersion`` {int, absent: 1 as in MLeap's reader; Spark 3 writes 2}
* count_vectorizer: ``vocabulary`` {list string}, ``binary`` {boolean}, ``min_tf`` {double}
* idf: ``idf`` {tensor double}
* word_to_vector: ``words`` {list string}, ``indices`` {list long, absent: 0..n-1},
  ``word_vectors`` {list double, word i at [i*size, (i+1)*size)}, ``kernel`` {string default|sqrt}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference_pipeline.mleap.attributes import EMPTY, get_bool, get_float, get_int, get_list, get_str
from inference_pipeline.mleap.frame import LeapFrame, ListColumn, Vector
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError, register_op
from inference_pipeline.mleap.ops.java_regex import compile_java_regex
from inference_pipeline.mleap.ops.models import required_array
from inference_pipeline.mleap.ops.text_math import (
    Csr,
    count_vectorize,
    hashing_tf,
    ngrams,
    regex_tokenize,
    remove_stop_words,
    tokenize,
    word_vectors_average,
)


def _flag(attributes: dict[str, Any], key: str, default: bool) -> bool:
    """A boolean whose absence means Spark's default but whose ``{}`` means false."""
    return default if key not in attributes else get_bool(attributes, key)


class TextOp(Op):
    """One ``input`` column to one ``output`` column; subclasses implement ``compute``."""

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        inputs, outputs = shape.indexed_inputs(), shape.indexed_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(f"expects one input and one output port, got {len(inputs)} and {len(outputs)}")
        self.input, self.output = inputs[0], outputs[0]

    def read(self, frame: LeapFrame) -> list[Any]:
        """The input column as a list of token lists (None for a null list)."""
        return frame.strings(self.input, self.label).values

    def compute(self, frame: LeapFrame) -> ListColumn | Vector:
        raise NotImplementedError

    def transform(self, frame: LeapFrame) -> LeapFrame:
        try:
            column = self.compute(frame)
        except OpError:
            raise
        except ValueError as exc:
            raise OpError(f"{self.label}: {exc}") from None
        return frame.with_column(self.output, column)


def _csr_vector(csr: Csr, size: int | None = None) -> Vector:
    return Vector.from_csr(csr.size if size is None else size, csr.indptr, csr.indices, csr.values)


@register_op("tokenizer")
class TokenizerOp(TextOp):
    def compute(self, frame: LeapFrame) -> ListColumn:
        return ListColumn(tokenize(frame.scalar(self.input, self.label).to_list()))


@register_op("regex_tokenizer")
class RegexTokenizerOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.pattern = get_str(attributes, "regex", "\\s+")
        compile_java_regex(self.pattern)  # fail at load time on an untranslatable pattern
        self.gaps = _flag(attributes, "match_gaps", True)
        self.min_length = get_int(attributes, "token_min_length", 1)
        self.lowercase = _flag(attributes, "lowercase_text", True)

    def compute(self, frame: LeapFrame) -> ListColumn:
        texts = frame.scalar(self.input, self.label).to_list()
        return ListColumn(regex_tokenize(texts, self.pattern, gaps=self.gaps, min_length=self.min_length,
                                         lowercase=self.lowercase))


@register_op("stopwords_remover")
class StopWordsRemoverOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.stop_words = [str(w) for w in get_list(attributes, "stop_words")]
        self.case_sensitive = get_bool(attributes, "case_sensitive")

    def compute(self, frame: LeapFrame) -> ListColumn:
        return ListColumn(remove_stop_words(self.read(frame), self.stop_words, case_sensitive=self.case_sensitive))


@register_op("ngram")
class NGramOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.n = get_int(attributes, "n", 2)
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {self.n}")

    def compute(self, frame: LeapFrame) -> ListColumn:
        return ListColumn(ngrams(self.read(frame), self.n))


@register_op("hashing_term_frequency")
class HashingTermFrequencyOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.num_features = get_int(attributes, "num_features", 1 << 18)
        if self.num_features <= 0:
            raise ValueError(f"num_features must be positive, got {self.num_features}")
        self.binary = get_bool(attributes, "binary")
        version = attributes.get("hashUnsafeBytesVersion")
        self.version = 1 if version in (None, EMPTY) else int(version)
        if self.version not in (1, 2):
            raise ValueError(f"hashUnsafeBytesVersion must be 1 or 2, got {self.version}")

    def compute(self, frame: LeapFrame) -> Vector:
        column = frame.strings(self.input, self.label)
        return _csr_vector(hashing_tf(column.values, self.num_features, binary=self.binary,
                                      version=self.version, base=column.base))


@register_op("count_vectorizer")
class CountVectorizerOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        vocabulary = [str(w) for w in get_list(attributes, "vocabulary")]
        self.vocabulary = {word: i for i, word in enumerate(vocabulary)}  # duplicates: last wins, like toMap
        self.size = len(vocabulary)
        self.binary = get_bool(attributes, "binary")
        self.min_tf = get_float(attributes, "min_tf", 1.0)

    def compute(self, frame: LeapFrame) -> Vector:
        csr = count_vectorize(self.read(frame), self.vocabulary, binary=self.binary, min_tf=self.min_tf)
        return _csr_vector(csr, self.size)


@register_op("idf")
class IDFOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        self.idf = required_array(attributes, "idf")

    def compute(self, frame: LeapFrame) -> Vector:
        vector = frame.vector(self.input, self.label)
        if vector.size != self.idf.size:
            raise ValueError(f"input vectors have size {vector.size} but the IDF model has {self.idf.size} terms")
        if vector.is_dense:
            return Vector.from_dense(vector.to_dense() * self.idf)
        indptr, indices, data = vector.csr()
        return Vector.from_csr(vector.size, indptr, indices, data * self.idf[indices])


@register_op("word_to_vector")
class WordToVectorOp(TextOp):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        words = [str(w) for w in get_list(attributes, "words")]
        indices = [int(i) for i in get_list(attributes, "indices")] or list(range(len(words)))
        if len(indices) != len(words) or not words:
            raise ValueError(f"{len(words)} words but {len(indices)} indices")
        flat = np.asarray(get_list(attributes, "word_vectors"), dtype=np.float64)
        if flat.size % len(words):
            raise ValueError(f"{flat.size} word vector values do not split evenly over {len(words)} words")
        self.vectors = flat.reshape(len(words), -1)
        if max(indices) >= len(words) or min(indices) < 0:
            raise ValueError("word indices are out of range")
        self.word_index = dict(zip(words, indices))
        kernel = get_str(attributes, "kernel", "default") or "default"
        if kernel not in ("default", "sqrt"):
            raise ValueError(f"kernel must be default or sqrt, not {kernel!r}")
        self.sqrt = kernel == "sqrt"

    def compute(self, frame: LeapFrame) -> Vector:
        # Empty sentences give Spark's all-zero (sparse) vector; dense zeros print the same.
        sums, _ = word_vectors_average(self.read(frame), self.word_index, self.vectors, sqrt_kernel=self.sqrt)
        return Vector.from_dense(sums)
