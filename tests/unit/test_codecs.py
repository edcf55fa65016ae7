"""Codecs: CSV, JSON, JSON Lines and NPY bodies ↔ arrays; dispatch and errors.

RecordIO-protobuf has its own module (test_codecs_recordio.py).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from inference_pipeline.serving import codecs
from inference_pipeline.serving.errors import BadRequest, InferenceError, UnsupportedAccept, UnsupportedContentType
from inference_pipeline.serving.media import MediaType

CSV = MediaType.parse("text/csv")
JSON = MediaType.parse("application/json")
JSONL = MediaType.parse("application/jsonlines")
NPY = MediaType.parse("application/x-npy")


def csv(body: bytes | str, media: MediaType = CSV) -> np.ndarray:
    return codecs.decode(body.encode() if isinstance(body, str) else body, media)


def bad_request(body: bytes | str, media: MediaType, match: str) -> BadRequest:
    with pytest.raises(BadRequest, match=match) as info:
        codecs.decode(body.encode() if isinstance(body, str) else body, media)
    assert info.value.status == 400
    return info.value


# --- CSV decode ---------------------------------------------------------------------------

def test_csv_one_row_stays_2d_float64():
    array = csv("1,2.5,-3e2")
    assert array.shape == (1, 3) and array.dtype == np.float64
    assert array.tolist() == [[1.0, 2.5, -300.0]]


def test_csv_one_column_keeps_a_row_per_line():
    assert csv("1\n2\n3\n").shape == (3, 1)


@pytest.mark.parametrize("body", ["1,2\n3,4", "1,2\n3,4\n", "1,2\r\n3,4\r\n", "1,2\r3,4\r", "\n1,2\n\n  \n3,4\n\n"])
def test_csv_line_endings_and_blank_lines(body):
    assert csv(body).tolist() == [[1, 2], [3, 4]]


def test_csv_blanks_around_unquoted_fields_are_stripped():
    assert csv(" 1 ,\t2\n3, 4 ").tolist() == [[1, 2], [3, 4]]
    array = csv("M, 0.44, 0.365\nF,\t0.5 ,0.4")
    assert array.dtype == object
    assert array.tolist() == [["M", "0.44", "0.365"], ["F", "0.5", "0.4"]]


def test_csv_any_text_field_makes_an_object_array_of_str():
    array = csv("1,a\n2,b")
    assert array.dtype == object and array.tolist() == [["1", "a"], ["2", "b"]]
    assert all(type(cell) is str for cell in array.ravel())


def test_csv_empty_fields():
    numeric = csv("1,,3\n,5,")
    assert numeric.dtype == np.float64
    assert np.isnan(numeric[0, 1]) and np.isnan(numeric[1, 0]) and np.isnan(numeric[1, 2])
    assert csv("x,,3").tolist() == [["x", "", "3"]]


def test_csv_nan_and_inf_text_are_numbers():
    array = csv("nan,inf,-inf")
    assert np.isnan(array[0, 0]) and array[0, 1] == np.inf and array[0, 2] == -np.inf


def test_csv_rfc4180_quoting():
    array = csv('"a, b","say ""hi""","two\nlines", "  kept  " ,plain\n')
    assert array.tolist() == [["a, b", 'say "hi"', "two\nlines", "  kept  ", "plain"]]


def test_csv_quoted_numbers_are_numbers_and_quoted_empty_rows_count():
    assert csv('"1.5",2\n"3",4').tolist() == [[1.5, 2], [3, 4]]
    assert csv('a\n""\nb\n').tolist() == [["a"], [""], ["b"]]


@pytest.mark.parametrize("body,match", [
    ("1,2,3\n4,5,6\n7,8\n", "row 3 has 2 columns; expected 3 like row 1"),
    ("1,2\n3,4,5", "row 2 has 3 columns; expected 2 like row 1"),
    ('"a",b\n"c"\n', "row 2 has 1 columns; expected 2 like row 1"),
    ("1,2\n\n3\n", "row 2 has 1 columns; expected 2 like row 1"),  # blank lines are not rows
])
def test_csv_ragged_rows_name_row_and_counts(body, match):
    bad_request(body, CSV, match)


