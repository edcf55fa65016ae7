"""The few protobuf wire-format primitives SageMaker's Record message needs.

Hand-written so serving images need no protobuf runtime or generated code.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    pass


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # negative int32/int64 are ten-byte varints
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def decode_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint too long")


def key(field: int, wire_type: int) -> bytes:
    return encode_varint((field << 3) | wire_type)


def length_delimited(field: int, payload: bytes) -> bytes:
    return key(field, LENGTH) + encode_varint(len(payload)) + payload


def iter_fields(data: bytes | memoryview) -> Iterator[tuple[int, int, object]]:
    """(field number, wire type, value): int for varints, bytes for the rest."""
    pos = 0
    view = memoryview(data)
    while pos < len(view):
        tag, pos = decode_varint(view, pos)
        field, wire_type = tag >> 3, tag & 7
        if wire_type == VARINT:
            value, pos = decode_varint(view, pos)
            yield field, wire_type, value
        elif wire_type == LENGTH:
            size, pos = decode_varint(view, pos)
            if pos + size > len(view):
                raise WireError(f"field {field} runs past the end of the message")
            yield field, wire_type, bytes(view[pos:pos + size])
            pos += size
        elif wire_type == FIXED32:
            if pos + 4 > len(view):
                raise WireError("truncated fixed32")
            yield field, wire_type, bytes(view[pos:pos + 4])
            pos += 4
        elif wire_type == FIXED64:
            if pos + 8 > len(view):
                raise WireError("truncated fixed64")
            yield field, wire_type, bytes(view[pos:pos + 8])
            pos += 8
        else:
            raise WireError(f"unsupported wire type {wire_type} for field {field}")


def unpack_varints(payload: bytes) -> list[int]:
    values, pos = [], 0
    while pos < len(payload):
        value, pos = decode_varint(payload, pos)
        values.append(value)
    return values


def signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


FLOAT32 = struct.Struct("<f")
FLOAT64 = struct.Struct("<d")
