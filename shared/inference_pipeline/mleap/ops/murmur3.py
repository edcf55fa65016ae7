"""Spark's Murmur3_x86_32 (seed 42 for HashingTF), vectorised over many terms with numpy.

Spark has two byte-array variants and HashingTF picks one by the bundle's ``hashUnsafeBytesVersion``:

* version 2 (``hashUnsafeBytes2``, Spark >= 3.0): standard MurmurHash3 tail handling, i.e. the
  trailing 1-3 bytes are packed little-endian into one block.
* version 1 (``hashUnsafeBytes``, Spark 2.x): each trailing byte is *sign-extended* and mixed in as
  its own block. Also what Spark SQL's ``hash()`` still uses.

All arithmetic is on uint32 arrays; numpy's wrapping multiplication gives Java's int overflow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPARK_SEED = 42

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_M5 = np.uint32(5)
_N1 = np.uint32(0xE6546B64)
_F1 = np.uint32(0x85EBCA6B)
_F2 = np.uint32(0xC2B2AE35)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _mix_k1(k1: np.ndarray) -> np.ndarray:
    return _rotl(k1 * _C1, 15) * _C2


def _mix_h1(h1: np.ndarray, k1: np.ndarray) -> np.ndarray:
    return _rotl(h1 ^ k1, 13) * _M5 + _N1


def _fmix(h1: np.ndarray, length: np.ndarray) -> np.ndarray:
    h1 = h1 ^ length.astype(np.uint32)
    h1 = h1 ^ (h1 >> np.uint32(16))
    h1 = h1 * _F1
    h1 = h1 ^ (h1 >> np.uint32(13))
    h1 = h1 * _F2
    return h1 ^ (h1 >> np.uint32(16))


def _as_int32(h: np.ndarray) -> np.ndarray:
    return h.view(np.int32)


def hash_bytes(values: Sequence[bytes], seed: int = SPARK_SEED, version: int = 2) -> np.ndarray:
    """Hash each byte string; returns int32 hashes equal to Spark's for the given variant."""
    if version not in (1, 2):
        raise ValueError(f"unsupported hashUnsafeBytesVersion {version} (expected 1 or 2)")
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=n)
    width = int(lengths.max()) + 4 - int(lengths.max()) % 4  # room for a padded final block
    padded = np.zeros((n, width), dtype=np.uint8)
    if width:
        flat = np.frombuffer(b"".join(values), dtype=np.uint8)
        rows = np.repeat(np.arange(n), lengths)
        cols = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        padded[rows, cols] = flat
    words = padded.view("<u4").astype(np.uint32)  # little-endian int reads, as on x86
    n_blocks = lengths // 4

    with np.errstate(over="ignore"):
        h1 = np.full(n, np.uint32(seed & 0xFFFFFFFF), dtype=np.uint32)
        for block in range(int(n_blocks.max())):
            active = block < n_blocks
            h1 = np.where(active, _mix_h1(h1, _mix_k1(words[:, block])), h1)

        tail_len = lengths % 4
        tail_start = n_blocks * 4
        if version == 2:
            # Tail bytes are exactly the (zero padded) partial last word.
            tail = words[np.arange(n), np.minimum(n_blocks, words.shape[1] - 1)]
            tail = np.where(tail_len > 0, tail, np.uint32(0))
            h1 = h1 ^ _mix_k1(tail)
        else:
            for i in range(3):
                active = i < tail_len
                idx = np.minimum(tail_start + i, width - 1)
                byte = padded[np.arange(n), idx].astype(np.int8).astype(np.int32).view(np.uint32)
                h1 = np.where(active, _mix_h1(h1, _mix_k1(byte)), h1)
        return _as_int32(_fmix(h1, lengths))


def hash_int(values: np.ndarray, seed: int = SPARK_SEED) -> np.ndarray:
    """Spark ``hashInt`` for int32 inputs (also used for booleans, bytes, shorts and float bits)."""
    k = np.asarray(values, dtype=np.int64).astype(np.int32).view(np.uint32)
    with np.errstate(over="ignore"):
        h1 = _mix_h1(np.full(k.shape, np.uint32(seed), dtype=np.uint32), _mix_k1(k))
        return _as_int32(_fmix(h1, np.full(k.shape, 4)))


def hash_long(values: np.ndarray, seed: int = SPARK_SEED) -> np.ndarray:
    """Spark ``hashLong`` for int64 inputs (also used for the raw bits of doubles)."""
    v = np.asarray(values, dtype=np.int64).view(np.uint64)
    low = (v & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    high = (v >> np.uint64(32)).astype(np.uint32)
    with np.errstate(over="ignore"):
        h1 = _mix_h1(np.full(low.shape, np.uint32(seed), dtype=np.uint32), _mix_k1(low))
        h1 = _mix_h1(h1, _mix_k1(high))
        return _as_int32(_fmix(h1, np.full(low.shape, 8)))


def non_negative_mod(hashes: np.ndarray, mod: int) -> np.ndarray:
    """Spark ``Utils.nonNegativeMod``: Java's ``%`` truncates toward zero, then shift negatives up."""
    h = hashes.astype(np.int64)
    raw = np.fmod(h, mod)
    return np.where(raw < 0, raw + mod, raw)