def test_csv_malformed_quotes_name_the_row():
    bad_request('a,b\nc,"open\n', CSV, "malformed CSV in row 2: a quoted field is never closed")
    bad_request('a,b\n"c"d,e\n', CSV, "malformed CSV in row 2: 'd' after a closing quote")
    bad_request('x,y\n\n,\nab"c,d\n', CSV, "malformed CSV in row 3: a quote inside an unquoted field")


def test_csv_without_rows():
    bad_request(b"", CSV, "the request body is empty")
    bad_request("\n \n", CSV, "the CSV body has no rows")


def test_csv_charset_parameter_is_honoured():
    latin = MediaType.parse("text/csv; charset=ISO-8859-1")
    assert csv("é,1".encode("latin-1"), latin).tolist() == [["é", "1"]]
    cp1252 = MediaType.parse('text/csv;charset="windows-1252"')
    assert csv("€,1".encode("cp1252"), cp1252).tolist() == [["€", "1"]]
    utf16 = MediaType.parse("text/csv; charset=utf-16")
    assert csv("1,2".encode("utf-16"), utf16).tolist() == [[1, 2]]


def test_csv_non_utf8_body_is_a_bad_request_with_the_byte():
    bad_request("ab,é,c".encode("latin-1"), CSV, r"not valid utf-8: byte 3 \(invalid continuation byte\)")
    bad_request(b"1,2", MediaType.parse("text/csv; charset=no-such-charset"), "unknown charset 'no-such-charset'")


def test_csv_utf8_byte_order_mark_is_dropped():
    assert csv(b"\xef\xbb\xbf1,2").dtype == np.float64


def test_csv_decode_matches_numpy_loadtxt_on_random_numbers():
    values = np.random.default_rng(7).normal(size=(200, 13)) * 10.0 ** np.arange(-6, 7)
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in values)
    expected = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)
    np.testing.assert_array_equal(csv(text), expected)
    np.testing.assert_array_equal(csv(text), values)


def test_csv_feeds_a_column_transformer_with_a_string_column():
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train = csv("M, 0.455, 0.365\nF, 0.53, 0.42\nI, 0.44, 0.365\n")
    transformer = ColumnTransformer([("sex", OneHotEncoder(), [0]), ("size", StandardScaler(), [1, 2])]).fit(train)
    row = transformer.transform(csv("F, 0.53, 0.42"))
    assert row.shape == (1, 5)
    np.testing.assert_array_equal(row[0, :3], [1.0, 0.0, 0.0])


# --- JSON decode --------------------------------------------------------------------------

@pytest.mark.parametrize("body,expected", [
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[1, 2]", [[1, 2]]),
    ("[[1, 2]]", [[1, 2]]),
    ('{"instances": [[1, 2], [3, 4]]}', [[1, 2], [3, 4]]),
    ('{"instances": [1, 2, 3]}', [[1], [2], [3]]),
    ('{"instances": [{"features": [1, 2]}, {"features": [3, 4]}]}', [[1, 2], [3, 4]]),
    ('{"instances": [{"data": {"features": {"values": [1, 2]}}}]}', [[1, 2]]),
    ('{"instances": [{"data": {"features": {"keys": [1, 3], "shape": [4], "values": [5, 6]}}}]}', [[0, 5, 0, 6]]),
    ('{"instances": [{"data": {"features": {"keys": [5], "shape": [2, 3], "values": [7]}}}]}', [[0, 0, 0, 0, 0, 7]]),
    ('{"features": [1, 2]}', [[1, 2]]),
    ('{"data": {"features": {"values": [1, 2]}}}', [[1, 2]]),
    ('{"inputs": [[1, 2]]}', [[1, 2]]),
    ('{"data": [[1, 2]]}', [[1, 2]]),
    ('{"instances": [[1, 2]], "configuration": {"k": 3}}', [[1, 2]]),
    ("[[1, null], [true, false]]", [[1, np.nan], [1, 0]]),
    ('[["1.5", "2"]]', [[1.5, 2]]),
])
def test_json_request_shapes(body, expected):
    array = codecs.decode(body.encode(), JSON)
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, expected)


