"""Checks a fastText ``.bin``/``.ftz`` file's structure before the C++ loader reads it.

fastText's loader reads with an ``std::ifstream`` and never checks for a short read: the first
10% of a ``model.bin`` loads "fine", with zeros for the missing weights, and answers uniform
probabilities. So the file is walked here first (fastText 0.9 layout, ``FastText::loadModel``):

    int32 magic 793712314, int32 version (<= 12)
    Args: 12 × int32 (dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn,
          maxn, lrUpdateRate), float64 t
    Dictionary: int32 size, int32 nwords, int32 nlabels, int64 ntokens, int64 pruneidx_size,
          size × (word NUL, int64 count, int8 type), pruneidx_size × (int32, int32)
    bool quant_input, input matrix, bool quant_output, output matrix
    DenseMatrix: int64 m, int64 n, m × n float32

A dense (``.bin``) model must end exactly after its output matrix; a quantized one (``.ftz``,
product-quantized matrices) is checked up to its dictionary.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from inference_pipeline.serving.errors import ModelLoadError

MAGIC = 793712314
MAX_VERSION = 12
_ARGS = struct.Struct("<12id")
_DICT_HEADER = struct.Struct("<iiiqq")
_MATRIX_HEADER = struct.Struct("<qq")
_SUPERVISED = 3  # model_name::sup


class _Reader:
    def __init__(self, data: bytes | mmap.mmap, name: str) -> None:
        self.data, self.pos, self.name = data, 0, name

    def take(self, size: int, what: str) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise ModelLoadError(f"{self.name} is truncated or corrupt: {what} at byte {self.pos} needs {size} "
                                 f"bytes, the file has {len(self.data) - self.pos} left ({len(self.data)} bytes)")
        chunk = self.data[self.pos:self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, layout: struct.Struct, what: str) -> tuple[int | float, ...]:
        return layout.unpack(self.take(layout.size, what))

    def word(self, index: int) -> None:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise ModelLoadError(f"{self.name} is truncated or corrupt: dictionary entry {index} never ends")
        self.pos = end + 1
        self.take(9, f"dictionary entry {index}")  # int64 count + int8 type


def _dense_matrix(reader: _Reader, what: str, rows_expected: int | None, dim: int) -> None:
    m, n = reader.unpack(_MATRIX_HEADER, f"the {what} matrix header")
    assert isinstance(m, int) and isinstance(n, int)
    if m < 0 or n != dim or (rows_expected is not None and m != rows_expected):
        expected = f"{rows_expected} × {dim}" if rows_expected is not None else f"n × {dim}"
        raise ModelLoadError(f"{reader.name} is corrupt: the {what} matrix is {m} × {n}, expected {expected}")
    reader.take(m * n * 4, f"the {what} matrix ({m} × {n} float32)")


def check_model_file(path: Path) -> None:
    """ModelLoadError with a one-line reason when ``path`` is not a complete fastText model."""
    try:
        with path.open("rb") as handle:
            if path.stat().st_size == 0:
                raise ModelLoadError(f"{path.name} is empty")
            # Mapped, not read: the matrices (most of the file) are only measured.
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                _check(_Reader(data, path.name))
    except OSError as exc:
        raise ModelLoadError(f"cannot read {path}: {exc}") from None


def _check(reader: _Reader) -> None:
    name = reader.name
    magic, version = struct.unpack("<ii", reader.take(8, "the magic number and version"))
    if magic != MAGIC:
        raise ModelLoadError(f"{name} is not a fastText model (magic {magic:#x}, expected {MAGIC:#x})")
    if not 0 < version <= MAX_VERSION:
        raise ModelLoadError(f"{name} has fastText format version {version}; this image reads up to {MAX_VERSION}")
    args = reader.unpack(_ARGS, "the training arguments")
    dim, model, bucket = int(args[0]), int(args[7]), int(args[8])
    if dim <= 0 or bucket < 0:
        raise ModelLoadError(f"{name} is corrupt: dim {dim}, bucket {bucket}")
    size, nwords, nlabels, _, pruneidx_size = (int(v) for v in reader.unpack(_DICT_HEADER, "the dictionary header"))
    if size < 0 or nwords < 0 or nlabels < 0 or nwords + nlabels != size or pruneidx_size < -1:
        raise ModelLoadError(f"{name} is corrupt: dictionary of {size} entries with {nwords} words and "
                             f"{nlabels} labels")
    for index in range(size):
        reader.word(index)
    reader.take(max(pruneidx_size, 0) * 8, "the pruned-index table")
    if reader.take(1, "the quantization flag")[0]:
        return  # .ftz: product-quantized matrices, checked by fastText itself
    # Pruned (quantized-then-dequantized) models keep fewer rows; otherwise nwords + bucket.
    _dense_matrix(reader, "input", nwords + bucket if pruneidx_size <= 0 else None, dim)
    if reader.take(1, "the output quantization flag")[0]:
        return
    _dense_matrix(reader, "output", nlabels if model == _SUPERVISED else nwords, dim)
    left = len(reader.data) - reader.pos
    if left:
        raise ModelLoadError(f"{name} is corrupt: {left} unexpected bytes after the output matrix")
