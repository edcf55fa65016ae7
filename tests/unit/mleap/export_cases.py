"""Spark pipelines for the exporter's round-trip parity tests.

Each case fits a small pipeline on generated training data and returns test rows that
exercise the awkward inputs: nulls, unseen categories (for each handleInvalid mode), empty
strings, NaN, out-of-range indices. Every frame carries an ``id`` column so dropped rows
(handleInvalid="skip") can be compared.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml import classification as C
from pyspark.ml import feature as Fe
from pyspark.ml import regression as R
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T


@dataclass
class Case:
    id: str
    build: Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]
    outputs: list[str]
    # Runtime-side failures expected on some rows (handleInvalid="error"): ids that must raise.
    error_ids: list[int] = field(default_factory=list)
    # A known defect of our MLeap runtime (not of the exporter): the test is xfail(strict=True).
    runtime_bug: str | None = None


def _frame(spark: SparkSession, rows: list[tuple[Any, ...]], schema: str) -> DataFrame:
    return spark.createDataFrame(rows, schema=schema)


CATS = ["a", "b", "c", "", "b", "a", "a", "c", "b", "a"]


def _categories(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    train = _frame(
        spark,
        [(i, CATS[i % len(CATS)], ["x", "y", "x"][i % 3], float(i % 4)) for i in range(30)],
        "id int, cat string, cat2 string, num double",
    )
    test = _frame(
        spark,
        [
            (100, "a", "y", 1.0),
            (101, "", "x", 2.0),
            (102, "zzz", "x", 0.0),
            (103, None, "y", 3.0),
            (104, "c", "unseen", 1.0),
            (105, "b", None, 2.0),
        ],
        "id int, cat string, cat2 string, num double",
    )
    return train, test


def _fit(stages: list[Any], train: DataFrame) -> PipelineModel:
    return Pipeline(stages=stages).fit(train)


def string_indexer(handle: str) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _categories(spark)
        model = _fit([Fe.StringIndexer(inputCol="cat", outputCol="cat_idx", handleInvalid=handle)], train)
        return model, train, test

    return build


def indexer_then_encoder(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    """StringIndexer(keep) adds an "unknown" slot the encoder's category size must include."""
    train, test = _categories(spark)
    stages = [
        Fe.StringIndexer(inputCol="cat2", outputCol="cat2_idx", handleInvalid="keep"),
        Fe.OneHotEncoder(inputCol="cat2_idx", outputCol="cat2_vec", dropLast=False),
    ]
    return _fit(stages, train), train, test


