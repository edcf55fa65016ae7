"""SageMaker's RecordIO-framed ``Record`` protobuf (``application/x-recordio-protobuf``).

Framing (MXNet RecordIO): ``uint32 magic 0xced7230a``, ``uint32`` length (low 29 bits;
the top 3 bits are a continuation flag, 0 for whole records), payload, zero padding to 4
bytes — as ``sagemaker.amazon.common`` writes it. Payload: ``Record { map<string, Value>
features = 1; map<string, Value> label = 2; ... }`` with ``Value`` holding a
``Float32Tensor`` (2), ``Float64Tensor`` (3) or ``Int32Tensor`` (7), each ``{values = 1;
keys = 2; shape = 3}`` (packed). Sparse tensors (keys + shape) are densified on decode.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from inference_pipeline.serving.codecs import protobuf_wire as wire
from inference_pipeline.serving.errors import BadRequest

MAGIC = 0xCED7230A
_HEADER = struct.Struct("<II")
_LENGTH_MASK = (1 << 29) - 1
_FLOAT32_TENSOR, _FLOAT64_TENSOR, _INT32_TENSOR = 2, 3, 7


def read_recordio(data: bytes) -> list[bytes]:
    records: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise BadRequest(f"record {len(records)}: truncated RecordIO header at byte {pos}")
        magic, header = _HEADER.unpack_from(data, pos)
        if magic != MAGIC:
            raise BadRequest(f"record {len(records)}: bad RecordIO magic {magic:#010x} at byte {pos}")
        if header >> 29:
            raise BadRequest(f"record {len(records)}: multi-part RecordIO records are not supported")
        length = header & _LENGTH_MASK
        start = pos + 8
        if start + length > len(data):
            raise BadRequest(f"record {len(records)}: declares {length} bytes but only {len(data) - start} remain")
        records.append(data[start:start + length])
        pos = start + ((length + 3) & ~3)
    return records


def write_recordio(records: Iterable[bytes]) -> bytes:
    out = bytearray()
    for record in records:
        out += _HEADER.pack(MAGIC, len(record))
        out += record
        out += b"\x00" * (((len(record) + 3) & ~3) - len(record))
    return bytes(out)


@dataclass
class Tensor:
    values: np.ndarray
    keys: list[int] = field(default_factory=list)
    shape: list[int] = field(default_factory=list)

    def dense(self) -> np.ndarray:
        if not self.keys:
            return self.values.astype(np.float64)
        size = self.shape[0] if self.shape else (max(self.keys) + 1)
        out = np.zeros(size, dtype=np.float64)
        if max(self.keys) >= size:
            raise BadRequest(f"sparse key {max(self.keys)} is outside shape {size}")
        out[np.asarray(self.keys, dtype=np.int64)] = self.values
        return out


def _parse_tensor(payload: bytes, kind: int) -> Tensor:
    values: list[float] = []
    keys: list[int] = []
    shape: list[int] = []
    for number, wire_type, value in wire.iter_fields(payload):
        if number == 1:
            if kind == _INT32_TENSOR:
                raw = wire.unpack_varints(value) if wire_type == wire.LENGTH else [value]
                values.extend(wire.signed32(v) for v in raw)  # type: ignore[arg-type]
            else:
                dtype = "<f4" if kind == _FLOAT32_TENSOR else "<f8"
                values.extend(np.frombuffer(value, dtype=dtype).tolist())  # type: ignore[arg-type]
        elif number in (2, 3):
            target = keys if number == 2 else shape
            target.extend(wire.unpack_varints(value) if wire_type == wire.LENGTH else [value])  # type: ignore[arg-type]
    return Tensor(np.asarray(values, dtype=np.float64), keys, shape)


def _parse_value(payload: bytes) -> Tensor | None:
    for number, _wire_type, value in wire.iter_fields(payload):
        if number in (_FLOAT32_TENSOR, _FLOAT64_TENSOR, _INT32_TENSOR):
            return _parse_tensor(value, number)  # type: ignore[arg-type]
    return None  # bytes values etc. are not features we can use


def parse_record(payload: bytes) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """(features, label) maps of one Record."""
    maps: dict[int, dict[str, Tensor]] = {1: {}, 2: {}}
    for number, _wire_type, entry in wire.iter_fields(payload):
        if number not in maps:
            continue
        name, tensor = "", None
        for entry_field, _t, value in wire.iter_fields(entry):  # type: ignore[arg-type]
            if entry_field == 1:
                name = value.decode("utf-8")  # type: ignore[union-attr]
            elif entry_field == 2:
                tensor = _parse_value(value)  # type: ignore[arg-type]
        if tensor is not None:
            maps[number][name] = tensor
    return maps[1], maps[2]


def decode_records(data: bytes, feature_key: str = "values") -> np.ndarray:
    """Dense 2-D features (one row per record) from a RecordIO-protobuf body."""
    rows = []
    for index, record in enumerate(read_recordio(data)):
        try:
            features, _ = parse_record(record)
        except wire.WireError as exc:
            raise BadRequest(f"record {index}: malformed protobuf: {exc}") from None
        tensor = features.get(feature_key) or (next(iter(features.values())) if len(features) == 1 else None)
        if tensor is None:
            raise BadRequest(f"record {index}: no '{feature_key}' feature tensor")
        rows.append(tensor.dense())
    if not rows:
        raise BadRequest("the RecordIO body has no records")
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            raise BadRequest(f"record {index} has {len(row)} features; expected {width} like record 0")
    return np.vstack(rows)


def _float32_tensor(values: np.ndarray) -> bytes:
    flat = np.ascontiguousarray(values, dtype="<f4").ravel()
    body = wire.length_delimited(1, flat.tobytes()) if flat.size else b""
    return body


def _value(values: np.ndarray) -> bytes:
    return wire.length_delimited(_FLOAT32_TENSOR, _float32_tensor(values))


def _map_entry(field_number: int, name: str, values: np.ndarray) -> bytes:
    entry = wire.length_delimited(1, name.encode("utf-8")) + wire.length_delimited(2, _value(values))
    return wire.length_delimited(field_number, entry)


def encode_dense(features: np.ndarray, labels: np.ndarray | None = None) -> bytes:
    """One Record per row with features["values"] (float32), as ``write_numpy_to_dense_tensor``."""
    array = np.asarray(features, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(-1, 1) if labels is None else array.reshape(1, -1)
    if array.ndim != 2:
        raise ValueError(f"features must be 1-D or 2-D, got shape {array.shape}")
    label_rows = None if labels is None else np.asarray(labels, dtype=np.float64).reshape(len(array), -1)
    records = []
    for i, row in enumerate(array):
        record = _map_entry(1, "values", row)
        if label_rows is not None:
            record += _map_entry(2, "values", label_rows[i])
        records.append(record)
    return write_recordio(records)


def encode_label_records(rows: list[dict[str, float | list[float]]]) -> bytes:
    """One Record per row whose ``label`` map holds float32 tensors (built-in algorithm responses)."""
    records = []
    for row in rows:
        record = b"".join(_map_entry(2, name, np.atleast_1d(np.asarray(value, dtype=np.float64)))
                          for name, value in row.items())
        records.append(record)
    return write_recordio(records)
