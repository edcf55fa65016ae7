"""Spark models MLeap 0.20 cannot represent: written with our own ops, scored as Spark, refused by the JVM.

For each case (``not_jvm_cases``): our runtime matches pyspark row by row (the same harness as
``test_parity_models_extra``), the export warns naming the stage and AWS's container, and
``check_bundle`` / ``--check-jvm`` report exactly the own-op problem, naming the op and the field.
The conftest guard lets these bundles through only via its explicit ``EXPECTED_NOT_JVM_LOADABLE``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyspark")

import pyspark  # noqa: E402
from pyspark.ml import feature as Fe  # noqa: E402

from inference_pipeline.mleap.export import ExportError, export_pipeline  # noqa: E402
from inference_pipeline.mleap.export.exporter import ExportWarning  # noqa: E402
from inference_pipeline.mleap.jvm_rules import OWN_OPS, REGISTRY_SOURCE, check_bundle  # noqa: E402

from .extra_model_cases import ExtraCase  # noqa: E402
from .jvm_guard import EXPECTED_NOT_JVM_LOADABLE, JvmGuard  # noqa: E402
from .not_jvm_cases import CLUSTER_CASES, GLM_CASES, TE_CASES  # noqa: E402
from .spark_fixtures import spark  # noqa: E402,F401
from .test_parity_models_extra import assert_matches_spark  # noqa: E402

pytestmark = pytest.mark.spark

NO_TARGET_ENCODER = (f"pyspark {pyspark.__version__} has no TargetEncoder (added in Spark 4.0); its parity is "
                     "checked under pyspark 4")
CASES = GLM_CASES + CLUSTER_CASES + TE_CASES
# The field check_bundle names for each case: what MLeap cannot represent.
FIELDS = {"glm-gaussian-offset": {"offset port"}, "glm-poisson-log-offset": {"offset port"},
          "glm-tweedie-1.5-log-offset": {"offset port"}, "glm-tweedie-1.2-power-0.25-offset": {"offset port", "family",
                                                                                              "link"},
          "glm-tweedie-1.0-power-0.3": {"link"}}


def _expected_fields(case: ExtraCase) -> set[str]:
    if case.id in FIELDS:
        return FIELDS[case.id]
    if case.id.startswith("glm-"):
        return {"family", "link"}
    return {"op"} if case.id.startswith("target_encoder") else {"distance_measure"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_own_op_matches_spark_and_the_jvm_refuses_it(spark: Any, case: ExtraCase, tmp_path: Path,  # noqa: F811
                                                    _jvm_checked_exports: JvmGuard) -> None:
    if case.id.startswith("target_encoder") and not hasattr(Fe, "TargetEncoder"):
        pytest.skip(NO_TARGET_ENCODER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = assert_matches_spark(spark, case, tmp_path)
    messages = [str(w.message) for w in caught if issubclass(w.category, ExportWarning)]
    assert messages and all("sagemaker-sparkml-serving cannot load" in m and case.layout.op in m for m in messages)
    assert any("Model " in m and "_" in m.split("(")[0] for m in messages), messages  # names class and uid

    problems = check_bundle(path)
    assert problems, "the JVM checker must report our own op"
    assert {p.op for p in problems} == {case.layout.op}
    assert {p.field for p in problems} == _expected_fields(case)
    assert all(p.source == REGISTRY_SOURCE and "serve it with the sparkml image" in p.message for p in problems)
    assert _jvm_checked_exports.expected and not _jvm_checked_exports.failures  # allowed by the explicit list only

    model, train, _ = case.build(spark)
    with pytest.raises(ExportError, match=case.layout.op.replace(".", r"\.")), warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportWarning)
        export_pipeline(model, tmp_path / "checked", dataset=train, archive="dir", check_jvm=True)


def test_allow_list_is_exactly_our_own_ops() -> None:
    assert set(EXPECTED_NOT_JVM_LOADABLE) == set(OWN_OPS)
    assert all(reason for reason in EXPECTED_NOT_JVM_LOADABLE.values())


def test_null_offset_gives_null_predictions_as_in_spark(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    from pyspark.ml.linalg import Vectors
    from pyspark.ml.regression import GeneralizedLinearRegression

    from inference_pipeline.mleap import load_bundle
    from inference_pipeline.mleap.frame import LeapFrame, Scalar, Vector

    train = spark.createDataFrame([(Vectors.dense([float(i % 5), 1.0]), float(i % 3), 1.0 + i % 4) for i in range(30)],
                                  ["features", "off", "label"])
    model = GeneralizedLinearRegression(family="gaussian", offsetCol="off", linkPredictionCol="eta").fit(train)
    test = spark.createDataFrame([(Vectors.dense([1.0, 2.0]), None), (Vectors.dense([1.0, 2.0]), 1.0)],
                                 train.select("features", "off").schema)
    expected = model.transform(test).select("prediction", "eta").collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportWarning)
        bundle = load_bundle(export_pipeline(model, tmp_path / "b", archive="dir"))
    frame = LeapFrame(n_rows=2).with_column("features", Vector.from_dense(np.array([[1.0, 2.0], [1.0, 2.0]])))
    frame.with_column("off", Scalar(np.array([np.nan, 1.0]), "double", np.array([True, False])))
    got = bundle.transform(frame).to_dict()
    assert expected[0]["prediction"] is None and got["prediction"][0] is None and got["eta"][0] is None
    assert math.isclose(got["prediction"][1], expected[1]["prediction"], rel_tol=1e-12)
    assert math.isclose(got["eta"][1], expected[1]["eta"], rel_tol=1e-12)
