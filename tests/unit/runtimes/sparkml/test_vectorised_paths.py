"""The sparkml runtime's whole-column paths give what its value-by-value rules give.

Reading: ``csv_rows`` equals ``csv.reader``; ``csv_input_columns`` (fields column by column,
each distinct line parsed once) equals ``csv.reader`` + ``convert_value`` per value — the same
values or the same 400. Writing: ``format_column`` equals ``format_value`` on every row, for
every Accept. End to end: a big batch of repeated rows answers what each row answers alone.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from inference_pipeline.mleap.frame import ListColumn, Scalar, Vector
from inference_pipeline.mleap.serving_schema import ColumnSpec, ServingSchema
from inference_pipeline.runtimes.sparkml.columns import InputColumns, csv_input_columns, csv_rows, frame_column
from inference_pipeline.runtimes.sparkml.formatting import column_values, format_column, format_value
from inference_pipeline.runtimes.sparkml.runtime import SparkMLRuntime
from inference_pipeline.runtimes.sparkml.values import convert_value
from inference_pipeline.serving.errors import BadRequest
from inference_pipeline.serving.media import MediaType
from inference_pipeline.serving.runtime import InferenceRequest
from tests.support.mleap_bundles import ABALONE_SCHEMA, abalone_pipeline, write

ACCEPTS = ["text/csv", "application/jsonlines", "application/jsonlines;data=text"]


def _outcome(function: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", function(*args)
    except BadRequest as exc:
        return "400", str(exc)


# ---------------------------------------------------------------------------- reading

@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab1.,\n "\r\t\x00é'), max_size=60))
def test_csv_rows_equal_the_csv_module(text):
    def reference(text: str) -> list[list[str]]:
        try:
            return [row for row in csv.reader(io.StringIO(text)) if row]
        except csv.Error as exc:
            raise BadRequest(f"malformed CSV: {exc}") from None

    assert _outcome(csv_rows, text) == _outcome(reference, text)


def _reference_columns(schema: ServingSchema, text: str) -> dict[str, list[Any]]:
    """The value-by-value rule: every row, every value, in row order."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    columns: dict[str, list[Any]] = {spec.name: [] for spec in schema.inputs}
    for number, row in enumerate(rows, start=1):
        if len(row) < len(schema.inputs):
            raise BadRequest(f"row {number} has {len(row)} values; the schema has {len(schema.inputs)} inputs")
        for spec, value in zip(schema.inputs, row):
            columns[spec.name].append(convert_value(value, spec))
    return columns


def _expanded(columns: InputColumns) -> dict[str, list[Any]]:
    if columns.rows is None:
        return columns.values
    return {name: [values[i] for i in columns.rows.tolist()] for name, values in columns.values.items()}


def _typed(columns: dict[str, list[Any]]) -> dict[str, list[tuple[str, str]]]:
    # repr keeps -0.0 apart from 0.0 and 1 apart from 1.0 and True.
    return {name: [(type(v).__name__, repr(v)) for v in values] for name, values in columns.items()}


FIELDS = {
    "string": st.sampled_from(["vhigh", "low", "", " med", "2", "a b", "é", "NaN"]),
    "double": st.sampled_from(["1.0", "-0.0", "2", ".5", "1e5", "1E-400", "+3", "NaN", "Infinity", " 1.5",
                               "1.5d", "0x1p3", "abc", "", "1_0", "١"]),
    "int": st.sampled_from(["1", "-7", "+0", "007", "2147483647", "2147483648", "-2147483649", "1.0", "", "x"]),
    "long": st.sampled_from(["1", "-9223372036854775808", "9223372036854775808", "123456789012345678", "3"]),
    "boolean": st.sampled_from(["true", "TRUE", "false", "yes", "", "1"]),
}