def string_indexer_multi(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _categories(spark)
    si = Fe.StringIndexer(
        inputCols=["cat", "cat2"],
        outputCols=["cat_idx", "cat2_idx"],
        handleInvalid="keep",
        stringOrderType="alphabetAsc",
    )
    return _fit([si], train), train, test


def one_hot(
    drop_last: bool, handle: str, multi: bool
) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train = _frame(spark, [(i, float(i % 4), float(i % 3)) for i in range(24)], "id int, x double, y double")
        rows = [(100, 0.0, 2.0), (101, 3.0, 0.0), (102, 1.0, 1.0)]
        if handle == "keep":
            rows += [(103, 7.0, 1.0), (104, 2.0, 5.0)]
        test = _frame(spark, rows, "id int, x double, y double")
        if multi:
            ohe = Fe.OneHotEncoder(
                inputCols=["x", "y"], outputCols=["x_vec", "y_vec"], dropLast=drop_last, handleInvalid=handle
            )
        else:
            ohe = Fe.OneHotEncoder(inputCol="x", outputCol="x_vec", dropLast=drop_last, handleInvalid=handle)
        return _fit([ohe], train), train, test

    return build


def assembler_chain(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    """The abalone shape: StringIndexer -> OneHotEncoder -> VectorAssembler(vector + scalars)."""
    schema = "id int, sex string, length double, rings int"
    sexes = ["M", "F", "I", "M", "I"]
    train = _frame(spark, [(i, sexes[i % 5], 0.1 * i, i % 7) for i in range(25)], schema)
    test = _frame(spark, [(100, "F", 0.515, 3), (101, "M", 0.0, 0), (102, "I", 12.5, 9)], schema)
    stages = [
        Fe.StringIndexer(inputCol="sex", outputCol="sex_idx"),
        Fe.OneHotEncoder(inputCol="sex_idx", outputCol="sex_vec"),
        Fe.VectorAssembler(inputCols=["sex_vec", "length", "rings"], outputCol="features"),
    ]
    return _fit(stages, train), train, test


def index_to_string(explicit: bool) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _categories(spark)
        test = test.where("cat in ('a', 'b', 'c', '')")
        labels = {"labels": ["L0", "L1", "L2", "L3"]} if explicit else {}
        stages = [
            Fe.StringIndexer(inputCol="cat", outputCol="cat_idx"),
            Fe.IndexToString(inputCol="cat_idx", outputCol="cat_back", **labels),
        ]
        return _fit(stages, train), train, test

    return build


def _vectors(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    rng = random.Random(11)
    schema = "id int, a double, b double, c double"
    train = _frame(spark, [(i, rng.uniform(-5, 5), rng.uniform(0, 10), float(i % 3)) for i in range(40)], schema)
    test = _frame(
        spark, [(100, 1.5, 2.5, 0.0), (101, -4.0, 0.0, 2.0), (102, 0.0, 0.0, 0.0), (103, 9.0, -3.0, 1.0)], schema
    )
    return train, test


def _assemble() -> Fe.VectorAssembler:
    return Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="vec")


def vector_stage(make: Callable[[], Any]) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _vectors(spark)
        return _fit([_assemble(), make()], train), train, test

    return build


def bucketizer(handle: str) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        schema = "id int, x double"
        train = _frame(spark, [(0, 1.0)], schema)
        rows = [(100, -1e9), (101, 0.0), (102, 4.99), (103, 5.0), (104, 10.0), (105, 1e12)]
        if handle != "error":
            rows.append((106, math.nan))
        test = _frame(spark, rows, schema)
        b = Fe.Bucketizer(
            splits=[-math.inf, 0.0, 5.0, 10.0, math.inf], inputCol="x", outputCol="bucket", handleInvalid=handle
        )
        return _fit([b], train), train, test

    return build


def binarizer(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _vectors(spark)
    stages = [
        _assemble(),
        Fe.Binarizer(threshold=1.0, inputCol="a", outputCol="a_bin"),
        Fe.Binarizer(threshold=0.5, inputCol="vec", outputCol="vec_bin"),
    ]
    return _fit(stages, train), train, test


TEXT_SCHEMA = "id int, text string"
TEXTS = [
    "The quick brown fox",
    "jumps over the lazy dog",
    "the Fox and THE dog",
    "  leading spaces and  double",
    "tabs\there too",
    "dog dog dog cat",
    "a b c d e f",
    "fox",
]


def _texts(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    train = _frame(spark, [(i, t) for i, t in enumerate(TEXTS * 3)], TEXT_SCHEMA)
    test = _frame(
        spark,
        [(100, "the lazy fox"), (101, ""), (102, "Unseen WORDS here dog"), (103, "trailing   "), (104, "dog")],
        TEXT_SCHEMA,
    )
    return train, test


def text_stages(make: Callable[[], list[Any]]) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _texts(spark)
        return _fit(make(), train), train, test

    return build


def _tok() -> Fe.Tokenizer:
    return Fe.Tokenizer(inputCol="text", outputCol="words")


def _labelled(spark: SparkSession, classes: int) -> tuple[DataFrame, DataFrame]:
    rng = random.Random(5)
    schema = "id int, a double, b double, c double, cat string, label double"
    cats = ["u", "v", "w"]
    rows = []
    for i in range(90):
        a, b, c = rng.uniform(0, 4), rng.uniform(-2, 2), float(rng.randint(0, 3))
        cat = cats[i % 3]
        score = a + (b > 0) + (cat == "v") * 1.5
        label = float(min(classes - 1, int(score * classes / 7.0)))
        rows.append((i, a, b, c, cat, label))
    train = _frame(spark, rows, schema)
    test = _frame(spark, [(100 + i, *row[1:]) for i, row in enumerate(rows[:12])], schema)
    return train, test


def predictor(
    make: Callable[[], Any], classes: int = 2, *, categorical: bool = False, nonnegative: bool = False
) -> Callable[[SparkSession], tuple[PipelineModel, DataFrame, DataFrame]]:
    def build(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
        train, test = _labelled(spark, classes)
        inputs = ["a", "c"] if nonnegative else ["a", "b", "c"]
        stages: list[Any] = []
        if categorical:
            # Nominal metadata on the assembled vector makes tree learners use categorical splits.
            stages.append(Fe.StringIndexer(inputCol="cat", outputCol="cat_idx"))
            inputs.append("cat_idx")
        stages += [Fe.VectorAssembler(inputCols=inputs, outputCol="features"), make()]
        return _fit(stages, train), train, test

    return build


def imputer(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    schema = T.StructType(
        [T.StructField("id", T.IntegerType()), T.StructField("a", T.DoubleType()), T.StructField("b", T.DoubleType())]
    )
    train = spark.createDataFrame(
        [(i, float(i) if i % 4 else None, float(i * 2) if i % 5 else math.nan) for i in range(20)], schema
    )
    test = spark.createDataFrame(
        [(100, None, 1.0), (101, math.nan, None), (102, 3.0, math.nan), (103, 2.5, 4.0)], schema
    )
    stage = Fe.Imputer(inputCols=["a", "b"], outputCols=["a_imp", "b_imp"], strategy="median")
    return _fit([stage], train), train, test


def bernoulli(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _labelled(spark, 2)
    stages = [
        Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="raw"),
        Fe.Binarizer(inputCol="raw", outputCol="features", threshold=1.0),
        C.NaiveBayes(labelCol="label", modelType="bernoulli"),
    ]
    return _fit(stages, train), train, test


def nested(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _vectors(spark)
    inner = Pipeline(stages=[_assemble(), Fe.StandardScaler(inputCol="vec", outputCol="scaled", withMean=True)])
    outer = Pipeline(stages=[inner, Fe.Normalizer(inputCol="scaled", outputCol="norm", p=1.0)])
    return outer.fit(train), train, test


def word2vec(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _texts(spark)
    stages = [_tok(), Fe.Word2Vec(inputCol="words", outputCol="w2v", vectorSize=4, minCount=1, seed=3, maxIter=2)]
    return _fit(stages, train), train, test


def vector_slicer(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _vectors(spark)
    stages = [_assemble(), Fe.VectorSlicer(inputCol="vec", outputCol="sliced", indices=[2], names=["a"])]
    return _fit(stages, train), train, test


def interaction(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _labelled(spark, 2)
    stages = [
        Fe.StringIndexer(inputCol="cat", outputCol="cat_idx"),
        Fe.VectorAssembler(inputCols=["a", "b"], outputCol="ab"),
        Fe.Interaction(inputCols=["cat_idx", "ab", "c"], outputCol="inter"),
    ]
    return _fit(stages, train), train, test


CASES: list[Case] = [
    Case("string_indexer-keep", string_indexer("keep"), ["cat_idx"]),
    Case("string_indexer-skip", string_indexer("skip"), ["cat_idx"]),
    Case("string_indexer-error", string_indexer("error"), ["cat_idx"], error_ids=[102, 103]),
    Case("string_indexer-multi", string_indexer_multi, ["cat_idx", "cat2_idx"]),
    Case("string_indexer-keep-one_hot", indexer_then_encoder, ["cat2_idx", "cat2_vec"]),
    Case("one_hot-droplast-error", one_hot(True, "error", False), ["x_vec"]),
    Case("one_hot-keep", one_hot(False, "keep", False), ["x_vec"]),
    Case("one_hot-multi-droplast-keep", one_hot(True, "keep", True), ["x_vec", "y_vec"]),
    Case("vector_assembler", assembler_chain, ["features"]),
    Case("index_to_string-metadata", index_to_string(False), ["cat_back"]),
    Case("index_to_string-labels", index_to_string(True), ["cat_back"]),
    Case(
        "standard_scaler",
        vector_stage(lambda: Fe.StandardScaler(inputCol="vec", outputCol="out", withMean=True)),
        ["out"],
    ),
    Case("standard_scaler-std-only", vector_stage(lambda: Fe.StandardScaler(inputCol="vec", outputCol="out")), ["out"]),
    Case(
        "min_max_scaler",
        vector_stage(lambda: Fe.MinMaxScaler(inputCol="vec", outputCol="out", min=-1.0, max=2.0)),
        ["out"],
    ),
    Case("max_abs_scaler", vector_stage(lambda: Fe.MaxAbsScaler(inputCol="vec", outputCol="out")), ["out"]),
    Case("normalizer-p1", vector_stage(lambda: Fe.Normalizer(inputCol="vec", outputCol="out", p=1.0)), ["out"]),
    Case(
        "normalizer-inf",
        vector_stage(lambda: Fe.Normalizer(inputCol="vec", outputCol="out", p=math.inf)),
        ["out"],
    ),
    Case(
        "polynomial_expansion",
        vector_stage(lambda: Fe.PolynomialExpansion(inputCol="vec", outputCol="out", degree=3)),
        ["out"],
    ),
    Case("pca", vector_stage(lambda: Fe.PCA(inputCol="vec", outputCol="out", k=2)), ["out"]),
    Case("vector_slicer", vector_slicer, ["sliced"]),
    Case("bucketizer-keep", bucketizer("keep"), ["bucket"]),
    Case("bucketizer-skip", bucketizer("skip"), ["bucket"]),
    Case("bucketizer-error", bucketizer("error"), ["bucket"]),
    Case("binarizer", binarizer, ["a_bin", "vec_bin"]),
    Case("tokenizer", text_stages(lambda: [_tok()]), ["words"]),
    Case(
        "regex_tokenizer-gaps",
        text_stages(lambda: [Fe.RegexTokenizer(inputCol="text", outputCol="words", pattern="\\s+", minTokenLength=2)]),
        ["words"],
    ),
    Case(
        "regex_tokenizer-matches",
        text_stages(
            lambda: [
                Fe.RegexTokenizer(
                    inputCol="text", outputCol="words", pattern="[A-Za-z]+", gaps=False, toLowercase=False
                )
            ]
        ),
        ["words"],
    ),
    Case(
        "stop_words_remover",
        text_stages(lambda: [_tok(), Fe.StopWordsRemover(inputCol="words", outputCol="kept")]),
        ["kept"],
    ),
    Case(
        "stop_words_remover-case",
        text_stages(
            lambda: [
                _tok(),
                Fe.StopWordsRemover(inputCol="words", outputCol="kept", stopWords=["The", "dog"], caseSensitive=True),
            ]
        ),
        ["kept"],
    ),
    Case("ngram", text_stages(lambda: [_tok(), Fe.NGram(inputCol="words", outputCol="grams", n=2)]), ["grams"]),
    Case(
        "hashing_tf-idf",
        text_stages(
            lambda: [
                _tok(),
                Fe.HashingTF(inputCol="words", outputCol="tf", numFeatures=32),
                Fe.IDF(inputCol="tf", outputCol="tfidf"),
            ]
        ),
        ["tf", "tfidf"],
    ),
    Case(
        "hashing_tf-default-size",
        text_stages(lambda: [_tok(), Fe.HashingTF(inputCol="words", outputCol="tf")]),
        ["tf"],
    ),
    Case(
        "hashing_tf-binary",
        text_stages(lambda: [_tok(), Fe.HashingTF(inputCol="words", outputCol="tf", numFeatures=16, binary=True)]),
        ["tf"],
    ),
    Case(
        "count_vectorizer",
        text_stages(lambda: [_tok(), Fe.CountVectorizer(inputCol="words", outputCol="counts", minTF=0.2)]),
        ["counts"],
    ),
    Case(
        "count_vectorizer-binary",
        text_stages(
            lambda: [_tok(), Fe.CountVectorizer(inputCol="words", outputCol="counts", binary=True, vocabSize=5)]
        ),
        ["counts"],
    ),
    Case("word2vec", word2vec, ["w2v"]),
    Case(
        "interaction",
        interaction,
        ["inter"],
    ),
    Case("imputer", imputer, ["a_imp", "b_imp"]),
    Case("nested_pipeline", nested, ["scaled", "norm"]),
    Case("linear_regression", predictor(lambda: R.LinearRegression(labelCol="label", regParam=0.1)), ["prediction"]),
    Case(
        "logistic_regression-binary",
        predictor(lambda: C.LogisticRegression(labelCol="label", threshold=0.4)),
        ["rawPrediction", "probability", "prediction"],
    ),
    Case(
        "logistic_regression-multi",
        predictor(lambda: C.LogisticRegression(labelCol="label", regParam=0.01), classes=3),
        ["rawPrediction", "probability", "prediction"],
    ),
    Case(
        "decision_tree_classifier",
        predictor(lambda: C.DecisionTreeClassifier(labelCol="label", maxDepth=4), 3, categorical=True),
        ["rawPrediction", "probability", "prediction"],
    ),
    Case(
        "decision_tree_regressor",
        predictor(lambda: R.DecisionTreeRegressor(labelCol="label", maxDepth=4), categorical=True),
        ["prediction"],
    ),
    Case(
        "random_forest_classifier",
        predictor(
            lambda: C.RandomForestClassifier(labelCol="label", numTrees=5, maxDepth=3, seed=1), 3, categorical=True
        ),
        ["rawPrediction", "probability", "prediction"],
    ),
    Case(
        "random_forest_regressor",
        predictor(lambda: R.RandomForestRegressor(labelCol="label", numTrees=4, maxDepth=3, seed=1)),
        ["prediction"],
    ),
    Case(
        "gbt_classifier",
        predictor(lambda: C.GBTClassifier(labelCol="label", maxIter=4, maxDepth=2, seed=1), categorical=True),
        ["rawPrediction", "probability", "prediction"],
    ),
    Case(
        "gbt_regressor",
        predictor(lambda: R.GBTRegressor(labelCol="label", maxIter=4, maxDepth=2, seed=1)),
        ["prediction"],
    ),
    Case(
        "naive_bayes-multinomial",
        predictor(lambda: C.NaiveBayes(labelCol="label", smoothing=0.5), 3, nonnegative=True),
        ["rawPrediction", "probability", "prediction"],
    ),
]


# ----------------------------------------------------------------------------- JVM MLeap 0.20 compatibility
# Multi-column stages are exported as one node per column; thresholds and probability-only
# classifiers must score like Spark (argmax of p / t, see ProbabilisticClassificationModel).


def binarizer_multi(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _vectors(spark)
    stage = Fe.Binarizer(inputCols=["a", "b", "c"], outputCols=["a_bin", "b_bin", "c_bin"], thresholds=[1.0, 0.0, 0.5])
    return _fit([stage], train), train, test


def stop_words_multi(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _texts(spark)
    stages = [
        _tok(),
        Fe.RegexTokenizer(inputCol="text", outputCol="words2", pattern="\\W+"),
        Fe.StopWordsRemover(inputCols=["words", "words2"], outputCols=["kept", "kept2"]),
    ]
    return _fit(stages, train), train, test


def bernoulli_thresholds(spark: SparkSession) -> tuple[PipelineModel, DataFrame, DataFrame]:
    train, test = _labelled(spark, 2)
    stages = [
        Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="raw"),
        Fe.Binarizer(inputCol="raw", outputCol="features", threshold=1.0),
        C.NaiveBayes(labelCol="label", modelType="bernoulli", thresholds=[0.8, 0.2]),
    ]
    return _fit(stages, train), train, test


PROBABILISTIC = ["rawPrediction", "probability", "prediction"]

CASES += [
    Case("binarizer-multi", binarizer_multi, ["a_bin", "b_bin", "c_bin"]),
    Case("stopwords_remover-multi", stop_words_multi, ["kept", "kept2"]),
    Case(
        "logistic_regression-binary-thresholds",
        predictor(lambda: C.LogisticRegression(labelCol="label", thresholds=[0.7, 0.3])),
        PROBABILISTIC,
    ),
    Case(
        "logistic_regression-multi-thresholds",
        predictor(lambda: C.LogisticRegression(labelCol="label", regParam=0.01, thresholds=[0.5, 0.2, 0.3]), 3),
        PROBABILISTIC,
    ),
    Case(
        "decision_tree_classifier-thresholds",
        predictor(
            lambda: C.DecisionTreeClassifier(labelCol="label", maxDepth=4).setThresholds([0.6, 0.1, 0.3]), 3,
            categorical=True,
        ),
        PROBABILISTIC,
    ),
    Case(
        # Pure leaves give p = 0 for class 0: Spark's 0/0 = NaN never wins (MLeap would pick 0).
        "decision_tree_classifier-zero-threshold",
        predictor(
            lambda: C.DecisionTreeClassifier(labelCol="label", maxDepth=4).setThresholds([0.0, 1.0, 1.0]), 3,
            categorical=True,
        ),
        PROBABILISTIC,
    ),
    Case(
        "random_forest_classifier-thresholds",
        predictor(
            lambda: C.RandomForestClassifier(
                labelCol="label", numTrees=5, maxDepth=3, seed=1
            ).setThresholds([0.2, 0.5, 0.3]),
            3,
            categorical=True,
        ),
        PROBABILISTIC,
    ),
    Case(
        "gbt_classifier-thresholds",
        predictor(
            lambda: C.GBTClassifier(labelCol="label", maxIter=4, maxDepth=2, seed=1).setThresholds([0.3, 0.7]),
            categorical=True,
        ),
        PROBABILISTIC,
    ),
    Case(
        "naive_bayes-thresholds",
        predictor(lambda: C.NaiveBayes(labelCol="label", smoothing=0.5, thresholds=[0.2, 0.3, 0.5]), 3,
                  nonnegative=True),
        PROBABILISTIC,
    ),
    Case("naive_bayes-bernoulli-thresholds", bernoulli_thresholds, PROBABILISTIC),
    Case(
        "decision_tree_classifier-probability-only",
        predictor(lambda: C.DecisionTreeClassifier(labelCol="label", maxDepth=3, predictionCol=""), 3),
        ["probability"],
    ),
    Case(
        "logistic_regression-probability-only",
        predictor(lambda: C.LogisticRegression(labelCol="label", predictionCol="", rawPredictionCol="")),
        ["probability"],
    ),
]