def test_json_strings_give_an_object_array_that_keeps_json_types():
    array = codecs.decode(b'[["M", 0.44, null], ["F", 0.5, 1]]', JSON)
    assert array.dtype == object and array.tolist() == [["M", 0.44, None], ["F", 0.5, 1]]


def test_json_malformed_reports_line_and_column():
    bad_request("[1, 2", JSON, "body is not valid JSON: Expecting ',' delimiter at line 1 column 6")
    bad_request('[[1, 2],\n [3, oops]]', JSON, "at line 2 column 6")


@pytest.mark.parametrize("body,match", [
    ('{"rows": [[1]]}', r"body: unexpected object with keys \['rows'\]; expected a list of rows"),
    ("5", "body: unexpected int; expected a list of rows"),
    ('"text"', "body: unexpected str"),
    ("[]", "body is an empty list"),
    ('{"instances": 5}', '"instances" must be a list'),
    ('{"instances": [{"feature": [1]}]}', r"instances\[0\]: unexpected object with keys \['feature'\]"),
    ('{"instances": [{"data": {"features": {"values": 1}}}]}', r"instances\[0\]: data.features.values must be a list"),
    ("[[1, [2, 3]]]", "row 1 column 2 is a list; expected a number, a string or null"),
    ('[[1, 2], [3, {"a": 1}]]', "row 2 column 2 is a dict"),
    ("[[1, 2], [3]]", "row 2 has 1 columns; expected 2 like row 1"),
    ("[[]]", "row 1 has no columns"),
])
def test_json_unknown_shapes_say_what_was_expected(body, match):
    bad_request(body, JSON, match)


@pytest.mark.parametrize("features,match", [
    ('{"keys": [4], "shape": [4], "values": [1]}', r"key 4 is outside shape \[4\]"),
    ('{"keys": [-1], "shape": [4], "values": [1]}', "key -1 is outside"),
    ('{"keys": [0, 1], "shape": [4], "values": [1]}', "as many keys as values"),
    ('{"keys": [0], "values": [1]}', r"sparse features need a shape like \[n\]"),
])
def test_json_sparse_features_are_checked(features, match):
    body = f'{{"instances": [{{"data": {{"features": {features}}}}}]}}'
    bad_request(body, JSON, match)


def test_json_honours_charset():
    body = json.dumps([["é", 1]], ensure_ascii=False).encode("utf-16")
    assert codecs.decode(body, MediaType.parse("application/json; charset=utf-16")).tolist() == [["é", 1]]


# --- JSON Lines decode --------------------------------------------------------------------

def test_jsonlines_rows_objects_and_blank_trailing_lines():
    body = b'[1, 2]\r\n{"features": [3, 4]}\n{"data": {"features": {"values": [5, 6]}}}\n\n\n'
    np.testing.assert_array_equal(codecs.decode(body, JSONL), [[1, 2], [3, 4], [5, 6]])


def test_jsonlines_line_separator_inside_a_string_is_not_a_line_break():
    body = '["a\u2028b", 1]\n["c", 2]\n'.encode()
    assert codecs.decode(body, JSONL).tolist() == [["a\u2028b", 1], ["c", 2]]


def test_jsonlines_errors_name_the_line():
    bad_request(b"[1]\n\n{oops\n", JSONL, "line 3 is not valid JSON: Expecting property name .* at line 1 column 2")
    bad_request(b'[1, 2]\n{"x": 1}\n', JSONL, r"line 2: unexpected object with keys \['x'\]")
    bad_request(b"[1, 2]\n[3, 4]\n\n[5]\n", JSONL, "line 4 has 1 columns; expected 2 like line 1")
    bad_request(b"\n\n", JSONL, "the JSON Lines body has no records")


# --- NPY decode ---------------------------------------------------------------------------

