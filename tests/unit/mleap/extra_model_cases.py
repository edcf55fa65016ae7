"""Spark pipelines for the parity tests of VectorIndexer, OneVsRest, LinearSVC, MLP, GLR and clustering.

Each case fits ``VectorAssembler -> stage`` (or a VectorIndexer on a vector column) on generated
data and returns test rows, including awkward ones (unseen categories, NaN, sparse vectors,
far-away points). ``expected_layout`` is what MLeap 0.20's Spark serializer writes for the
stage: op name, attribute name -> JSON value kind, and output ports.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml import classification as C
from pyspark.ml import clustering as K
from pyspark.ml import feature as Fe
from pyspark.ml import regression as R
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

Build = Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]


@dataclass
class Layout:
    op: str
    attributes: dict[str, str]  # name -> "long" | "double" | "string" | "list:long" | "tensor" | ...
    outputs: list[str]
    files: list[str] = field(default_factory=list)  # extra files in the node directory
    values: dict[str, str] = field(default_factory=dict)  # expected string attribute values
    child_op: str | None = None  # one_vs_rest: the op of every model<i>/model.json


@dataclass
class ExtraCase:
    id: str
    build: Build
    outputs: list[str]
    layout: Layout
    error_ids: list[int] = field(default_factory=list)
    ulps: int = 16  # float tolerance, in ulps of the column's magnitude (measured: at most 4)


SCHEMA = "id int, a double, b double, c double, label double"


def _rows(n: int, seed: int, label: Callable[[float, float, float, random.Random], float]) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        a, b, c = rng.uniform(0.5, 4.0), rng.uniform(-2.0, 2.0), float(rng.randint(0, 3))
        rows.append((i, a, b, c, float(label(a, b, c, rng))))
    return rows


def _test_rows(train: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    extra = [(900, 0.0, 0.0, 0.0, 0.0), (901, 9.0, -6.0, 3.0, 0.0), (902, 0.51, 1.99, 1.0, 0.0)]
    return [(100 + i, *row[1:]) for i, row in enumerate(train[:15])] + extra


def _labels(classes: int) -> Callable[[float, float, float, random.Random], float]:
    def label(a: float, b: float, c: float, rng: random.Random) -> float:
        score = a + (b > 0) * 1.5 + 0.3 * c + rng.gauss(0, 0.4)
        return float(max(0, min(classes - 1, int(score * classes / 6.5))))

    return label


def assembled(make: Callable[[], Any], label: Callable[..., float], *, n: int = 120, seed: int = 3) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        rows = _rows(n, seed, label)
        train = spark.createDataFrame(rows, SCHEMA)
        test = spark.createDataFrame(_test_rows(rows), SCHEMA)
        stages = [Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="features"), make()]
        return Pipeline(stages=stages).fit(train), train, test

    return build


# ----------------------------------------------------------------------------- VectorIndexer

VI_SCHEMA = T.StructType([T.StructField("id", T.IntegerType()), T.StructField("vec", VectorUDT())])


def vector_indexer(handle: str, *, sparse: bool = False) -> Build:
    """Slot 0: categories {0,1,2}; slot 1 continuous; slot 2: {0, 5, NaN}; slot 3: {1, 2} (no 0)."""

    def vec(values: list[float]) -> Any:
        if not sparse:
            return Vectors.dense(values)
        return Vectors.sparse(len(values), {i: v for i, v in enumerate(values) if v != 0.0})

    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train_values = [[float(i % 3), 0.37 * i, [0.0, 5.0, math.nan][i % 3] if i % 7 else 5.0, float(1 + i % 2)]
                        for i in range(30)]
        train = spark.createDataFrame([(i, vec(v)) for i, v in enumerate(train_values)], VI_SCHEMA)
        rows = [[1.0, 2.5, 5.0, 2.0], [0.0, -1.0, 0.0, 1.0], [2.0, 99.0, 0.0, 2.0]]
        invalid = [[7.0, 1.0, 0.0, 1.0], [1.0, 1.0, math.nan, 2.0], [0.0, 0.0, 0.0, 0.0]]
        if handle == "error" and not sparse:
            invalid = invalid[:2]  # a dense 0.0 in slot 3 is unseen too: keep one error row per slot
        test_rows = [(100 + i, vec(v)) for i, v in enumerate(rows)]
        test_rows += [(200 + i, vec(v)) for i, v in enumerate(invalid)]
        test = spark.createDataFrame(test_rows, VI_SCHEMA)
        stage = Fe.VectorIndexer(inputCol="vec", outputCol="indexed", maxCategories=3, handleInvalid=handle)
        return Pipeline(stages=[stage]).fit(train), train, test

    return build


def indexer_then_tree(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    """The usual serving shape: VectorIndexer marks slot c categorical, the tree splits on its categories."""
    rows = _rows(120, 9, _labels(3))
    train = spark.createDataFrame(rows, SCHEMA)
    test = spark.createDataFrame(_test_rows(rows), SCHEMA)
    stages = [Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="raw"),
              Fe.VectorIndexer(inputCol="raw", outputCol="features", maxCategories=4, handleInvalid="keep"),
              C.DecisionTreeClassifier(maxDepth=4, seed=1)]
    return Pipeline(stages=stages).fit(train), train, test


VI_LAYOUT = Layout("vector_indexer", {"keys": "list:long", "num_features": "long", "handle_invalid": "string",
                                      "key_0_keys": "list:double", "key_0_values": "list:long"}, ["output"])


def _svc_layout() -> Layout:
    return Layout("linear_svc", {"num_classes": "long", "coefficients": "tensor", "intercept": "double",
                                 "threshold": "double"}, ["raw_prediction", "prediction"])


MLP_ATTRS = {"layers": "list:long", "weights": "tensor"}
GLR_ATTRS = {"coefficients": "tensor", "intercept": "double", "family": "string"}
OVR_LAYOUT_ATTRS = {"num_classes": "long", "num_features": "long"}


def ovr(make: Callable[[], Any], child_op: str, child_files: tuple[str, ...] = ()) -> tuple[Build, Layout]:
    files = [f"model{i}/model.json" for i in range(3)] + [f"model{i}/{f}" for i in range(3) for f in child_files]
    layout = Layout("one_vs_rest", OVR_LAYOUT_ATTRS, ["raw_prediction", "prediction"], files, child_op=child_op)
    return assembled(lambda: C.OneVsRest(classifier=make()), _labels(3)), layout


def _glr(family: str, link: str | None, label: Callable[..., float], **params: Any) -> Build:
    def make() -> Any:
        extra = dict(params)
        if link is not None:
            extra["link"] = link
        return R.GeneralizedLinearRegression(family=family, linkPredictionCol="eta", maxIter=50, **extra)

    return assembled(make, label)


def _positive(a: float, b: float, c: float, rng: random.Random) -> float:
    return max(0.05, 0.8 * a + 0.2 * b + 0.3 * c + 1.0 + rng.gauss(0, 0.2))


def _counts(a: float, b: float, c: float, rng: random.Random) -> float:
    return float(max(0, round(math.exp(0.3 * a + 0.1 * b + 0.1 * c) + rng.gauss(0, 0.7))))


def _binary(a: float, b: float, c: float, rng: random.Random) -> float:
    return float(a + b + rng.gauss(0, 0.8) > 2.2)


def _glr_case(name: str, family: str, link: str | None, label: Callable[..., float], expect_link: str | None,
              **params: Any) -> ExtraCase:
    attrs = dict(GLR_ATTRS)
    values = {"family": params.pop("expect_family", family)}
    if expect_link is not None:
        attrs["link"] = "string"
        values["link"] = expect_link
    layout = Layout("generalized_linear_regression", attrs, ["link_prediction", "prediction"], values=values)
    return ExtraCase(f"glr-{name}", _glr(family, link, label, **params), ["prediction", "eta"], layout)


def clustering(make: Callable[[], Any], *, n: int = 90) -> Build:
    def label(a: float, b: float, c: float, rng: random.Random) -> float:
        return 0.0

    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        rng = random.Random(17)
        centers = [(1.0, -1.5, 0.0), (3.5, 1.5, 3.0), (1.0, 1.5, 3.0), (3.5, -1.5, 0.0)]
        rows = []
        for i in range(n):
            cx, cy, cz = centers[i % len(centers)]
            rows.append((i, cx + rng.gauss(0, 0.35), cy + rng.gauss(0, 0.35), cz + rng.gauss(0, 0.35), 0.0))
        train = spark.createDataFrame(rows, SCHEMA)
        test = spark.createDataFrame(_test_rows(rows) + [(903, 2.25, 0.0, 1.5, 0.0), (904, 1e6, -1e6, 0.0, 0.0)],
                                     SCHEMA)
        stages = [Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="features"), make()]
        return Pipeline(stages=stages).fit(train), train, test

    return build


_ovr_lr = ovr(lambda: C.LogisticRegression(regParam=0.01), "logistic_regression")
_ovr_svc = ovr(lambda: C.LinearSVC(regParam=0.01, maxIter=30), "linear_svc")
_ovr_tree = ovr(lambda: C.DecisionTreeClassifier(maxDepth=3), "decision_tree_classifier", ("tree.json",))
_ovr_mlp = ovr(lambda: C.MultilayerPerceptronClassifier(layers=[3, 4, 2], seed=5, maxIter=40),
               "multi_layer_perceptron_classifier")

EXTRA_CASES: list[ExtraCase] = [
    ExtraCase("vector_indexer-keep", vector_indexer("keep"), ["indexed"], VI_LAYOUT),
    ExtraCase("vector_indexer-skip", vector_indexer("skip"), ["indexed"], VI_LAYOUT),
    ExtraCase("vector_indexer-error", vector_indexer("error"), ["indexed"], VI_LAYOUT, error_ids=[200, 201]),
    ExtraCase("vector_indexer-sparse-keep", vector_indexer("keep", sparse=True), ["indexed"], VI_LAYOUT),
    ExtraCase("vector_indexer-sparse-skip", vector_indexer("skip", sparse=True), ["indexed"], VI_LAYOUT),
    ExtraCase("vector_indexer-then-tree", indexer_then_tree, ["features", "rawPrediction", "prediction"],
              Layout("vector_indexer", {"keys": "list:long", "num_features": "long", "handle_invalid": "string",
                                        "key_2_keys": "list:double", "key_2_values": "list:long"}, ["output"])),
    ExtraCase("one_vs_rest-logistic", _ovr_lr[0], ["rawPrediction", "prediction"], _ovr_lr[1]),
    ExtraCase("one_vs_rest-linear_svc", _ovr_svc[0], ["rawPrediction", "prediction"], _ovr_svc[1]),
    ExtraCase("one_vs_rest-tree", _ovr_tree[0], ["rawPrediction", "prediction"], _ovr_tree[1]),
    ExtraCase("one_vs_rest-mlp", _ovr_mlp[0], ["rawPrediction", "prediction"], _ovr_mlp[1]),
    ExtraCase("linear_svc", assembled(lambda: C.LinearSVC(regParam=0.05, maxIter=40), _labels(2)),
              ["rawPrediction", "prediction"], _svc_layout()),
    ExtraCase("linear_svc-threshold", assembled(lambda: C.LinearSVC(maxIter=40, threshold=0.4), _labels(2)),
              ["rawPrediction", "prediction"], _svc_layout()),
    ExtraCase("mlp-one-hidden", assembled(lambda: C.MultilayerPerceptronClassifier(
        layers=[3, 5, 3], seed=1, maxIter=60), _labels(3)), ["rawPrediction", "probability", "prediction"],
        Layout("multi_layer_perceptron_classifier", MLP_ATTRS, ["raw_prediction", "probability", "prediction"])),
    ExtraCase("mlp-two-hidden-thresholds", assembled(lambda: C.MultilayerPerceptronClassifier(
        layers=[3, 4, 4, 2], seed=2, maxIter=60).setThresholds([0.7, 0.3]), _labels(2)),
        ["rawPrediction", "probability", "prediction"],
        Layout("multi_layer_perceptron_classifier", dict(MLP_ATTRS, thresholds="list:double"),
               ["raw_prediction", "probability", "prediction"])),
    _glr_case("gaussian-default", "gaussian", None, _positive, None),
    _glr_case("gaussian-log", "gaussian", "log", _positive, "log"),
    _glr_case("gaussian-inverse", "gaussian", "inverse", _positive, "inverse"),
    _glr_case("binomial-logit", "binomial", "logit", _binary, "logit"),
    _glr_case("binomial-probit", "binomial", "probit", _binary, "probit"),
    _glr_case("binomial-cloglog", "binomial", "cloglog", _binary, "cloglog"),
    _glr_case("poisson-default", "poisson", None, _counts, None),
    _glr_case("poisson-identity", "poisson", "identity", _positive, "identity"),
    _glr_case("poisson-sqrt", "poisson", "sqrt", _counts, "sqrt"),
    _glr_case("gamma-default", "gamma", None, _positive, None),
    _glr_case("gamma-identity", "gamma", "identity", _positive, "identity"),
    _glr_case("gamma-log", "gamma", "log", _positive, "log"),
    _glr_case("tweedie-1.5-log", "tweedie", None, _positive, "log", variancePower=1.5, linkPower=0.0,
              expect_family="poisson"),
    _glr_case("tweedie-0-default", "tweedie", None, _positive, "identity", variancePower=0.0,
              expect_family="gaussian"),
    _glr_case("tweedie-2-default", "tweedie", None, _positive, "inverse", variancePower=2.0, expect_family="gamma"),
    _glr_case("tweedie-1.2-sqrt", "tweedie", None, _counts, "sqrt", variancePower=1.2, linkPower=0.5,
              expect_family="poisson"),
    ExtraCase("kmeans", clustering(lambda: K.KMeans(k=4, seed=3)), ["prediction"],
              Layout("k_means", {"cluster_centers": "list:tensor", "num_features": "long"}, ["prediction"]), ulps=0),
    ExtraCase("bisecting_kmeans", clustering(lambda: K.BisectingKMeans(k=4, seed=3)), ["prediction"],
              Layout("bisecting_k_means", {}, ["prediction"], ["tree.json"]), ulps=0),
    ExtraCase("gaussian_mixture", clustering(lambda: K.GaussianMixture(k=3, seed=4, maxIter=30)),
              ["prediction", "probability"],
              Layout("gaussian_mixture", {"means": "list:tensor", "covs": "list:tensor", "weights": "list:double"},
                     ["prediction", "probability"])),
]
