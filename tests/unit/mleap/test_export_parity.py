"""Round trip: fit in PySpark, export with our exporter, run with our MLeap runtime, compare.

Strings and indices must be equal, floats within 1e-9, and handleInvalid="skip" must drop
the same rows. Rows Spark rejects (handleInvalid="error") must make the runtime raise too.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

pytest.importorskip("pyspark")

from pyspark.ml.linalg import Vector  # noqa: E402
from pyspark.sql import Row  # noqa: E402

from inference_pipeline.mleap import load_bundle  # noqa: E402
from inference_pipeline.mleap.export import export_pipeline  # noqa: E402

from .export_cases import CASES, Case  # noqa: E402
from .spark_fixtures import spark  # noqa: E402,F401

pytestmark = pytest.mark.spark


def _plain(value: Any) -> Any:
    if isinstance(value, Vector):
        return [float(x) for x in value.toArray()]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _same(expected: Any, got: Any) -> bool:
    expected, got = _plain(expected), _plain(got)
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(expected) == len(got)
            and all(_same(e, g) for e, g in zip(expected, got, strict=True))
        )
    if isinstance(expected, float):
        if not isinstance(got, (int, float)):
            return False
        if math.isnan(expected):
            return math.isnan(got)
        return math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-9)
    return expected == got


def _columns(rows: list[Row], names: list[str]) -> dict[str, list[Any]]:
    return {name: [_plain(row[name]) for row in rows] for name in names}


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.runtime_bug)] if case.runtime_bug else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_runtime_matches_spark(spark: Any, case: Case, tmp_path: Any) -> None:  # noqa: F811
    model, train, test = case.build(spark)
    bundle = load_bundle(export_pipeline(model, tmp_path / "bundle", dataset=train, archive="dir"))
    inputs = ["id", *bundle.input_columns]

    rows = test.collect()
    valid = [r for r in rows if r["id"] not in case.error_ids]
    expected = model.transform(spark.createDataFrame(valid, test.schema)).select("id", *case.outputs).collect()
    got = bundle.transform(_columns(valid, inputs)).to_dict()

    assert sorted(got["id"]) == sorted(r["id"] for r in expected), "rows kept differ from Spark's"
    by_id = {row_id: i for i, row_id in enumerate(got["id"])}
    mismatches = [
        f"id={r['id']} {column}: spark={_plain(r[column])!r} ours={got[column][by_id[r['id']]]!r}"
        for r in expected
        for column in case.outputs
        if not _same(r[column], got[column][by_id[r["id"]]])
    ]
    assert not mismatches, "\n".join(mismatches)

    for row in (r for r in rows if r["id"] in case.error_ids):
        with pytest.raises(Exception):  # noqa: B017 - any runtime error; Spark raises SparkException
            bundle.transform(_columns([row], inputs))
