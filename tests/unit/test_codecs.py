from __future__ import annotations

import io
import struct

import numpy as np
import pytest

from inference_pipeline.serving import codecs
from inference_pipeline.serving.codecs import recordio
from inference_pipeline.serving.errors import BadRequest, UnsupportedAccept, UnsupportedContentType
from inference_pipeline.serving.media import MediaType

CSV = MediaType.parse("text/csv")
JSON = MediaType.parse("application/json")
JSONL = MediaType.parse("application/jsonlines")
NPY = MediaType.parse("application/x-npy")
PB = MediaType.parse("application/x-recordio-protobuf")

# features {"values": float32 [1.5]} built by hand from the protobuf spec:
#   Float32Tensor  0A 04 00 00 C0 3F        field 1 (values, packed) = 1.5f little endian
#   Value          12 06 <tensor>           field 2 = float32_tensor
#   map entry      0A 06 "values" 12 08 <value>
#   Record         0A 12 <entry>            field 1 = features
#   RecordIO       0A 23 D7 CE | 14 00 00 00 | 20 payload bytes (already 4-aligned)
ONE_RECORD = bytes.fromhex("0a23d7ce14000000" "0a12" "0a0676616c756573" "1208" "1206" "0a040000c03f")


def test_csv_numeric_one_row_stays_2d():
    array = codecs.decode(b"1,2,3", CSV)
    assert array.shape == (1, 3) and array.dtype == np.float64


def test_csv_strings_whitespace_quotes_and_empty_cells():
    array = codecs.decode(b'M, 0.44, "a, b"\nF,,x\n', CSV)
    assert array.dtype == object
    assert array.tolist() == [["M", "0.44", "a, b"], ["F", "", "x"]]
    numeric = codecs.decode(b"1,,3\n", CSV)
    assert np.isnan(numeric[0, 1])


def test_csv_ragged_rows_name_the_row():
    with pytest.raises(BadRequest, match="row 3 has 2 columns; expected 3"):
        codecs.decode(b"1,2,3\n4,5,6\n7,8\n", CSV)


def test_charset_is_honoured():
    latin = MediaType.parse("text/csv; charset=latin-1")
    assert codecs.decode("é,1".encode("latin-1"), latin)[0, 0] == "é"
    with pytest.raises(BadRequest, match="not valid utf-8"):
        codecs.decode("é,1".encode("latin-1"), CSV)


@pytest.mark.parametrize("body,expected", [
    (b"[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    (b"[1, 2]", [[1, 2]]),
    (b'{"instances": [[1, 2]]}', [[1, 2]]),
    (b'{"instances": [{"features": [1, 2]}, {"features": [3, 4]}]}', [[1, 2], [3, 4]]),
    (b'{"instances": [{"data": {"features": {"values": [1, 2]}}}]}', [[1, 2]]),
    (b'{"instances": [{"data": {"features": {"keys": [1], "shape": [3], "values": [5]}}}]}', [[0, 5, 0]]),
])
def test_json_sagemaker_shapes(body, expected):
    np.testing.assert_array_equal(codecs.decode(body, JSON), expected)


def test_json_errors_point_at_the_problem():
    with pytest.raises(BadRequest, match="line 1 column 6"):
        codecs.decode(b"[1, 2", JSON)
    with pytest.raises(BadRequest, match="unexpected object keys"):
        codecs.decode(b'{"rows": []}', JSON)


def test_jsonlines_rows_and_bad_line_number():
    body = b'[1, 2]\n{"features": [3, 4]}\n\n'
    np.testing.assert_array_equal(codecs.decode(body, JSONL), [[1, 2], [3, 4]])
    with pytest.raises(BadRequest, match="line 2 is not valid JSON"):
        codecs.decode(b"[1]\n{oops\n", JSONL)


def test_npy_round_trip_and_no_pickle():
    array = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(codecs.decode(codecs.encode(array, NPY), NPY), array)
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(BadRequest, match="without pickle"):
        codecs.decode(buffer.getvalue(), NPY)


def test_encode_csv_and_json_shapes():
    assert codecs.encode(np.array([1.5, 2.0]), CSV) == b"1.5\n2.0\n"
    assert codecs.encode(np.array([[1, 2], [3, 4]]), CSV) == b"1,2\n3,4\n"
    assert codecs.encode(np.array([0.1, float("nan")]), JSON) == b"[0.1,null]"
    assert codecs.encode([[1, 2], [3]], JSONL) == b"[1,2]\n[3]\n"


def test_unsupported_types():
    with pytest.raises(UnsupportedContentType, match="text/csv"):
        codecs.decode(b"x", MediaType.parse("application/xml"))
    with pytest.raises(UnsupportedAccept):
        codecs.encode([1], MediaType.parse("image/png"))


def test_recordio_matches_hand_built_bytes():
    assert recordio.encode_dense(np.array([[1.5]])) == ONE_RECORD
    np.testing.assert_array_equal(codecs.decode(ONE_RECORD, PB), [[1.5]])


def test_recordio_round_trip_with_labels_and_padding():
    features = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]])
    data = recordio.encode_dense(features, labels=np.array([1.0, 0.0]))
    records = recordio.read_recordio(data)
    assert len(records) == 2 and all(len(data) % 4 == 0 for _ in records)
    feats, labels = recordio.parse_record(records[1])
    np.testing.assert_array_equal(feats["values"].dense(), [4.0, 5.0, 6.5])
    np.testing.assert_array_equal(labels["values"].dense(), [0.0])
    np.testing.assert_array_equal(codecs.decode(data, PB), features)


def test_recordio_sparse_float64_and_int32_tensors():
    from inference_pipeline.serving.codecs import protobuf_wire as wire

    def record(value_field: int, tensor: bytes) -> bytes:
        entry = wire.length_delimited(1, b"values") + wire.length_delimited(2, wire.length_delimited(value_field, tensor))
        return wire.length_delimited(1, entry)

    sparse64 = (wire.length_delimited(1, struct.pack("<2d", 2.5, -1.0)) + wire.length_delimited(2, bytes([1, 3]))
                + wire.length_delimited(3, bytes([4])))
    ints = wire.key(1, wire.VARINT) + wire.encode_varint(7) + wire.key(1, wire.VARINT) + wire.encode_varint(-2)
    data = recordio.write_recordio([record(3, sparse64)])
    np.testing.assert_array_equal(codecs.decode(data, PB), [[0, 2.5, 0, -1.0]])
    np.testing.assert_array_equal(codecs.decode(recordio.write_recordio([record(7, ints)]), PB), [[7, -2]])


def test_recordio_corruption_names_the_record():
    with pytest.raises(BadRequest, match="record 1: bad RecordIO magic"):
        codecs.decode(ONE_RECORD + b"\x00" * 8, PB)
    with pytest.raises(BadRequest, match="record 0: declares 20 bytes"):
        codecs.decode(ONE_RECORD[:-4], PB)


def test_label_records_for_algorithm_responses():
    data = recordio.encode_label_records([{"score": 0.25, "predicted_label": 1.0}])
    _, labels = recordio.parse_record(recordio.read_recordio(data)[0])
    assert labels["score"].dense().tolist() == [0.25] and labels["predicted_label"].dense().tolist() == [1.0]