@st.composite
def csv_requests(draw: st.DrawFn) -> tuple[ServingSchema, str]:
    types = draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=4))
    schema = ServingSchema([ColumnSpec(f"c{i}", t, "basic") for i, t in enumerate(types)],
                           ColumnSpec("out", "double", "vector"))
    pool = draw(st.lists(st.tuples(*(FIELDS[t] for t in types)), min_size=1, max_size=5))
    rows = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=30))
    lines = [",".join(row) for row in rows]
    if draw(st.booleans()) and lines:  # a short or long row somewhere
        index = draw(st.integers(0, len(lines) - 1))
        lines[index] = draw(st.sampled_from([lines[index] + ",extra", lines[index].rpartition(",")[0]]))
    return schema, "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=400, deadline=None)
@given(csv_requests())
def test_csv_input_columns_equal_value_by_value_conversion(request):
    schema, text = request
    fast = _outcome(lambda: _typed(_expanded(csv_input_columns(schema, text))))
    slow = _outcome(lambda: _typed(_reference_columns(schema, text)))
    assert fast == slow, repr(text)


def test_repeated_lines_are_parsed_once_and_gathered():
    schema = ServingSchema([ColumnSpec("a", "string", "basic"), ColumnSpec("b", "double", "basic")],
                           ColumnSpec("out", "double", "vector"))
    columns = csv_input_columns(schema, "x,1.5\ny,2\n" * 50)
    assert columns.rows is not None and columns.n_rows == 100
    assert columns.values == {"a": ["x", "y"], "b": [1.5, 2.0]}
    assert columns.first_row() == {"a": "x", "b": 1.5}
    assert InputColumns({"a": ["x", "y"]}, 3, np.array([1, 0, 1])).first_row() == {"a": "y"}
    frame = columns.frame(schema)
    assert frame.n_rows == 100
    assert frame.columns["a"].values.tolist()[:3] == ["x", "y", "x"]  # type: ignore[union-attr]
    assert frame.columns["b"].values.tolist()[-1] == 2.0  # type: ignore[union-attr]


def test_string_columns_stay_objects_when_numpy_would_change_them():
    spec = ColumnSpec("s", "string", "basic")
    categorical = frame_column(spec, ["a", "bb"] * 100)
    assert isinstance(categorical, Scalar) and categorical.values.dtype.kind == "U"
    for values in (["a\x00", "a"] * 100, [f"t{i}" for i in range(200)], ["x" * 100] * 10):
        column = frame_column(spec, values)
        assert isinstance(column, Scalar) and column.values.dtype == object
        assert column.values.tolist() == values


# ---------------------------------------------------------------------------- writing

def _reference_lines(column: Any, output: ColumnSpec, accept: str) -> list[str]:
    return [format_value(value, output, accept) for value in column_values(column)]


def _same_lines(column: Any, output: ColumnSpec, accept: str) -> None:
    def fast() -> list[str]:
        return format_column(column, output, accept)

    def slow() -> list[str]:
        return _reference_lines(column, output, accept)

    try:
        expected = ("ok", slow())
    except (BadRequest, TypeError, ValueError, OverflowError) as exc:
        expected = (type(exc).__name__, str(exc))
    try:
        got = ("ok", fast())
    except (BadRequest, TypeError, ValueError, OverflowError) as exc:
        got = (type(exc).__name__, str(exc))
    assert got == expected


DOUBLES = st.floats(allow_nan=True, allow_infinity=True, width=64)
SMALL_WHOLE = st.integers(-5000, 5000).map(float)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(0, 12), st.integers(0, 6)), elements=DOUBLES | SMALL_WHOLE),
       st.sampled_from(ACCEPTS), st.sampled_from(["vector", "array"]))
def test_vector_columns(matrix, accept, struct):
    column = Vector.from_dense(matrix) if matrix.shape[1] else Vector(0, dense=matrix)
    _same_lines(column, ColumnSpec("features", "double", struct), accept)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 5)), elements=DOUBLES | SMALL_WHOLE),
       st.lists(st.integers(0, 7), min_size=64, max_size=200), st.sampled_from(ACCEPTS))
def test_repeated_vector_rows(pool, picks, accept):
    # Enough repeats to format each distinct row once; -0.0 and 0.0 rows must stay apart.
    matrix = pool[[pick % len(pool) for pick in picks]]
    _same_lines(Vector.from_dense(matrix), ColumnSpec("features", "double", "vector"), accept)
    _same_lines(Vector.from_dense(np.where(matrix == 0, -0.0, matrix)), ColumnSpec("f", "double", "vector"), accept)


