"""SageMaker's RecordIO-framed ``Record`` protobuf (``application/x-recordio-protobuf``).

Framing (dmlc/MXNet RecordIO, as ``sagemaker.amazon.common`` writes it): ``uint32`` magic
``0xced7230a``, ``uint32`` header (low 29 bits: length; top 3 bits: continuation flag, 0 for
a whole record), payload, zero padding to a multiple of 4 bytes; both words little endian.
dmlc's writer splits a payload wherever the magic word appears 4-byte aligned in it (flags
1 start, 2 middle, 3 end; the magic is dropped at each cut): the reader joins such parts
back. The writer, like the SDK's, always writes whole records.

Payload (``record.proto`` in the SDK)::

    Record  { map<string, Value> features = 1; map<string, Value> label = 2; ... }
    Value   { oneof { Float32Tensor float32_tensor = 2; Float64Tensor float64_tensor = 3;
                      Int32Tensor int32_tensor = 7; Bytes bytes = 9; } }
    *Tensor { repeated <type> values = 1 [packed]; repeated uint64 keys = 2 [packed];
              repeated uint64 shape = 3 [packed]; }

A tensor with ``keys`` is sparse and needs ``shape``; it is densified on decode. Messages
name records 1-based, like CSV rows.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from inference_pipeline.serving.codecs import limits
from inference_pipeline.serving.codecs import protobuf_wire as wire
from inference_pipeline.serving.codecs.limits import check_cells
from inference_pipeline.serving.errors import BadRequest

MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", MAGIC)
_HEADER = struct.Struct("<II")
_LENGTH_BITS = 29
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1
_WHOLE, _START, _MIDDLE, _END = 0, 1, 2, 3

FLOAT32_TENSOR, FLOAT64_TENSOR, INT32_TENSOR, BYTES = 2, 3, 7, 9
_TENSOR_KINDS = {FLOAT32_TENSOR: "float32", FLOAT64_TENSOR: "float64", INT32_TENSOR: "int32"}
_FEATURES, _LABEL = 1, 2


def _pad(length: int) -> int:
    return (length + 3) & ~3


class FramingError(ValueError):
    """A RecordIO stream that cannot be cut into records; ``kind`` says how it is broken.

    Kinds: ``truncated_header``, ``bad_magic``, ``truncated_payload``, ``unterminated`` (a
    whole or start frame inside a multi-part record), ``orphan_continuation`` (a middle or end
    frame without a start), ``bad_flag``, ``ends_inside`` (the data ends in a multi-part record).
    """

    def __init__(self, kind: str, *, pos: int, record: int, magic: int = 0, length: int = 0,
                 remaining: int = 0, flag: int = 0) -> None:
        super().__init__(kind)
        self.kind, self.pos, self.record = kind, pos, record
        self.magic, self.length, self.remaining, self.flag = magic, length, remaining, flag


@dataclass(frozen=True)
class RawRecord:
    """One record of a stream: its frames span ``data[start:end]`` (padding included)."""

    start: int
    end: int
    payload: bytes


def iter_records(data: bytes) -> Iterator[RawRecord]:
    """The records of a RecordIO stream, multi-part records joined; FramingError when broken.

    The single parser of RecordIO framing: the codec reads payloads from it, Batch Transform
    splits files with it.
    """
    parts: list[bytes] | None = None  # a multi-part record being joined
    first = 0  # where that record's first frame starts
    count = 0
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < _HEADER.size:
            raise FramingError("truncated_header", pos=pos, record=count, remaining=end - pos)
        magic, header = _HEADER.unpack_from(data, pos)
        if magic != MAGIC:
            raise FramingError("bad_magic", pos=pos, record=count, magic=magic)
        flag, length = header >> _LENGTH_BITS, header & _LENGTH_MASK
        start = pos + _HEADER.size
        if start + length > end:
            raise FramingError("truncated_payload", pos=pos, record=count, length=length,
                               remaining=end - start)
        payload = data[start:start + length]
        frame_pos, pos = pos, min(start + _pad(length), end)  # the last record's padding may be missing
        if flag in (_WHOLE, _START) and parts is not None:
            raise FramingError("unterminated", pos=frame_pos, record=count, flag=flag)
        if flag in (_MIDDLE, _END) and parts is None:
            raise FramingError("orphan_continuation", pos=frame_pos, record=count, flag=flag)
        if flag == _WHOLE:
            count += 1
            yield RawRecord(frame_pos, pos, payload)
        elif flag == _START:
            first, parts = frame_pos, [payload]
        elif flag in (_MIDDLE, _END):
            assert parts is not None
            parts.append(payload)
            if flag == _END:
                count += 1
                yield RawRecord(first, pos, _MAGIC_BYTES.join(parts))
                parts = None
        else:
            raise FramingError("bad_flag", pos=frame_pos, record=count, flag=flag)
    if parts is not None:
        raise FramingError("ends_inside", pos=end, record=count)


def read_recordio(data: bytes) -> list[bytes]:
    """The payloads of a RecordIO stream; BadRequest names the broken record (1-based)."""
    try:
        return [record.payload for record in iter_records(data)]
    except FramingError as exc:
        raise BadRequest(_request_message(exc)) from None


def _request_message(exc: FramingError) -> str:
    where = f"record {exc.record + 1}"
    if exc.kind == "truncated_header":
        return f"{where}: truncated RecordIO header at byte {exc.pos} ({exc.remaining} bytes left)"
    if exc.kind == "bad_magic":
        return f"{where}: bad RecordIO magic {exc.magic:#010x} at byte {exc.pos}; expected {MAGIC:#010x}"
    if exc.kind == "truncated_payload":
        return (f"{where}: truncated; the header at byte {exc.pos} declares {exc.length} bytes "
                f"but {exc.remaining} remain")
    if exc.kind == "ends_inside":
        return f"{where}: the body ends inside a multi-part record"
    return f"{where}: unexpected RecordIO continuation flag {exc.flag} at byte {exc.pos}"


def write_recordio(records: Iterable[bytes]) -> bytes:
    """Frame payloads as whole RecordIO records (flag 0), zero-padded to 4 bytes."""
    out = bytearray()
    for record in records:
        if len(record) > _LENGTH_MASK:
            raise ValueError(f"a RecordIO record holds at most {_LENGTH_MASK} bytes, got {len(record)}")
        out += _HEADER.pack(MAGIC, len(record))
        out += record
        out += bytes(_pad(len(record)) - len(record))
    return bytes(out)


class TensorError(ValueError):
    """A tensor whose values, keys and shape disagree."""


@dataclass
class Tensor:
    """One ``*Tensor`` message; ``values`` as float64 whatever ``kind`` it was stored as."""

    values: np.ndarray
    keys: list[int] = field(default_factory=list)
    shape: list[int] = field(default_factory=list)
    kind: str = "float32"

    def dense(self, max_cells: int | None = None) -> np.ndarray:
        """The tensor flattened to 1-D float64; sparse ones are densified with zeros.

        Densifying allocates the product of ``shape``, which the request chooses: it is
        checked against ``max_cells`` (default ``limits.max_cells()``; PayloadTooLarge).
        """
        if not self.keys and (len(self.values) or not self.shape):
            if self.shape and math.prod(self.shape) != len(self.values):
                raise TensorError(f"{len(self.values)} values do not fill shape {self.shape}")
            return self.values
        # Sparse (an all-zero sparse row has a shape but neither keys nor values).
        if not self.shape:
            raise TensorError("a sparse tensor (with keys) needs a shape")
        if len(self.keys) != len(self.values):
            raise TensorError(f"{len(self.keys)} keys for {len(self.values)} values")
        size = math.prod(self.shape)
        check_cells(size, f"a sparse tensor of shape {self.shape}", max_cells)
        largest = max(self.keys, default=-1)  # in Python: a 10-byte varint overflows uint64
        if largest >= size:
            raise TensorError(f"key {largest} is outside shape {self.shape}")
        out = np.zeros(size, dtype=np.float64)
        out[np.asarray(self.keys, dtype=np.intp)] = self.values
        return out


def _varints(wire_type: int, value: int | bytes) -> list[int]:
    if wire_type == wire.VARINT:
        return [value]  # type: ignore[list-item]
    if wire_type == wire.LENGTH:
        return wire.unpack_varints(value)  # type: ignore[arg-type]
    raise wire.WireError(f"wire type {wire_type} where varints belong")


def _floats(wire_type: int, value: int | bytes, kind: int) -> np.ndarray:
    dtype, fixed = ("<f4", wire.FIXED32) if kind == FLOAT32_TENSOR else ("<f8", wire.FIXED64)
    if wire_type not in (wire.LENGTH, fixed) or not isinstance(value, bytes):
        raise wire.WireError(f"wire type {wire_type} where {dtype[1:]}-byte floats belong")
    if len(value) % int(dtype[2]):
        raise wire.WireError(f"packed floats of {len(value)} bytes")
    return np.frombuffer(value, dtype=dtype)


def parse_tensor(payload: bytes, kind: int) -> Tensor:
    chunks: list[np.ndarray] = []
    keys: list[int] = []
    shape: list[int] = []
    for number, wire_type, value in wire.iter_fields(payload):
        if number == 1:
            if kind == INT32_TENSOR:
                ints = [wire.signed32(v) for v in _varints(wire_type, value)]
                chunks.append(np.asarray(ints, dtype=np.float64))
            else:
                chunks.append(_floats(wire_type, value, kind))
        elif number == 2:
            keys.extend(_varints(wire_type, value))
        elif number == 3:
            shape.extend(_varints(wire_type, value))
    values = np.concatenate(chunks).astype(np.float64) if chunks else np.zeros(0)
    return Tensor(values, keys, shape, _TENSOR_KINDS[kind])


def _parse_value(payload: bytes) -> Tensor | None:
    tensor = None
    for number, wire_type, value in wire.iter_fields(payload):
        if number in _TENSOR_KINDS:
            if wire_type != wire.LENGTH:
                raise wire.WireError(f"Value field {number} is not length-delimited")
            tensor = parse_tensor(value, number)  # type: ignore[arg-type]
        elif number == BYTES:
            tensor = None  # oneof: the last field set wins; bytes are not numeric features
    return tensor


def parse_record(payload: bytes) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """(features, label) of one Record; values that are not tensors are left out."""
    maps: dict[int, dict[str, Tensor]] = {_FEATURES: {}, _LABEL: {}}
    for number, wire_type, entry in wire.iter_fields(payload):
        if number not in maps:
            continue  # uid, metadata, configuration
        if wire_type != wire.LENGTH:
            raise wire.WireError(f"Record field {number} is not length-delimited")
        name, tensor = "", None
        for entry_field, entry_type, value in wire.iter_fields(entry):  # type: ignore[arg-type]
            if entry_type != wire.LENGTH:
                raise wire.WireError(f"map entry field {entry_field} is not length-delimited")
            if entry_field == 1:
                name = value.decode("utf-8")  # type: ignore[union-attr]
            elif entry_field == 2:
                tensor = _parse_value(value)  # type: ignore[arg-type]
        if tensor is not None:
            maps[number][name] = tensor
    return maps[_FEATURES], maps[_LABEL]


def _feature(features: Mapping[str, Tensor], feature_key: str) -> Tensor:
    if feature_key in features:
        return features[feature_key]
    if len(features) == 1:
        return next(iter(features.values()))
    found = ", ".join(sorted(features)) or "none"
    raise TensorError(f"no numeric feature tensor {feature_key!r} (features: {found})")


def decode_records(data: bytes, feature_key: str = "values", max_cells: int | None = None) -> np.ndarray:
    """Features as a dense 2-D float64 array, one row per record.

    Takes ``features[feature_key]``, or the only feature when there is just one. Densified
    sparse records share one budget of ``max_cells`` (default ``limits.max_cells()``).
    """
    rows = []
    budget = limits.max_cells() if max_cells is None else max_cells  # for the whole body, not per record
    for index, record in enumerate(read_recordio(data), start=1):
        try:
            rows.append(_feature(parse_record(record)[0], feature_key).dense(budget))
            budget -= len(rows[-1])
        except (wire.WireError, UnicodeDecodeError) as exc:
            raise BadRequest(f"record {index}: malformed Record protobuf: {exc}") from None
        except TensorError as exc:
            raise BadRequest(f"record {index}: {exc}") from None
    if not rows:
        raise BadRequest("the RecordIO body has no records")
    width = len(rows[0])
    for index, row in enumerate(rows, start=1):
        if len(row) != width:
            raise BadRequest(f"record {index} has {len(row)} features; expected {width} like record 1")
    return np.vstack(rows)


def _float32_value(values: np.ndarray) -> bytes:
    flat = np.ascontiguousarray(values, dtype="<f4").ravel()
    tensor = wire.length_delimited(1, flat.tobytes()) if flat.size else b""  # proto3-style: no empty packed field
    return wire.length_delimited(FLOAT32_TENSOR, tensor)


def _map_entry(map_field: int, name: str, values: np.ndarray) -> bytes:
    entry = wire.length_delimited(1, name.encode("utf-8")) + wire.length_delimited(2, _float32_value(values))
    return wire.length_delimited(map_field, entry)


def encode_dense(features: np.ndarray, labels: np.ndarray | None = None) -> bytes:
    """One Record per row with ``features["values"]`` (and ``label["values"]``) as float32.

    As ``write_numpy_to_dense_tensor(buf, X.astype("float32"), y)``; the SDK picks the tensor
    type from the dtype, but built-in algorithms read float32, so float32 it is. A 1-D array
    is a column (one value per record), like 1-D CSV output.
    """
    array = np.asarray(features, dtype=np.float64)
    if array.ndim < 2:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"RecordIO-protobuf rows need a 1-D or 2-D array, got shape {array.shape}")
    label_rows = None
    if labels is not None:
        label_rows = np.asarray(labels, dtype=np.float64).reshape(len(array), -1)
    records = []
    for index, row in enumerate(array):
        record = _map_entry(_FEATURES, "values", row)
        if label_rows is not None:
            record += _map_entry(_LABEL, "values", label_rows[index])
        records.append(record)
    return write_recordio(records)


def encode_label_records(rows: Iterable[Mapping[str, float | list[float]]]) -> bytes:
    """One Record per row whose ``label`` map holds float32 tensors.

    The response form of built-in algorithms, e.g. Linear Learner's
    ``{"score": 0.4, "predicted_label": 1.0}`` per record.
    """
    records = []
    for row in rows:
        records.append(b"".join(_map_entry(_LABEL, name, np.atleast_1d(np.asarray(value, dtype=np.float64)))
                                for name, value in row.items()))
    return write_recordio(records)
