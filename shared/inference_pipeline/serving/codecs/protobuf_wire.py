"""The few protobuf wire-format primitives SageMaker's ``Record`` message needs.

Hand-written so serving images carry no protobuf runtime or generated code; the tests check
the bytes against Google's protobuf library.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def encode_varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # negative int32/int64 are ten-byte two's complement varints
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """(value, next position)."""
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
            raise WireError("varint longer than 10 bytes")


def key(field: int, wire_type: int) -> bytes:
    return encode_varint((field << 3) | wire_type)


def length_delimited(field: int, payload: bytes) -> bytes:
    return key(field, LENGTH) + encode_varint(len(payload)) + payload


_FIXED_SIZES = {FIXED32: 4, FIXED64: 8}


def iter_fields(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value): an int for varints, the raw bytes otherwise."""
    pos, end = 0, len(data)
    while pos < end:
        tag, pos = decode_varint(data, pos)
        field, wire_type = tag >> 3, tag & 7
        if field == 0:
            raise WireError("field number 0")
        if wire_type == VARINT:
            value, pos = decode_varint(data, pos)
            yield field, wire_type, value
            continue
        if wire_type == LENGTH:
            size, pos = decode_varint(data, pos)
        elif wire_type in _FIXED_SIZES:
            size = _FIXED_SIZES[wire_type]
        else:
            raise WireError(f"unsupported wire type {wire_type} in field {field}")
        if pos + size > end:
            raise WireError(f"field {field} runs past the end of the message")
        yield field, wire_type, data[pos:pos + size]
        pos += size


def unpack_varints(payload: bytes) -> list[int]:
    values, pos = [], 0
    while pos < len(payload):
        value, pos = decode_varint(payload, pos)
        values.append(value)
    return values


def signed32(value: int) -> int:
    """An int32 read from its (possibly ten-byte) varint."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value