def npy_bytes(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize("array", [np.arange(6.0).reshape(2, 3), np.arange(6, dtype=np.int32).reshape(3, 2),
                                   np.asfortranarray(np.ones((2, 2), dtype=">f8")), np.array([["a", "b"]])])
def test_npy_decodes_2d_arrays_as_saved(array):
    decoded = codecs.decode(npy_bytes(array), NPY)
    assert decoded.dtype == array.dtype
    np.testing.assert_array_equal(decoded, array)


def test_npy_one_dimension_is_one_row():
    assert codecs.decode(npy_bytes(np.array([1.0, 2.0, 3.0])), NPY).shape == (1, 3)


def test_npy_never_unpickles():
    bad_request(npy_bytes(np.array([{"a": 1}], dtype=object), allow_pickle=True), NPY,
                "not a .npy array readable without pickle")
    import pickle
    bad_request(pickle.dumps([1, 2]), NPY, "without pickle")


def test_npy_other_bad_bodies():
    bad_request(npy_bytes(np.zeros((2, 2, 2))), NPY, r"expected a 1-D or 2-D array, got shape \(2, 2, 2\)")
    bad_request(npy_bytes(np.zeros(())), NPY, r"got shape \(\)")
    bad_request(npy_bytes(np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])), NPY, "structured array .fields a, b")
    bad_request(npy_bytes(np.zeros(4))[:-8], NPY, "not a .npy array")
    zipped = io.BytesIO()
    np.savez(zipped, x=np.zeros(2))
    bad_request(zipped.getvalue(), NPY, "an .npz archive")


# --- encode -------------------------------------------------------------------------------

def encoded(data, media: MediaType) -> str:
    return codecs.encode(data, media).decode("utf-8")


def test_encode_csv_shapes_and_number_formats():
    assert encoded(np.array([1.5, 2.0]), CSV) == "1.5\n2.0\n"
    assert encoded(np.array([[1, 2], [3, 4]]), CSV) == "1,2\n3,4\n"
    assert encoded(np.float64(0.25), CSV) == "0.25\n"
    assert encoded(7, CSV) == "7\n"
    assert encoded(np.array([0.1, 1 / 3], dtype=np.float32), CSV) == "0.1\n0.33333334\n"
    assert encoded(np.array([0.1, 1 / 3, 1e20, 1e-7]), CSV) == "0.1\n0.3333333333333333\n1e+20\n1e-07\n"
    assert encoded(np.array([[np.nan, np.inf]]), CSV) == "nan,inf\n"
    assert encoded(np.array([True, False]), CSV) == "True\nFalse\n"
    assert encoded([], CSV) == ""


def test_encode_csv_quotes_strings_only_when_needed():
    row = [["plain", "a, b", 'say "hi"', "two\nlines", " padded", "", None, 3, 0.5]]
    assert encoded(row, CSV) == 'plain,"a, b","say ""hi""","two\nlines"," padded","",,3,0.5\n'


def test_encode_csv_mixed_ragged_and_nested_rows():
    labels = np.array([["cat", 0.9], ["dog", 0.1]], dtype=object)
    assert encoded(labels, CSV) == "cat,0.9\ndog,0.1\n"
    assert encoded([[1, 2], [3]], CSV) == "1,2\n3\n"
    assert encoded([["a", [0.5, 0.25]]], CSV) == 'a,"[0.5,0.25]"\n'


def test_encode_csv_dataframe():
    import pandas as pd

    frame = pd.DataFrame({"label": ["x", "y"], "score": np.array([0.5, 0.75], dtype=np.float32)})
    assert encoded(frame, CSV) == "x,0.5\ny,0.75\n"


def test_encode_csv_round_trips_through_decode():
    numbers = np.random.default_rng(3).normal(size=(50, 4)) * 1e5
    np.testing.assert_array_equal(csv(codecs.encode(numbers, CSV)), numbers)
    text = np.array([["a, b", ' q"uote '], ["", "multi\nline"]], dtype=object)
    assert csv(codecs.encode(text, CSV)).tolist() == text.tolist()


def test_encode_json_is_strict_json():
    assert encoded(np.array([0.1, np.nan, np.inf]), JSON) == "[0.1,null,null]"
    assert encoded(np.array([[1, 2], [3, 4]]), JSON) == "[[1,2],[3,4]]"
    assert encoded(np.array([0.1], dtype=np.float32), JSON) == "[0.1]"
    assert encoded(np.int64(3), JSON) == "3"
    assert encoded(np.array(["é", "b"]), JSON) == '["é","b"]'
    prediction = {"predictions": [{"score": np.float32(0.75), "label": "x", "raw": np.array([np.nan])}]}
    assert json.loads(encoded(prediction, JSON)) == {"predictions": [{"score": 0.75, "label": "x", "raw": [None]}]}