def test_sparse_vector_column():
    dense = np.array([[0.0, 1.5, 0.0], [np.nan, 0.0, -0.0], [0.0, 0.0, 0.0]])
    indptr, indices, data = Vector.from_dense(dense).csr()
    column = Vector.from_csr(3, indptr, indices, data)
    for accept in ACCEPTS:
        _same_lines(column, ColumnSpec("features", "double", "vector"), accept)


SCALARS = st.one_of(
    arrays(np.float64, st.integers(0, 20), elements=DOUBLES | SMALL_WHOLE),
    arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e6, 1e6)),  # finite: int outputs truncate
    arrays(np.float32, st.integers(0, 20), elements=st.floats(width=32)),
    arrays(np.int64, st.integers(0, 20)),
    arrays(np.bool_, st.integers(0, 20)),
    arrays(np.dtype("U3"), st.integers(0, 20), elements=st.text(alphabet="ab\u00e9 ", max_size=3)),
    st.lists(st.one_of(st.text(max_size=3), st.none(), st.floats(), st.integers()), max_size=10)
    .map(lambda values: np.array(values + [None], dtype=object)[:-1]),
)


@settings(max_examples=400, deadline=None)
@given(SCALARS, st.sampled_from(["double", "float", "int", "long", "short", "byte", "boolean", "string"]),
       st.booleans())
def test_scalar_columns(values, type_, with_nulls):
    nulls = (np.arange(len(values)) % 3 == 1) if with_nulls and len(values) else None
    column = Scalar(values, "double", nulls)
    for accept in ACCEPTS:
        _same_lines(column, ColumnSpec("out", type_, "basic"), accept)


def test_other_shapes_go_row_by_row():
    _same_lines(ListColumn([["a", "b"], []]), ColumnSpec("out", "string", "array"), "text/csv")
    _same_lines(Scalar(np.array([1.5, 2.0])), ColumnSpec("out", "double", "vector"), "text/csv")
    with pytest.raises(BadRequest, match="is not a scalar"):
        format_column(Vector.from_dense(np.ones((2, 2))), ColumnSpec("out", "double", "basic"), "text/csv")


# ---------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def abalone(tmp_path_factory, monkeypatch_module):
    model = write(abalone_pipeline(), tmp_path_factory.mktemp("abalone") / "model")
    monkeypatch_module.setenv("SAGEMAKER_SPARKML_SCHEMA", json.dumps(ABALONE_SCHEMA))
    runtime = SparkMLRuntime()
    runtime.load(model)
    return runtime


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _invoke(runtime: SparkMLRuntime, body: str, accept: str = "text/csv") -> str:
    csv_type = MediaType.parse("text/csv")
    return runtime.invoke(InferenceRequest(body.encode(), csv_type, MediaType.parse(accept))).body.decode()


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_big_repeated_batch_answers_what_each_row_answers_alone(abalone, accept):
    distinct = ["F,0.515,0.425,0.14,0.766,0.304,0.1725,0.255", "M,1,2,3,4,5,6,7",
                "I,1e-5,-0.0,12345678.5,0.001,1e7,-3,0.1"]
    rng = np.random.default_rng(5)
    lines = [distinct[i] for i in rng.integers(0, len(distinct), 300)]
    alone = {line: _invoke(abalone, line, accept).rstrip("\n") for line in distinct}
    together = _invoke(abalone, "\n".join(lines) + "\n", accept)
    separator = "\n"
    assert together.rstrip("\n").split(separator) == [alone[line] for line in lines]


def test_a_bad_row_in_a_repeated_batch_is_named_as_before(abalone):
    body = "F,1,2,3,4,5,6,7\n" * 50 + "X,1,2,3,4,5,6,7\n" + "M,1,2,3,4,5,6,abc\n"
    with pytest.raises(BadRequest, match='For input string: "abc"'):
        _invoke(abalone, body)
    with pytest.raises(BadRequest, match="Unseen label: X"):
        _invoke(abalone, "F,1,2,3,4,5,6,7\n" * 50 + "X,1,2,3,4,5,6,7\n")
