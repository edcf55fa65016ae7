"""parse_csv's fast path (plain numbers, once per distinct row or cell) gives what the general
row-by-row reader gives: the same float32 array, or the same 400."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_pipeline.runtimes.xgboost import io as xgb_io
from inference_pipeline.runtimes.xgboost.io import parse_csv, parse_csv_rows
from inference_pipeline.serving.errors import BadRequest


def _outcome(parse, text: str) -> tuple[str, object]:
    try:
        array = parse(text)
    except BadRequest as exc:
        return "400", str(exc)
    return "ok", (array.dtype.str, array.shape, array.tobytes())


def _same(text: str) -> None:
    assert _outcome(parse_csv, text) == _outcome(parse_csv_rows, text), repr(text[:200])


NUMBER = st.one_of(st.floats(allow_nan=False, width=64).map(repr), st.integers(-10**20, 10**20).map(str),
                   st.sampled_from(["0.0", "1.0", "-0.0", "1e5", "1E-5", ".5", "5.", "+1", "1e400", "-1e-400"]))
# Cells the fast path must hand back: empty, malformed, or outside its alphabet.
ODD = st.sampled_from(["", ".", "e", "1e", "1.2.3", "+-1", "1-", "nan", "inf", " 1", "1_0", '"1"', "0x10", "١"])
CELL = st.one_of(NUMBER, NUMBER, NUMBER, ODD)
SEPARATOR = st.sampled_from(["\n", "\n", "\n", "\r\n", "\n\n", "\n \n"])


@st.composite
def bodies(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 5))
    pool = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=6))
    # Rows drawn from a small pool repeat (the distinct-row path); a ragged row now and then.
    rows = draw(st.lists(st.sampled_from(pool) | st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=40))
    separators = draw(st.lists(SEPARATOR, min_size=len(rows), max_size=len(rows)))
    text = "".join(",".join(row) + sep for row, sep in zip(rows, separators))
    return text if draw(st.booleans()) else text.rstrip("\n")


@settings(max_examples=400, deadline=None)
@given(bodies())
def test_fast_path_equals_the_general_reader(text):
    _same(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(NUMBER, min_size=3, max_size=3), min_size=1, max_size=60))
def test_distinct_rows_and_cells(rows):
    text = "\n".join(",".join(row) for row in rows) + "\n"
    _same(text)
    _same(text * 5)  # every row repeated: parsed once, gathered


def test_one_hot_body_takes_the_fast_path(monkeypatch):
    rng = np.random.default_rng(3)
    one_hot = np.eye(15)[rng.integers(0, 15, 5000)]
    text = "\n".join(",".join(f"{v:.1f}" for v in row) for row in one_hot) + "\n"
    expected = parse_csv_rows(text)

    def no_fallback(text: str) -> np.ndarray:
        raise AssertionError("the general reader ran")

    monkeypatch.setattr(xgb_io, "parse_csv_rows", no_fallback)
    np.testing.assert_array_equal(parse_csv(text), expected)
    assert parse_csv(text).dtype == np.float32


@pytest.mark.parametrize("text", ["1,2\n3", "1,,3\n4,5,6", "1,2\n\n3,4", "1,2\r\n3,4", "1, 2", "1;2\n3;4"])
def test_bodies_outside_the_fast_path_are_read_as_before(text):
    _same(text)