def test_encode_jsonlines_one_value_per_row():
    assert encoded(np.array([[1, 2], [3, 4]]), JSONL) == "[1,2]\n[3,4]\n"
    assert encoded(np.array([0.5, np.nan]), JSONL) == "0.5\nnull\n"
    assert encoded([{"label": "a"}, {"label": "b"}], JSONL) == '{"label":"a"}\n{"label":"b"}\n'
    assert encoded(2.5, JSONL) == "2.5\n"


def test_encode_npy_round_trips_and_refuses_pickles():
    for array in (np.arange(6.0).reshape(2, 3), np.array([1, 2]), np.array(["a", "bc"], dtype=object)):
        restored = np.load(io.BytesIO(codecs.encode(array, NPY)), allow_pickle=False)
        assert restored.tolist() == array.tolist()
    with pytest.raises(InferenceError, match="cannot be written as application/x-npy: .*without pickle") as info:
        codecs.encode(np.array([1, "a", None], dtype=object), NPY)
    assert info.value.status == 406


def test_encode_refuses_what_the_type_cannot_hold_with_406():
    with pytest.raises(InferenceError, match="cannot be written as text/csv: cannot write a mapping") as info:
        codecs.encode({"a": 1}, CSV)
    assert info.value.status == 406 and info.value.code == "NotAcceptable"
    with pytest.raises(InferenceError, match="cannot be written as application/x-recordio-protobuf"):
        codecs.encode(np.array(["cat", "dog"]), MediaType.parse("application/x-recordio-protobuf"))
    with pytest.raises(InferenceError, match="cannot be written as application/json"):
        codecs.encode(np.array([1 + 2j]), JSON)


# --- dispatch -----------------------------------------------------------------------------

def test_supported_types():
    assert set(codecs.DECODABLE) == set(codecs.ENCODABLE) == {
        "text/csv", "application/json", "application/jsonlines", "application/x-npy",
        "application/x-recordio-protobuf"}


def test_parameters_and_aliases_select_the_same_codec():
    assert codecs.decode(b"[1, 2]", MediaType.parse("Application/JSON; charset=UTF-8")).tolist() == [[1, 2]]
    assert codecs.decode(b"[1, 2]\n", MediaType.parse("application/x-ndjson")).tolist() == [[1, 2]]
    assert codecs.encode([1], MediaType.parse("application/json; verbose=true")) == b"[1]"


def test_unsupported_types_list_the_supported_ones():
    with pytest.raises(UnsupportedContentType, match="application/xml is not supported; supported: text/csv, ") as info:
        codecs.decode(b"<a/>", MediaType.parse("application/xml"))
    assert info.value.status == 415
    with pytest.raises(UnsupportedContentType):
        codecs.decode(b"", MediaType.parse("image/png"))  # the type is checked before the body
    with pytest.raises(UnsupportedAccept, match="image/png is not supported; supported: text/csv, ") as accept:
        codecs.encode([1], MediaType.parse("image/png"))
    assert accept.value.status == 406


def test_sagemaker_inference_agrees_where_it_is_right():
    """The AWS toolkit as an independent reference for multi-row numeric bodies."""
    decoder = pytest.importorskip("sagemaker_inference.decoder", reason="sagemaker-inference is a test extra")
    body = "1.0,2.5\n3.5,4e-3\n"
    np.testing.assert_array_equal(csv(body), decoder.decode(body, "text/csv"))
    np.testing.assert_array_equal(codecs.decode(b"[[1, 2], [3, 4]]", JSON), decoder.decode("[[1, 2], [3, 4]]",
                                                                                             "application/json"))
    # ...and where it is not: one CSV row comes back 1-D.
    assert decoder.decode("1,2", "text/csv").ndim == 1 and csv("1,2").ndim == 2
