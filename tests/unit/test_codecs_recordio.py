"""RecordIO-protobuf: framing, the hand-written Record codec, and Google's protobuf as oracle.

The oracle is the SDK's ``record.proto`` (aws/sagemaker-python-sdk,
src/sagemaker/amazon/record.proto) built at test time with ``google.protobuf`` — no protoc,
no generated code — and the SDK's framing (``sagemaker.amazon.common._write_recordio``:
magic, length, payload, zero padding to 4 bytes), so both directions are checked against
an implementation that is not ours.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from inference_pipeline.serving import codecs
from inference_pipeline.serving.codecs import protobuf_wire as wire
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest
from inference_pipeline.serving.media import MediaType

PB = MediaType.parse("application/x-recordio-protobuf")
MAGIC = struct.pack("<I", 0xCED7230A)

# features {"values": float32 [1.5]}, byte by byte from the protobuf wire spec
# (tag = field << 3 | wire type; 2 = length-delimited):
ONE_RECORD = bytes.fromhex(
    "0a23d7ce"      # RecordIO magic 0xced7230a, little endian
    "14000000"      # flag 0 (whole record) | length 20
    "0a12"          # Record.features (field 1, LEN) = map entry of 18 bytes
    "0a06" "76616c756573"  # entry.key (field 1, LEN 6) = "values"
    "1208"          # entry.value (field 2, LEN 8) = Value
    "1206"          # Value.float32_tensor (field 2, LEN 6) = Float32Tensor
    "0a04" "0000c03f"      # Float32Tensor.values (field 1, packed LEN 4) = 1.5f little endian
)                   # 20 payload bytes: already 4-aligned, no padding


# --- the oracle ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def Record():  # noqa: N802 - it is a message class
    """``aialgs.data.Record`` from record.proto, via a hand-built FileDescriptorProto."""
    pytest.importorskip("google.protobuf", reason="protobuf (test extra) is the RecordIO oracle")
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto  # noqa: N806
    proto = descriptor_pb2.FileDescriptorProto(name="record.proto", package="aialgs.data", syntax="proto2")
    packed = descriptor_pb2.FieldOptions(packed=True)
    for name, scalar in (("Float32Tensor", F.TYPE_FLOAT), ("Float64Tensor", F.TYPE_DOUBLE),
                         ("Int32Tensor", F.TYPE_INT32)):
        tensor = proto.message_type.add(name=name)
        tensor.field.add(name="values", number=1, label=F.LABEL_REPEATED, type=scalar, options=packed)
        tensor.field.add(name="keys", number=2, label=F.LABEL_REPEATED, type=F.TYPE_UINT64, options=packed)
        tensor.field.add(name="shape", number=3, label=F.LABEL_REPEATED, type=F.TYPE_UINT64, options=packed)
    raw = proto.message_type.add(name="Bytes")
    raw.field.add(name="value", number=1, label=F.LABEL_REPEATED, type=F.TYPE_BYTES)
    raw.field.add(name="content_type", number=2, label=F.LABEL_OPTIONAL, type=F.TYPE_STRING)
    value = proto.message_type.add(name="Value")
    value.oneof_decl.add(name="value")
    for name, number, type_name in (("float32_tensor", 2, "Float32Tensor"), ("float64_tensor", 3, "Float64Tensor"),
                                    ("int32_tensor", 7, "Int32Tensor"), ("bytes", 9, "Bytes")):
        value.field.add(name=name, number=number, label=F.LABEL_OPTIONAL, type=F.TYPE_MESSAGE,
                        type_name=f".aialgs.data.{type_name}", oneof_index=0)
    record = proto.message_type.add(name="Record")
    for name, number, entry_name in (("features", 1, "FeaturesEntry"), ("label", 2, "LabelEntry")):
        entry = record.nested_type.add(name=entry_name, options=descriptor_pb2.MessageOptions(map_entry=True))
        entry.field.add(name="key", number=1, label=F.LABEL_OPTIONAL, type=F.TYPE_STRING)
        entry.field.add(name="value", number=2, label=F.LABEL_OPTIONAL, type=F.TYPE_MESSAGE,
                        type_name=".aialgs.data.Value")
        record.field.add(name=name, number=number, label=F.LABEL_REPEATED, type=F.TYPE_MESSAGE,
                         type_name=f".aialgs.data.Record.{entry_name}")
    for name, number in (("uid", 3), ("metadata", 4), ("configuration", 5)):
        record.field.add(name=name, number=number, label=F.LABEL_OPTIONAL, type=F.TYPE_STRING)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("aialgs.data.Record"))


def sdk_frame(payloads: list[bytes]) -> bytes:
    """``sagemaker.amazon.common._write_recordio``, once per payload."""
    out = b""
    for data in payloads:
        length = len(data)
        pad = (((length + 3) >> 2) << 2) - length
        out += struct.pack("I", 0xCED7230A) + struct.pack("I", length) + data + b"\x00" * pad
    return out


def sdk_dense(Record, array: np.ndarray, labels: np.ndarray | None = None) -> bytes:  # noqa: N803
    """``write_numpy_to_dense_tensor``: the tensor type follows the dtype, as in the SDK."""
    tensor = {np.dtype(np.float32): "float32_tensor", np.dtype(np.float64): "float64_tensor",
              np.dtype(np.int64): "int32_tensor"}
    payloads = []
    for index, row in enumerate(array):
        record = Record()
        getattr(record.features["values"], tensor[array.dtype]).values.extend(row.tolist())
        if labels is not None:
            getattr(record.label["values"], tensor[labels.dtype]).values.extend([labels[index].item()])
        payloads.append(record.SerializeToString())
    return sdk_frame(payloads)


def sdk_sparse(Record, dense: np.ndarray, kind: str = "float32_tensor") -> bytes:  # noqa: N803
    """``write_spmatrix_to_sparse_tensor``: values, uint64 keys and shape [n_cols] per row."""
    scipy_sparse = pytest.importorskip("scipy.sparse")
    matrix = scipy_sparse.csr_matrix(dense)
    payloads = []
    for row_index in range(matrix.shape[0]):
        row = matrix.getrow(row_index)
        record = Record()
        tensor = getattr(record.features["values"], kind)
        tensor.values.extend(row.data.astype(int if kind == "int32_tensor" else float).tolist())
        tensor.keys.extend(row.indices.astype(np.uint64).tolist())
        tensor.shape.extend([matrix.shape[1]])
        payloads.append(record.SerializeToString())
    return sdk_frame(payloads)


def oracle_read(Record, data: bytes) -> list:  # noqa: N803
    """``sagemaker.amazon.common.read_records``."""
    records, pos = [], 0
    while pos < len(data):
        magic, length = struct.unpack_from("II", data, pos)
        assert magic == 0xCED7230A
        record = Record()
        record.ParseFromString(data[pos + 8:pos + 8 + length])
        records.append(record)
        pos += 8 + (((length + 3) >> 2) << 2)
    return records


# --- hand-built bytes ---------------------------------------------------------------------

def test_hand_built_fixture_both_ways(Record):
    assert recordio.encode_dense(np.array([[1.5]])) == ONE_RECORD
    np.testing.assert_array_equal(codecs.decode(ONE_RECORD, PB), [[1.5]])
    assert list(oracle_read(Record, ONE_RECORD)[0].features["values"].float32_tensor.values) == [1.5]


# --- our writer against the oracle --------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (4, 7), (3, 200)])  # 200 floats: two-byte varint lengths
def test_encode_dense_is_byte_identical_to_the_sdk_with_float32(Record, shape):
    array = np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)
    assert recordio.encode_dense(array) == sdk_dense(Record, array)


def test_encode_dense_with_labels_is_byte_identical_to_the_sdk(Record):
    array = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
    labels = np.array([0, 1, 1, 0], dtype=np.float32)
    assert recordio.encode_dense(array, labels) == sdk_dense(Record, array, labels)


def test_encode_dense_one_dimension_is_a_column(Record):
    records = oracle_read(Record, recordio.encode_dense(np.array([0.5, 1.5, 2.5])))
    assert [list(r.features["values"].float32_tensor.values) for r in records] == [[0.5], [1.5], [2.5]]


def test_codecs_encode_writes_float32_dense_records(Record):
    records = oracle_read(Record, codecs.encode(np.array([[0.25, 4], [1, 2]]), PB))
    assert [list(r.features["values"].float32_tensor.values) for r in records] == [[0.25, 4.0], [1.0, 2.0]]
    assert [r.features["values"].WhichOneof("value") for r in records] == ["float32_tensor"] * 2


def test_label_records_parse_as_the_linear_learner_response_form(Record):
    data = recordio.encode_label_records([{"score": 0.4, "predicted_label": 1.0},
                                          {"score": 0.1, "predicted_label": 0.0, "scores": [0.9, 0.1]}])
    records = oracle_read(Record, data)
    assert len(records) == 2 and not records[0].features
    first = {name: list(value.float32_tensor.values) for name, value in records[0].label.items()}
    assert first == {"score": [np.float32(0.4)], "predicted_label": [1.0]}
    assert list(records[1].label["scores"].float32_tensor.values) == [np.float32(0.9), np.float32(0.1)]


# --- the oracle's writer against our reader -----------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_decode_dense_tensors_of_every_type(Record, dtype):
    array = (np.random.default_rng(1).normal(size=(5, 6)) * 1000).astype(dtype)
    if dtype is np.int64:
        array[0, 0] = -(2**31)  # int32 minimum: a ten-byte varint
    decoded = codecs.decode(sdk_dense(Record, array), PB)
    assert decoded.dtype == np.float64
    np.testing.assert_array_equal(decoded, array.astype(np.float64))


@pytest.mark.parametrize("kind", ["float32_tensor", "float64_tensor", "int32_tensor"])
def test_decode_sparse_tensors_densifies_with_zeros(Record, kind):
    dense = np.zeros((4, 300))
    dense[0, [3, 150, 299]] = [1, -2, 3]
    dense[2, 0] = 7  # row 1 and row 3 are all zeros: no keys at all
    dense[3, 128] = 5  # key 128: a two-byte varint
    np.testing.assert_array_equal(codecs.decode(sdk_sparse(Record, dense, kind), PB), dense)


def test_decode_reads_labels_and_ignores_other_fields(Record):
    record = Record(uid="r-1", metadata='{"source": "x"}', configuration='{"k": 1}')
    record.features["values"].float64_tensor.values.extend([1.0, 2.0])
    record.features["image"].bytes.value.append(b"\x89PNG")
    record.label["values"].float32_tensor.values.append(1.0)
    data = sdk_frame([record.SerializeToString()])
    np.testing.assert_array_equal(codecs.decode(data, PB), [[1.0, 2.0]])
    features, labels = recordio.parse_record(recordio.read_recordio(data)[0])
    assert sorted(features) == ["values"] and labels["values"].dense().tolist() == [1.0]
    assert features["values"].kind == "float64"


def test_decode_takes_the_only_feature_or_the_named_one(Record):
    record = Record()
    record.features["pixels"].float32_tensor.values.extend([1.0, 2.0])
    only = sdk_frame([record.SerializeToString()])
    np.testing.assert_array_equal(codecs.decode(only, PB), [[1.0, 2.0]])
    record.features["extra"].float32_tensor.values.extend([9.0])
    two = sdk_frame([record.SerializeToString()])
    np.testing.assert_array_equal(recordio.decode_records(two, feature_key="extra"), [[9.0]])
    with pytest.raises(BadRequest, match=r"record 1: no numeric feature tensor 'values' \(features: extra, pixels\)"):
        codecs.decode(two, PB)


def test_decode_multidimensional_shape_is_flattened(Record):
    record = Record()
    tensor = record.features["values"].float32_tensor
    tensor.values.extend([1.0, 2.0])
    tensor.keys.extend([1, 5])
    tensor.shape.extend([2, 3])
    np.testing.assert_array_equal(codecs.decode(sdk_frame([record.SerializeToString()]), PB), [[0, 1, 0, 0, 0, 2]])


def test_unpacked_repeated_values_are_read_too():
    # proto2 parsers must accept unpacked encodings of packed fields: fixed32 floats, varint ints.
    tensor = b"".join(wire.key(1, wire.FIXED32) + struct.pack("<f", v) for v in (1.0, -2.0))
    ints = wire.key(1, wire.VARINT) + wire.encode_varint(5) + wire.key(1, wire.VARINT) + wire.encode_varint(-3)
    for value_field, body, expected in ((2, tensor, [1.0, -2.0]), (7, ints, [5, -3])):
        entry = wire.length_delimited(1, b"values") + wire.length_delimited(2, wire.length_delimited(value_field, body))
        data = recordio.write_recordio([wire.length_delimited(1, entry)])
        np.testing.assert_array_equal(codecs.decode(data, PB), [expected])


# --- framing ------------------------------------------------------------------------------

@pytest.mark.parametrize("size", range(0, 9))
def test_framing_pads_to_four_bytes_like_the_sdk(size):
    payload = bytes(range(1, size + 1))
    framed = recordio.write_recordio([payload, b"xyz"])
    assert framed == sdk_frame([payload, b"xyz"])
    assert recordio.read_recordio(framed) == [payload, b"xyz"]


def test_last_record_without_padding_is_accepted():
    assert recordio.read_recordio(sdk_frame([b"abcde"])[:-3]) == [b"abcde"]


def dmlc_split(payload: bytes) -> bytes:
    """dmlc-core's RecordIOWriter::WriteRecord: cut at each 4-aligned magic word."""
    out, start = b"", 0
    for i in range(0, len(payload) - len(payload) % 4, 4):
        if payload[i:i + 4] == MAGIC:
            out += MAGIC + struct.pack("<I", ((1 if start == 0 else 2) << 29) | (i - start)) + payload[start:i]
            start = i + 4
    tail = payload[start:]
    out += MAGIC + struct.pack("<I", ((3 if start else 0) << 29) | len(tail)) + tail
    return out + b"\x00" * (-len(tail) % 4)


