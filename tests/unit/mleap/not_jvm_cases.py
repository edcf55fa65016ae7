"""Spark models MLeap 0.20 cannot represent, which the exporter writes with our own ops.

TargetEncoder (Spark 4), GeneralizedLinearRegression with offsetCol or a tweedie power link,
KMeans / BisectingKMeans with distanceMeasure=cosine. Each case is an ``ExtraCase`` (see
``extra_model_cases``) whose layout names our op; ``test_parity_not_jvm`` compares our runtime
with Spark on it and checks the export warning and the JVM checker's report.
"""

from __future__ import annotations

import math
import random
from typing import Any

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml import clustering as K
from pyspark.sql import DataFrame, SparkSession

from .extra_model_cases import GLR_ATTRS, ExtraCase, Layout, _counts, _glr, _positive, clustering

GLM_OP = "inference_pipeline.generalized_linear_regression"
TE_OP = "inference_pipeline.target_encoder"
TE_SCHEMA = "id int, cat double, level int, label double"
UNSEEN = 2147483647.0  # Spark's own key for the global statistics: an unseen value at transform


def _glm_case(name: str, family: str, label: Any, attrs: dict[str, str], values: dict[str, str],
              link: str | None = None, **params: Any) -> ExtraCase:
    layout = Layout(GLM_OP, {**GLR_ATTRS, **attrs}, ["link_prediction", "prediction"], values=values)
    return ExtraCase(f"glm-{name}", _glr(family, link, label, **params), ["prediction", "eta"], layout)


_POWER = {"link": "string", "variance_power": "double", "link_power": "double"}

GLM_CASES = [
    _glm_case("tweedie-1.5-default-power", "tweedie", _positive, _POWER, {"family": "tweedie", "link": "power"},
              variancePower=1.5),
    _glm_case("tweedie-1.0-power-0.3", "tweedie", _positive, _POWER, {"family": "poisson", "link": "power"},
              variancePower=1.0, linkPower=0.3),
    _glm_case("tweedie-2.5-power-0.2", "tweedie", _positive, _POWER, {"family": "tweedie", "link": "power"},
              variancePower=2.5, linkPower=0.2),
    _glm_case("tweedie-1.2-power-0.25-offset", "tweedie", _positive, _POWER, {"family": "tweedie", "link": "power"},
              variancePower=1.2, linkPower=0.25, offsetCol="c"),
    _glm_case("gaussian-offset", "gaussian", _positive, {}, {"family": "gaussian"}, offsetCol="c"),
    _glm_case("poisson-log-offset", "poisson", _counts, {"link": "string"}, {"family": "poisson", "link": "log"},
              link="log", offsetCol="c"),
    _glm_case("tweedie-1.5-log-offset", "tweedie", _positive, {"link": "string"},
              {"family": "poisson", "link": "log"}, variancePower=1.5, linkPower=0.0, offsetCol="c"),
]

_COSINE = {"distance_measure": "string"}
CLUSTER_CASES = [
    # Row 900 is the zero vector: Spark's cosine distance asserts a non-zero norm.
    ExtraCase("kmeans-cosine", clustering(lambda: K.KMeans(k=4, seed=3, distanceMeasure="cosine")), ["prediction"],
              Layout("inference_pipeline.k_means", {"cluster_centers": "list:tensor", "num_features": "long",
                                                    **_COSINE}, ["prediction"], values={"distance_measure": "cosine"}),
              error_ids=[900], ulps=0),
    ExtraCase("bisecting-cosine", clustering(lambda: K.BisectingKMeans(k=4, seed=3, distanceMeasure="cosine")),
              ["prediction"], Layout("inference_pipeline.bisecting_k_means", _COSINE, ["prediction"], ["tree.json"],
                                     values={"distance_measure": "cosine"}),
              error_ids=[900], ulps=0),
]


# ----------------------------------------------------------------------------- TargetEncoder

_TE_ATTRS = {"target_type": "string", "smoothing": "double", "handle_invalid": "string", "categories": "list:double",
             "counts": "list:double", "stats": "list:double", "unseen_count": "double", "unseen_stat": "double"}


def _te_rows(binary: bool) -> list[tuple[Any, ...]]:
    rng = random.Random(11)
    rows = []
    for i in range(120):
        cat = None if i % 13 == 0 else float(rng.choice([0, 1, 1, 2, 3, 3, 3, 5]))
        level = rng.choice([0, 1, 2, 4])
        signal = (cat or 0.0) * 0.4 + level * 0.3 + rng.gauss(0, 0.8)
        label = float(signal > 1.5) if binary else round(signal * 3.7, 3)
        rows.append((i, cat, level, label))
    return rows


# Seen categories, a null (seen in training for cat, not for level), then unseen values: a new
# index, a fraction, NaN, -1 and Int.MaxValue (Spark's special keys), -0.0 (equal to category 0).
_TE_TEST = [(300, 1.0, 2, 0.0), (301, 5.0, 0, 0.0), (302, -0.0, 4, 0.0), (303, None, 1, 0.0), (304, 3.0, 1, 0.0)]
_TE_UNSEEN = [(400, 7.0, 1, 0.0), (401, 1.5, 2, 0.0), (402, math.nan, 0, 0.0), (403, -1.0, 1, 0.0),
              (404, UNSEEN, 0, 0.0), (405, 2.0, 9, 0.0), (406, 1.0, None, 0.0), (407, 0.0, -1, 0.0)]


def target_encoder(target_type: str, smoothing: float, handle: str, multi: bool) -> Any:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        from pyspark.ml.feature import TargetEncoder  # Spark 4 only: imported when a case runs

        train = spark.createDataFrame(_te_rows(target_type == "binary"), TE_SCHEMA)
        test = spark.createDataFrame(_te_rows(target_type == "binary")[:20] + _TE_TEST + _TE_UNSEEN, TE_SCHEMA)
        columns: dict[str, Any] = ({"inputCols": ["cat", "level"], "outputCols": ["cat_te", "level_te"]} if multi
                                   else {"inputCol": "cat", "outputCol": "cat_te"})
        stage = TargetEncoder(labelCol="label", targetType=target_type, smoothing=smoothing, handleInvalid=handle,
                              **columns)
        return Pipeline(stages=[stage]).fit(train), train, test

    return build


def _te_case(target_type: str, smoothing: float, handle: str, multi: bool) -> ExtraCase:
    outputs = ["cat_te", "level_te"] if multi else ["cat_te"]
    # The single-column case reads only "cat": rows unseen in "level" alone are valid there.
    unseen = [r[0] for r in _TE_UNSEEN if multi or r[0] < 405]
    attrs = {**_TE_ATTRS, "null_count": "double", "null_stat": "double"}  # cat (the first node) saw nulls
    layout = Layout(TE_OP, attrs, ["output"], values={"target_type": target_type, "handle_invalid": handle})
    case_id = f"target_encoder-{target_type}-s{smoothing:g}-{handle}-{'multi' if multi else 'single'}"
    return ExtraCase(case_id, target_encoder(target_type, smoothing, handle, multi), outputs, layout,
                     error_ids=unseen if handle == "error" else [], ulps=0)


TE_CASES = [
    _te_case("binary", 0.0, "keep", False),
    _te_case("binary", 2.5, "keep", True),
    _te_case("binary", 1.0, "error", True),
    _te_case("continuous", 0.0, "error", False),
    _te_case("continuous", 4.0, "keep", True),
    _te_case("continuous", 0.5, "error", True),
]

__all__ = ["CLUSTER_CASES", "GLM_CASES", "TE_CASES"]
