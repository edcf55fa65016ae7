"""Spark pipelines for the selector / hasher / signal / regression parity tests (issue 14).

Each case fits one small pipeline and returns test rows with the awkward inputs: sparse and dense
vectors, nulls, NaN, -0.0, exact boundaries, hash collisions. ``bundle`` lists what MLeap 0.20's
JVM reader needs in each node's model.json: op name and every attribute with its JSON value kind
(``long`` for a scalar, ``list:long`` for a list, ``tensor:double`` for a tensor); ``ports`` the
node.json port names.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml import feature as Fe
from pyspark.ml import regression as R
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

Build = Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]


@dataclass
class Case:
    id: str
    build: Build
    outputs: list[str]
    op: str
    attributes: dict[str, str]
    inputs: list[str] = field(default_factory=lambda: ["input"])
    output_ports: list[str] = field(default_factory=lambda: ["output"])
    # Rows both Spark and our runtime must reject.
    error_ids: list[int] = field(default_factory=list)


_TYPES = {"int": T.IntegerType, "long": T.LongType, "double": T.DoubleType, "float": T.FloatType,
          "string": T.StringType, "boolean": T.BooleanType, "byte": T.ByteType, "vector": VectorUDT}


def _schema(spec: str) -> T.StructType:
    """A DDL-like "name type, ..." schema that also knows ``vector`` (DDL has no vector type)."""
    fields = [part.split() for part in spec.split(",")]
    return T.StructType([T.StructField(name, _TYPES[kind]()) for name, kind in fields])


def _df(spark: SparkSession, rows: list[tuple[Any, ...]], spec: str) -> DataFrame:
    return spark.createDataFrame(rows, _schema(spec))


def _fit(stages: list[Any], train: DataFrame) -> PipelineModel:
    return Pipeline(stages=stages).fit(train)


# ----------------------------------------------------------------------------- selectors

def _selector_data(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    """Five features: 0 and 3 carry the label, 2 is constant, 1 and 4 are noise."""
    rng = random.Random(5)
    rows = []
    for i in range(60):
        label = float(i % 3)
        values = [label + rng.choice([0.0, 1.0]), float(rng.randint(0, 3)), 1.0,
                  2.0 * label + rng.random() * 0.1, rng.uniform(-1, 1)]
        vector = Vectors.sparse(5, {j: v for j, v in enumerate(values) if v != 0}) if i % 4 == 0 \
            else Vectors.dense(values)
        rows.append((i, vector, label))
    train = _df(spark, rows, "id int, features vector, label double")
    test = _df(spark, [
        (100, Vectors.dense([1.0, 2.0, 1.0, 4.05, -0.5]), 0.0),
        (101, Vectors.sparse(5, {0: 3.0, 3: -1.5, 4: 0.25}), 0.0),
        (102, Vectors.sparse(5, {}), 0.0),
        (103, Vectors.dense([0.0, -0.0, float("nan"), float("inf"), 7.0]), 0.0),
        (104, Vectors.sparse(5, {1: 9.0, 2: 1.0}), 0.0),
    ], "id int, features vector, label double")
    return train, test


def chi_sq(selector_type: str, **params: Any) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _selector_data(spark)
        stage = Fe.ChiSqSelector(featuresCol="features", labelCol="label", outputCol="selected",
                                 selectorType=selector_type, **params)
        return _fit([stage], train), train, test

    return build


def univariate(feature_type: str, label_type: str, mode: str, threshold: float) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _selector_data(spark)
        stage = Fe.UnivariateFeatureSelector(featuresCol="features", labelCol="label", outputCol="selected",
                                             selectionMode=mode)
        stage.setFeatureType(feature_type).setLabelType(label_type).setSelectionThreshold(threshold)
        return _fit([stage], train), train, test

    return build


def variance_threshold(threshold: float) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _selector_data(spark)
        stage = Fe.VarianceThresholdSelector(featuresCol="features", outputCol="selected",
                                             varianceThreshold=threshold)
        return _fit([stage], train), train, test

    return build


SELECTOR_ATTRS = {"filter_indices": "list:long", "input_size": "int"}

# ----------------------------------------------------------------------------- FeatureHasher

HASHER_SCHEMA = "id int, real double, count int, big long, cat string, flag boolean, code int, small byte, ratio float"


def feature_hasher(num_features: int, categorical: list[str] | None) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train = _df(
            spark,
            [(i, i * 0.5, i, 10**12 + i, "abc"[i % 3], i % 2 == 0, i % 4, i % 5, i / 8) for i in range(10)],
            HASHER_SCHEMA)
        test = _df(spark, [
            (100, 1.5, 3, 7, "a", True, 2, 1, 0.1),
            (101, None, None, None, None, None, None, None, None),
            (102, -0.0, 0, -(2**62), "", False, -1, -7, -2.5),
            (103, float("nan"), 2**31 - 1, 2**53 + 1, "ünïcødé ✓", True, 12345678, 127, 1e10),
            (104, 1e7, -5, 0, "a=b", False, 0, 0, 3.4028235e38),
            (105, 0.001, 1, 1, "longer category text, odd length", True, 7, 3, 1.0e-5),
        ], HASHER_SCHEMA)
        # A categorical long column must stay below 2^53: with nulls the frame holds it as doubles.
        columns = ["real", "count", "big", "cat", "flag", "code", "small", "ratio"]
        stage = Fe.FeatureHasher(inputCols=columns, outputCol="hashed", numFeatures=num_features)
        if categorical is not None:
            stage.setCategoricalCols(categorical)
        return _fit([stage], train), train, test

    return build


HASHER_ATTRS = {"num_features": "long", "categorical_cols": "list:string", "input_shapes": "list:data_shape",
                "basic_types": "list:basic_type", "input_names": "list:string"}
HASHER_PORTS = [f"input{i}" for i in range(8)]

# ----------------------------------------------------------------------------- signal

def _signal_data(spark: SparkSession, size: int) -> tuple[DataFrame, DataFrame]:
    rng = random.Random(size)
    train = _df(spark, [(i, Vectors.dense([rng.uniform(-3, 3) for _ in range(size)])) for i in range(5)],
                                  "id int, vec vector")
    test = _df(spark, [
        (100, Vectors.dense([rng.uniform(-3, 3) for _ in range(size)])),
        (101, Vectors.sparse(size, {0: 2.0, size - 1: -1.0})),
        (102, Vectors.sparse(size, {})),
        (103, Vectors.dense([1e300, -1e-300] + [0.5] * (size - 2))),
        (104, Vectors.dense([float(i) for i in range(size)])),
    ], "id int, vec vector")
    return train, test


def elementwise_product(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _signal_data(spark, 4)
    wrong = _df(spark, [(900, Vectors.dense([1.0, 2.0]))], "id int, vec vector")
    stage = Fe.ElementwiseProduct(scalingVec=Vectors.dense([2.0, 0.0, -1.5, 1e-3]), inputCol="vec", outputCol="scaled")
    return _fit([stage], train), train, test.unionByName(wrong)


def dct(size: int, inverse: bool) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _signal_data(spark, size)
        return _fit([Fe.DCT(inverse=inverse, inputCol="vec", outputCol="freq")], train), train, test

    return build


def robust_scaler(centering: bool, scaling: bool) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        rng = random.Random(3)
        train = _df(
            spark,
            [(i, Vectors.dense([rng.uniform(-4, 9), 5.0, rng.gauss(0, 2)])) for i in range(40)], "id int, vec vector")
        test = _df(spark, [
            (100, Vectors.dense([1.0, 5.0, -2.0])),
            (101, Vectors.sparse(3, {0: 3.0})),
            (102, Vectors.dense([0.0, 7.0, 1e6])),
        ], "id int, vec vector")
        stage = Fe.RobustScaler(inputCol="vec", outputCol="scaled", withCentering=centering, withScaling=scaling)
        return _fit([stage], train), train, test

    return build


# ----------------------------------------------------------------------------- regression

def isotonic(isotonic_: bool, vector: bool) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        rng = random.Random(9)
        xs = [round(rng.uniform(0, 10), 1) for _ in range(50)] + [2.0, 2.0, 2.0, 5.0, 5.0]
        ys = [(x if isotonic_ else -x) + rng.gauss(0, 1.5) for x in xs]
        probes = [-1.0, 0.0, -0.0, 2.0, 5.0, 3.33, 9.99, 10.5, 1e9, float("nan"), float("inf"), float("-inf")]
        if vector:
            schema = "id int, features vector, label double"
            train = _df(spark, [(i, Vectors.dense([rng.random(), x]), y)
                                           for i, (x, y) in enumerate(zip(xs, ys))], schema)
            test = _df(spark, [(100 + i, Vectors.dense([0.5, p]), 0.0) for i, p in enumerate(probes)]
                                         + [(200, Vectors.sparse(2, {0: 1.0}), 0.0)], schema)
            stage = R.IsotonicRegression(isotonic=isotonic_, featureIndex=1)
        else:
            schema = "id int, features double, label double"
            train = _df(spark, [(i, x, y) for i, (x, y) in enumerate(zip(xs, ys))], schema)
            test = _df(spark, [(100 + i, p, 0.0) for i, p in enumerate(probes)], schema)
            stage = R.IsotonicRegression(isotonic=isotonic_)
        return _fit([stage], train), train, test

    return build


def aft(quantiles: bool) -> Build:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        rng = random.Random(4)
        rows = []
        for i in range(80):
            x = [rng.uniform(0, 2), rng.uniform(-1, 1)]
            time = math.exp(0.5 + 0.8 * x[0] - 0.3 * x[1] + 0.4 * math.log(-math.log(rng.random())))
            rows.append((i, Vectors.dense(x), time, float(i % 5 != 0)))
        schema = "id int, features vector, label double, censor double"
        train = _df(spark, rows, schema)
        test = _df(spark, [
            (100, Vectors.dense([1.0, 0.5]), 0.0, 1.0),
            (101, Vectors.sparse(2, {1: -1.0}), 0.0, 1.0),
            (102, Vectors.dense([0.0, 0.0]), 0.0, 1.0),
            (103, Vectors.dense([30.0, -4.0]), 0.0, 1.0),
        ], schema)
        params: dict[str, Any] = {"quantileProbabilities": [1e-6, 0.1, 0.5, 0.9, 0.999]}
        if quantiles:
            params["quantilesCol"] = "quantiles"
        return _fit([R.AFTSurvivalRegression(**params)], train), train, test

    return build


AFT_ATTRS = {"coefficients": "tensor:double", "intercept": "double", "quantile_probabilities": "list:double",
             "scale": "double"}

CASES: list[Case] = [
    Case("chi_sq-top2", chi_sq("numTopFeatures", numTopFeatures=2), ["selected"], "chi_sq_selector", SELECTOR_ATTRS),
    Case("chi_sq-fpr", chi_sq("fpr", fpr=0.5), ["selected"], "chi_sq_selector", SELECTOR_ATTRS),
    Case("univariate-anova-top3", univariate("continuous", "categorical", "numTopFeatures", 3), ["selected"],
         "chi_sq_selector", SELECTOR_ATTRS),
    Case("univariate-fregression-percentile", univariate("continuous", "continuous", "percentile", 0.4),
         ["selected"], "chi_sq_selector", SELECTOR_ATTRS),
    Case("variance_threshold", variance_threshold(0.3), ["selected"], "chi_sq_selector", SELECTOR_ATTRS),
    Case("feature_hasher-collisions", feature_hasher(8, None), ["hashed"], "feature_hasher", HASHER_ATTRS,
         HASHER_PORTS),
    Case("feature_hasher-categorical", feature_hasher(1 << 18, ["code", "real", "ratio", "small"]), ["hashed"],
         "feature_hasher", HASHER_ATTRS, HASHER_PORTS),
    Case("elementwise_product", elementwise_product, ["scaled"], "elementwise_product",
         {"scaling_vec": "tensor:double"}, error_ids=[900]),
    Case("dct-8", dct(8, False), ["freq"], "dct", {"inverse": "boolean", "input_size": "int"}),
    Case("dct-5-inverse", dct(5, True), ["freq"], "dct", {"inverse": "boolean", "input_size": "int"}),
    Case("robust_scaler-both", robust_scaler(True, True), ["scaled"], "standard_scaler",
         {"mean": "tensor:double", "std": "tensor:double"}),
    Case("robust_scaler-scaling", robust_scaler(False, True), ["scaled"], "standard_scaler",
         {"std": "tensor:double"}),
    Case("robust_scaler-centering", robust_scaler(True, False), ["scaled"], "standard_scaler",
         {"mean": "tensor:double"}),
    Case("isotonic-double", isotonic(True, False), ["prediction"], "isotonic_regression",
         {"boundaries": "list:double", "predictions": "list:double", "isotonic": "boolean"},
         ["features"], ["prediction"]),
    Case("antitonic-vector", isotonic(False, True), ["prediction"], "isotonic_regression",
         {"boundaries": "list:double", "predictions": "list:double", "isotonic": "boolean", "feature_index": "long"},
         ["features"], ["prediction"]),
    Case("aft-quantiles", aft(True), ["prediction", "quantiles"], "aft_survival_regression", AFT_ATTRS,
         ["features"], ["prediction", "quantiles"]),
    Case("aft", aft(False), ["prediction"], "aft_survival_regression", AFT_ATTRS, ["features"], ["prediction"]),
]