def test_multi_part_records_from_dmlc_are_joined():
    payload = b"abcd" + MAGIC + b"efgh" + MAGIC + MAGIC + b"ij"
    framed = dmlc_split(payload) + dmlc_split(b"next")
    assert framed.count(MAGIC) == 5  # four parts (one empty) for the first record, one for the second
    assert recordio.read_recordio(framed) == [payload, b"next"]


@pytest.mark.parametrize("data,match", [
    (ONE_RECORD + ONE_RECORD[:5], "record 2: truncated RecordIO header at byte 28 .5 bytes left"),
    (ONE_RECORD + b"\x00" * 8, "record 2: bad RecordIO magic 0x00000000 at byte 28; expected 0xced7230a"),
    (ONE_RECORD[:-4], "record 1: truncated; the header at byte 0 declares 20 bytes but 16 remain"),
    (MAGIC + struct.pack("<I", 2 << 29), "record 1: unexpected RecordIO continuation flag 2"),
    (MAGIC + struct.pack("<I", 1 << 29) + ONE_RECORD, "record 1: unexpected RecordIO continuation flag 0"),
    (ONE_RECORD + MAGIC + struct.pack("<I", 1 << 29), "record 2: the body ends inside a multi-part record"),
])
def test_broken_frames_name_the_record(data, match):
    with pytest.raises(BadRequest, match=match) as info:
        codecs.decode(data, PB)
    assert info.value.status == 400


