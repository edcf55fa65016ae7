"""Parity of VectorIndexer, OneVsRest, LinearSVC, MLP, GLR and the clustering ops with pyspark.

Fit in pyspark, export with our exporter, check the node against MLeap 0.20's serializer layout,
run our runtime on the bundle and compare with ``PipelineModel.transform`` on the same rows:
integers and strings exactly, floats within a few ulps of the column's magnitude. Rows Spark
drops (handleInvalid="skip") must be dropped, rows it rejects must make the runtime raise.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyspark")

from pyspark.ml.linalg import SparseVector  # noqa: E402
from pyspark.ml.linalg import Vector as SparkVector  # noqa: E402

from inference_pipeline.mleap import load_bundle  # noqa: E402
from inference_pipeline.mleap.export import export_pipeline  # noqa: E402
from inference_pipeline.mleap.frame import LeapFrame, Vector, column_from_values  # noqa: E402

from .extra_model_cases import EXTRA_CASES, ExtraCase, Layout  # noqa: E402
from .spark_fixtures import spark  # noqa: E402,F401

pytestmark = pytest.mark.spark


def _plain(value: Any) -> Any:
    if isinstance(value, SparkVector):
        return [float(x) for x in value.toArray()]
    return value


def _frame(rows: list[Any], columns: list[str]) -> LeapFrame:
    """A frame of the test rows; a vector column of sparse Spark vectors becomes a CSR column."""
    frame = LeapFrame(n_rows=len(rows))
    for name in columns:
        values = [row[name] for row in rows]
        if values and all(isinstance(v, SparseVector) for v in values):
            indptr = np.cumsum([0] + [len(v.indices) for v in values])
            indices = np.concatenate([v.indices for v in values]) if values else np.zeros(0)
            data = np.concatenate([v.values for v in values]) if values else np.zeros(0)
            frame.with_column(name, Vector.from_csr(values[0].size, indptr, indices, data))
        else:
            frame.with_column(name, column_from_values([_plain(v) for v in values]))
    return frame


def _scale(values: list[Any]) -> float:
    flat = [abs(x) for v in values for x in (v if isinstance(v, list) else [v])
            if isinstance(x, float) and math.isfinite(x)]
    return max(flat, default=0.0)


def _close(expected: Any, got: Any, ulps: int, scale: float) -> bool:
    if isinstance(expected, list):
        return isinstance(got, list) and len(expected) == len(got) and all(
            _close(e, g, ulps, scale) for e, g in zip(expected, got, strict=True))
    if isinstance(expected, float):
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            return False
        if math.isnan(expected) or math.isinf(expected):
            return (math.isnan(got) and math.isnan(expected)) or expected == got
        tolerance = ulps * max(math.ulp(max(abs(expected), abs(got))), math.ulp(scale))
        return abs(expected - got) <= tolerance
    return type(expected) is type(got) and expected == got


def _kind(value: dict[str, Any]) -> str:
    kind = value.get("type")
    keys = [k for k in value if k not in ("type", "shape")]
    if kind == "list":
        return "list:" + (keys[0] if keys else "?")
    if kind == "tensor":
        return "tensor"
    return keys[0] if keys else "{}"


def _check_layout(node_dir: Path, layout: Layout) -> None:
    model = json.loads((node_dir / "model.json").read_text())
    assert model["op"] == layout.op
    kinds = {name: _kind(value) for name, value in model["attributes"].items()}
    for name, kind in layout.attributes.items():
        assert kinds.get(name) == kind, f"{name}: {kinds.get(name)} != {kind}"
    extra = set(kinds) - set(layout.attributes) - {k for k in kinds if k.startswith("key_")}
    assert not extra, f"attributes MLeap does not write: {sorted(extra)}"
    for name, expected in layout.values.items():
        assert model["attributes"][name] == {"string": expected}
    ports = [p["port"] for p in json.loads((node_dir / "node.json").read_text())["shape"]["outputs"]]
    assert ports == layout.outputs
    for relative in layout.files:
        assert (node_dir / relative).is_file(), relative
    if layout.child_op is not None:
        children = sorted(p for p in node_dir.iterdir() if p.is_dir())
        assert [p.name for p in children] == [f"model{i}" for i in range(len(children))]
        for child in children:
            assert not (child / "node.json").exists(), "ModelSerializer writes no node.json for sub-models"
            assert json.loads((child / "model.json").read_text())["op"] == layout.child_op


def _stage_dir(bundle_dir: Path, op: str) -> Path:
    for model_json in sorted((bundle_dir / "root").rglob("model.json")):
        if json.loads(model_json.read_text())["op"] == op and (model_json.parent / "node.json").exists():
            return model_json.parent
    raise AssertionError(f"no {op} node in the bundle")


@pytest.mark.parametrize("case", EXTRA_CASES, ids=[c.id for c in EXTRA_CASES])
def test_runtime_matches_spark(spark: Any, case: ExtraCase, tmp_path: Path) -> None:  # noqa: F811
    assert_matches_spark(spark, case, tmp_path)


def assert_matches_spark(spark: Any, case: ExtraCase, tmp_path: Path) -> Path:  # noqa: F811
    """Export the case's pipeline, check its layout, and compare our runtime with Spark row by row."""
    model, train, test = case.build(spark)
    path = export_pipeline(model, tmp_path / "bundle", dataset=train, archive="dir")
    _check_layout(_stage_dir(path, case.layout.op), case.layout)
    bundle = load_bundle(path)
    inputs = ["id", *bundle.input_columns]

    rows = test.collect()
    valid = [r for r in rows if r["id"] not in case.error_ids]
    expected = model.transform(spark.createDataFrame(valid, test.schema)).select("id", *case.outputs).collect()
    got = bundle.transform(_frame(valid, inputs)).to_dict()

    assert sorted(got["id"]) == sorted(r["id"] for r in expected), "rows kept differ from Spark's"
    by_id = {row_id: i for i, row_id in enumerate(got["id"])}
    mismatches = []
    for column in case.outputs:
        scale = _scale([_plain(r[column]) for r in expected])
        for r in expected:
            ours = got[column][by_id[r["id"]]]
            if not _close(_plain(r[column]), ours, case.ulps, scale):
                mismatches.append(f"id={r['id']} {column}: spark={_plain(r[column])!r} ours={ours!r}")
    assert not mismatches, "\n".join(mismatches)

    for row in (r for r in rows if r["id"] in case.error_ids):
        with pytest.raises(Exception):  # noqa: B017 - any runtime error; Spark raises SparkException
            bundle.transform(_frame([row], inputs))
    # The numpy-free row path agrees with the frame path (rows are dense lists there).
    if bundle.row_capable and not any(isinstance(row[k], SparseVector) for row in valid for k in inputs):
        for row in valid:
            one = bundle.transform_row({k: _plain(row[k]) for k in inputs})
            if one is not None:
                assert _close(got[case.outputs[0]][by_id[row["id"]]], one[case.outputs[0]], 0, 0.0)
    return path
