"""Spark's Murmur3 variants: standard MurmurHash3 (v2) against scikit-learn, every variant against Spark."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils import murmurhash3_32

from inference_pipeline.mleap.ops.murmur3 import hash_bytes, hash_int, hash_long, non_negative_mod

from .spark_fixtures import spark  # noqa: F401  (shared local SparkSession)

TERMS = ["", "a", "ab", "abc", "abcd", "abcde", "héllo wörld", "日本語のテキスト", "spark\tml", "x" * 37]


def test_v2_is_standard_murmur3_for_all_tail_lengths() -> None:
    rng = np.random.default_rng(7)
    blobs = [bytes(rng.integers(0, 256, size=int(n), dtype=np.uint8)) for n in rng.integers(0, 40, 500)]
    blobs += [t.encode() for t in TERMS]
    expected = [murmurhash3_32(b, seed=42) for b in blobs]
    assert hash_bytes(blobs, version=2).tolist() == expected


def test_v1_differs_from_v2_only_when_there_is_a_tail() -> None:
    aligned = [b"abcd", b"12345678", b""]
    assert hash_bytes(aligned, version=1).tolist() == hash_bytes(aligned, version=2).tolist()
    # Bytes >= 0x80 are sign-extended by the v1 tail loop, so non-ASCII tails must differ too.
    for tail in (b"abcde", "é".encode(), b"\xff\xfe\xfd"):
        assert hash_bytes([tail], version=1)[0] != hash_bytes([tail], version=2)[0]


def test_unknown_version_is_rejected() -> None:
    with pytest.raises(ValueError, match="hashUnsafeBytesVersion"):
        hash_bytes([b"a"], version=3)


def test_non_negative_mod_follows_java_remainder() -> None:
    hashes = np.array([-7, 7, -2**31, 2**31 - 1, 0], dtype=np.int32)
    assert non_negative_mod(hashes, 5).tolist() == [3, 2, 2, 2, 0]



@pytest.mark.spark
def test_all_variants_match_spark(spark) -> None:
    from pyspark.ml.feature import HashingTF
    from pyspark.sql import functions as F

    df = spark.createDataFrame([(t, i - 3, (i - 3) * 10**12) for i, t in enumerate(TERMS)], "s string, i int, l long")
    # Spark SQL's hash() is Murmur3 seed 42 with the legacy (v1) byte hashing, hashInt and hashLong.
    rows = df.select(F.hash("s"), F.hash("i"), F.hash("l")).collect()
    blobs = [t.encode() for t in TERMS]
    assert hash_bytes(blobs, version=1).tolist() == [r[0] for r in rows]
    assert hash_int(np.arange(len(TERMS)) - 3).tolist() == [r[1] for r in rows]
    assert hash_long((np.arange(len(TERMS)) - 3) * 10**12).tolist() == [r[2] for r in rows]
    # HashingTF (Spark 3+) uses hashUnsafeBytes2 followed by nonNegativeMod.
    tf = HashingTF(numFeatures=1 << 18)
    assert non_negative_mod(hash_bytes(blobs, version=2), 1 << 18).tolist() == [tf.indexOf(t) for t in TERMS]