def record_with(tensor: bytes, value_field: int = 2) -> bytes:
    entry = wire.length_delimited(1, b"values") + wire.length_delimited(2, wire.length_delimited(value_field, tensor))
    return wire.length_delimited(1, entry)


@pytest.mark.parametrize("payload,match", [
    (b"\x0a\xff", "record 2: malformed Record protobuf: truncated varint"),
    (b"\x0a\x05ab", "record 2: malformed Record protobuf: field 1 runs past the end"),
    (b"\x0b", "record 2: malformed Record protobuf: unsupported wire type 3"),
    (record_with(wire.length_delimited(1, b"\x00\x00\x80")), "record 2: malformed Record protobuf: packed floats of 3 bytes"),
    (record_with(wire.length_delimited(1, b"\x00" * 4) + wire.length_delimited(2, b"\x01")),
     "record 2: a sparse tensor .with keys. needs a shape"),
    (record_with(wire.length_delimited(1, b"\x00" * 4) + wire.length_delimited(2, b"\x05") + wire.length_delimited(3, b"\x05")),
     r"record 2: key 5 is outside shape \[5\]"),
    (record_with(wire.length_delimited(1, b"\x00" * 8) + wire.length_delimited(2, b"\x01") + wire.length_delimited(3, b"\x05")),
     "record 2: 1 keys for 2 values"),
    (record_with(wire.length_delimited(1, b"\x00" * 8) + wire.length_delimited(3, b"\x03")),
     r"record 2: 2 values do not fill shape \[3\]"),
    (wire.length_delimited(1, wire.length_delimited(1, b"\xff\xfe")), "record 2: malformed Record protobuf: 'utf-8' codec"),
    (b"", "record 2: no numeric feature tensor 'values' .features: none"),
])
def test_corrupt_records_name_the_record(payload, match):
    data = recordio.write_recordio([record_with(wire.length_delimited(1, b"\x00" * 4)), payload])
    with pytest.raises(BadRequest, match=match):
        codecs.decode(data, PB)


def test_records_of_different_widths_are_a_bad_request():
    data = recordio.encode_dense(np.ones((2, 3))) + recordio.encode_dense(np.ones((1, 2)))
    with pytest.raises(BadRequest, match="record 3 has 2 features; expected 3 like record 1"):
        codecs.decode(data, PB)


def test_no_records():
    with pytest.raises(BadRequest, match="the RecordIO body has no records"):
        recordio.decode_records(b"")


def test_random_round_trip_is_exact_at_float32():
    array = np.random.default_rng(5).normal(size=(64, 9)).astype(np.float32)
    np.testing.assert_array_equal(codecs.decode(codecs.encode(array, PB), PB), array)


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**31 - 1, 2**63, 2**64 - 1, -1, -(2**31)])
def test_varints_round_trip(value):
    encoded = wire.encode_varint(value)
    decoded, end = wire.decode_varint(encoded, 0)
    assert end == len(encoded) and decoded == value % 2**64
    assert len(encoded) == (10 if value < 0 else max(1, -(-value.bit_length() // 7)))
