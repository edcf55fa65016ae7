"""Cut one input file into records (SplitType) and pack records into requests (BatchStrategy)."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ...serving.codecs.recordio import MAGIC, FramingError, iter_records
from .config import BatchStrategy, SplitType, TransformConfig
from .errors import FileTransformError

_HEADER = struct.Struct("<II")  # magic, then length (low 29 bits) + continuation flag (top 3)
_LENGTH_MASK = (1 << 29) - 1


def split_lines(data: bytes) -> list[bytes]:
    """Records of a ``Line`` split: no terminators, ``\\r\\n`` handled, blank lines skipped."""
    lines = data.split(b"\n")
    if b"\r" in data:
        lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    return [line for line in lines if line]


def split_recordio(data: bytes) -> list[bytes]:
    """Records of a ``RecordIO`` split, each as its complete frame(s) including padding."""
    try:
        return [data[record.start:record.end] for record in iter_records(data)]
    except FramingError as exc:
        raise FileTransformError(_file_message(exc), first_record=exc.record) from None


def _file_message(exc: FramingError) -> str:
    if exc.kind == "truncated_header":
        return f"RecordIO: truncated header at byte {exc.pos}"
    if exc.kind == "bad_magic":
        return f"RecordIO: bad magic number 0x{exc.magic:08x} at byte {exc.pos} (expected 0x{MAGIC:08x})"
    if exc.kind == "truncated_payload":
        return f"RecordIO: record at byte {exc.pos} claims {exc.length} bytes but the file ends first"
    if exc.kind == "unterminated":
        return f"RecordIO: unterminated multi-part record before byte {exc.pos}"
    if exc.kind == "orphan_continuation":
        return f"RecordIO: continuation frame without a start at byte {exc.pos}"
    if exc.kind == "ends_inside":
        return "RecordIO: file ends inside a multi-part record"
    return f"RecordIO: unknown continuation flag {exc.flag} at byte {exc.pos}"


def recordio_unpadded(record: bytes) -> bytes:
    """Drop the trailing alignment padding of a record's last frame (SingleRecord requests)."""
    pos = 0
    while True:
        length = _HEADER.unpack_from(record, pos)[1] & _LENGTH_MASK
        frame_end = pos + _HEADER.size + length
        padded_end = frame_end + (-length % 4)
        if padded_end >= len(record):
            return record[:frame_end]
        pos = padded_end


def split_records(data: bytes, split_type: SplitType) -> list[bytes]:
    """One file's records; ``SplitType=None`` makes the whole (non-empty) file one record."""
    if split_type is SplitType.LINE:
        return split_lines(data)
    if split_type is SplitType.RECORDIO:
        return split_recordio(data)
    return [data] if data else []


@dataclass(frozen=True)
class MiniBatch:
    """One request: records ``first`` .. ``first + count - 1`` of a file."""

    first: int
    count: int
    payload: bytes

    @property
    def last(self) -> int:
        return self.first + self.count - 1


def plan_batches(records: Sequence[bytes], config: TransformConfig) -> Iterator[MiniBatch]:
    """Requests for one file, in record order, each within MaxPayloadInMB.

    Line records travel with a ``\\n`` terminator (as SageMaker and the SDK send them);
    RecordIO records travel framed; a record that alone exceeds the limit fails the file.
    """
    limit = config.max_payload_bytes
    if config.split_type is SplitType.NONE:
        for index, record in enumerate(records):
            _check_size(index, len(record), limit, "the whole file (SplitType=None)")
            yield MiniBatch(index, 1, record)
        return
    line = config.split_type is SplitType.LINE
    if config.batch_strategy is BatchStrategy.SINGLE_RECORD:
        for index, record in enumerate(records):
            payload = record + b"\n" if line else recordio_unpadded(record)
            _check_size(index, len(payload), limit, f"record {index}")
            yield MiniBatch(index, 1, payload)
        return
    yield from _pack(records, limit, line)


def _pack(records: Sequence[bytes], limit: int | None, line: bool) -> Iterator[MiniBatch]:
    if limit is None:  # MaxPayloadInMB=0: no limit, one request per file
        if records:
            yield _batch(records, 0, len(records), line)
        return
    extra = 1 if line else 0
    start, size = 0, 0
    for index, record in enumerate(records):
        length = len(record) + extra
        if length > limit:
            _check_size(index, length, limit, f"record {index}")
        if size + length > limit:
            yield _batch(records, start, index, line)
            start, size = index, 0
        size += length
    if start < len(records):
        yield _batch(records, start, len(records), line)


def sub_batch(records: Sequence[bytes], start: int, stop: int, split_type: SplitType) -> MiniBatch:
    """The MultiRecord request for records ``start`` .. ``stop - 1``, framed as ``plan_batches`` does."""
    return _batch(records, start, stop, split_type is SplitType.LINE)


def _batch(records: Sequence[bytes], start: int, stop: int, line: bool) -> MiniBatch:
    chunk = records[start:stop]
    payload = b"\n".join(chunk) + b"\n" if line else b"".join(chunk)
    return MiniBatch(start, stop - start, payload)


def _check_size(index: int, size: int, limit: int | None, what: str) -> None:
    if limit is not None and size > limit:
        raise FileTransformError(
            f"{what} is {size} bytes, over MaxPayloadInMB={limit // (1024 * 1024)} ({limit} bytes); "
            "raise MaxPayloadInMB (max 100) or split the input",
            first_record=index,
            last_record=index,
        )
