"""Parity for selectors, FeatureHasher, ElementwiseProduct, DCT, RobustScaler, isotonic and AFT.

For each case: fit in PySpark, export with our exporter, then check

* the bundle as MLeap 0.20's JVM reader needs it: op name, every attribute with its JSON kind,
  the node.json port names;
* our runtime's columnar path on the exported bundle equals ``PipelineModel.transform``, with the
  vectors handed over as Spark has them (sparse rows as CSR, so the sparse code paths run) and
  again as dense lists; floats within 1e-9 (NaN equals NaN, infinities exactly);
* the row path (``transform_row``) gives the same;
* rows Spark rejects make our runtime raise too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyspark")

from pyspark.ml.linalg import SparseVector  # noqa: E402
from pyspark.ml.linalg import Vector as SparkVector  # noqa: E402
from pyspark.sql import Row  # noqa: E402

from inference_pipeline.mleap import load_bundle  # noqa: E402
from inference_pipeline.mleap.export import export_pipeline  # noqa: E402
from inference_pipeline.mleap.frame import LeapFrame, Vector, column_from_values  # noqa: E402

from .selector_hasher_cases import CASES, Case  # noqa: E402
from .spark_fixtures import spark  # noqa: E402,F401

pytestmark = pytest.mark.spark

RTOL = ATOL = 1e-9


def _array(value: Any) -> np.ndarray:
    if isinstance(value, SparkVector):
        return value.toArray().astype(np.float64)
    return np.atleast_1d(np.asarray(value, dtype=np.float64))


def _mismatch(expected: Any, got: Any) -> str | None:
    if isinstance(expected, str) or expected is None:
        return None if expected == got else "differs"
    e, g = _array(expected), _array(got)
    if e.shape != g.shape:
        return f"shape {e.shape} != {g.shape}"
    nan = np.isnan(e)
    if (nan != np.isnan(g)).any():
        return "NaN positions differ"
    inf = np.isinf(e)
    if (e[inf] != g[inf]).any() or np.isinf(g[~inf & ~nan]).any():
        return "infinities differ"
    finite = ~nan & ~inf
    bad = ~np.isclose(e[finite], g[finite], rtol=RTOL, atol=ATOL)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return f"first difference spark={e[finite][i]!r} ours={g[finite][i]!r}"
    return None


def _frame(rows: list[Row], columns: list[str], *, sparse: bool) -> LeapFrame:
    """Rows as a LeapFrame; with ``sparse`` an all-sparse vector column becomes CSR."""
    data: dict[str, Any] = {}
    for name in columns:
        values = [row[name] for row in rows]
        if values and all(isinstance(v, SparseVector) for v in values) and sparse:
            indptr = np.cumsum([0] + [len(v.indices) for v in values])
            indices = np.concatenate([v.indices for v in values]).astype(np.int64)
            data_ = np.concatenate([v.values for v in values]).astype(np.float64)
            data[name] = Vector.from_csr(values[0].size, indptr, indices, data_)
        elif any(isinstance(v, SparkVector) for v in values):
            data[name] = Vector.from_dense(np.array([v.toArray() for v in values], dtype=np.float64))
        else:
            data[name] = column_from_values(values)
    return LeapFrame(data, len(rows))


def _row(row: Row, columns: list[str]) -> dict[str, Any]:
    return {c: [float(x) for x in row[c].toArray()] if isinstance(row[c], SparkVector) else row[c] for c in columns}


def _kind(raw: dict[str, Any]) -> str:
    keys = [k for k in raw if k not in ("type", "shape")]
    if raw.get("type") in ("list", "tensor"):
        return f"{raw['type']}:{keys[0] if keys else '?'}"
    return keys[0] if len(keys) == 1 else "?"


def _leaf(bundle_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """model.json and node.json of the single stage under the root pipeline."""
    root = json.loads((bundle_dir / "root" / "model.json").read_text())
    (child,) = root["attributes"]["nodes"]["string"]
    node_dir = bundle_dir / "root" / f"{child}.node"
    return json.loads((node_dir / "model.json").read_text()), json.loads((node_dir / "node.json").read_text())


def _split(case: Case, rows: list[Row]) -> tuple[list[Row], list[Row]]:
    return [r for r in rows if r["id"] not in case.error_ids], [r for r in rows if r["id"] in case.error_ids]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bundle_has_mleap_020_attributes(spark: Any, case: Case, tmp_path: Path) -> None:  # noqa: F811
    model, train, _ = case.build(spark)
    path = export_pipeline(model, tmp_path / "bundle", dataset=train, archive="dir")
    model_json, node_json = _leaf(path)
    assert model_json["op"] == case.op
    kinds = {name: _kind(raw) for name, raw in model_json["attributes"].items()}
    assert kinds == case.attributes
    assert [p["port"] for p in node_json["shape"]["inputs"]] == case.inputs
    assert [p["port"] for p in node_json["shape"]["outputs"]] == case.output_ports
    assert node_json["name"] == model.stages[0].uid


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_runtime_matches_spark(spark: Any, case: Case, tmp_path: Path) -> None:  # noqa: F811
    model, train, test = case.build(spark)
    bundle = load_bundle(export_pipeline(model, tmp_path / "bundle", dataset=train, archive="dir"))
    inputs = ["id", *bundle.input_columns]
    valid, rejected = _split(case, test.collect())
    assert valid, "a case needs rows Spark accepts"
    expected = {r["id"]: r for r in model.transform(spark.createDataFrame(valid, test.schema)).collect()}

    mismatches = []
    for sparse in (True, False):
        got = bundle.transform(_frame(valid, inputs, sparse=sparse))
        columns = {c: got.get(c) for c in case.outputs}
        out = {c: (col.to_dense() if isinstance(col, Vector) else col.to_list()) for c, col in columns.items()}
        for i, row in enumerate(valid):
            for c in case.outputs:
                problem = _mismatch(expected[row["id"]][c], out[c][i])
                if problem:
                    mismatches.append(f"{'sparse' if sparse else 'dense'} id={row['id']} {c}: {problem}")
    if bundle.row_capable:
        for row in valid:
            result = bundle.transform_row(_row(row, inputs))
            assert result is not None
            for c in case.outputs:
                problem = _mismatch(expected[row["id"]][c], result[c])
                if problem:
                    mismatches.append(f"row path id={row['id']} {c}: {problem}")
    assert not mismatches, "\n".join(mismatches)

    for row in rejected:
        with pytest.raises(Exception):  # noqa: B017 - Spark raises a SparkException/Py4J error
            model.transform(spark.createDataFrame([row], test.schema)).collect()
        with pytest.raises(Exception):  # noqa: B017 - our runtime raises OpError
            bundle.transform(_frame([row], inputs, sparse=False))


def test_stage_without_mleap_op_fails_at_export_naming_it(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    from pyspark.ml import PipelineModel
    from pyspark.ml.feature import SQLTransformer

    from inference_pipeline.mleap.export import UnsupportedStageError

    sql = SQLTransformer(statement="SELECT *, a * 2 AS a2 FROM __THIS__")
    with pytest.raises(UnsupportedStageError, match=f"SQLTransformer \\(uid '{sql.uid}'\\): MLeap has no op for "
                                                     "SQLTransformer"):
        export_pipeline(PipelineModel(stages=[sql]), tmp_path / "b")
