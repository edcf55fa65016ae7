"""Property: the sparkml runtime's two execution paths agree. A one-row request takes the row
path (``Bundle.transform_row``, no numpy), a multi-row request the columnar one
(``Bundle.transform`` over a LeapFrame); for any rows — unseen categories, NaN, ±inf, huge or
hex doubles — each row alone gives the same line as inside the batch, or both are a 400."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from inference_pipeline.runtimes.sparkml.runtime import SparkMLRuntime  # noqa: E402
from inference_pipeline.serving.errors import BadRequest  # noqa: E402
from inference_pipeline.serving.media import MediaType  # noqa: E402
from inference_pipeline.serving.runtime import InferenceRequest  # noqa: E402
from tests.support.mleap_bundles import ABALONE_SCHEMA, NUMERIC, abalone_pipeline, write  # noqa: E402

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "100"))
CSV = MediaType.parse("text/csv")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    model = write(abalone_pipeline(), tmp_path_factory.mktemp("abalone") / "model")
    previous = os.environ.get("SAGEMAKER_SPARKML_SCHEMA")
    os.environ["SAGEMAKER_SPARKML_SCHEMA"] = json.dumps(ABALONE_SCHEMA)
    try:
        runtime = SparkMLRuntime()
        runtime.load(model)
    finally:
        if previous is None:
            del os.environ["SAGEMAKER_SPARKML_SCHEMA"]
        else:
            os.environ["SAGEMAKER_SPARKML_SCHEMA"] = previous
    return runtime


NUMBERS = st.one_of(st.floats(width=64).map(repr), st.sampled_from(["nan", "NaN", "Infinity", "-Infinity",
                                                                    "1e400", "0x1p99999", "0x1.8p1", "7", "-0"]))
ROWS = st.lists(st.tuples(st.sampled_from(["M", "I", "F", "X", ""]), st.lists(NUMBERS, min_size=len(NUMERIC),
                                                                             max_size=len(NUMERIC))),
                min_size=2, max_size=6)


def _answer(runtime: SparkMLRuntime, lines: list[str]) -> list[str] | None:
    """The response lines, or None for a 400."""
    request = InferenceRequest("\n".join(lines).encode(), CSV, CSV)
    try:
        return runtime.invoke(request).body.decode().split("\n")
    except BadRequest:
        return None


@settings(max_examples=EXAMPLES, deadline=None)
@given(rows=ROWS)
def test_row_path_equals_columnar_path(runtime, rows):
    lines = [",".join([sex, *numbers]) for sex, numbers in rows]
    alone = [_answer(runtime, [line]) for line in lines]
    together = _answer(runtime, lines)
    if any(answer is None for answer in alone):
        assert together is None, f"the batch answered although a row alone is a 400: {lines}"
    else:
        assert together == [answer[0] for answer in alone if answer is not None]
