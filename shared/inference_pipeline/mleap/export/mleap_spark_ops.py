"""Which Spark ML classes MLeap 0.20 itself can serialize (its Spark-side op registry).

From ``mleap-spark/src/main/resources/reference.conf`` (``builtin-ops``) at MLeap v0.20.0, the
version AWS's sagemaker-sparkml-serving runs, keyed by the PySpark class name of the fitted stage.
``UnsupportedStageError`` uses it to tell "MLeap has no op for this stage" (no exporter can make a
JVM-loadable bundle) from "MLeap has an op, this exporter does not convert it yet".
"""

from __future__ import annotations

MLEAP_020_SPARK_OPS: dict[str, str] = {
    "DecisionTreeClassificationModel": "decision_tree_classifier",
    "NaiveBayesModel": "naive_bayes",
    "MultilayerPerceptronClassificationModel": "multi_layer_perceptron_classifier",
    "OneVsRestModel": "one_vs_rest",
    "RandomForestClassificationModel": "random_forest_classifier",
    "GaussianMixtureModel": "gaussian_mixture",
    "KMeansModel": "k_means",
    "BisectingKMeansModel": "bisecting_k_means",
    "LocalLDAModel": "lda_local_model_op",
    "Binarizer": "binarizer",
    "Bucketizer": "bucketizer",
    "ChiSqSelectorModel": "chi_sq_selector",
    "CountVectorizerModel": "count_vectorizer",
    "DCT": "dct",
    "ElementwiseProduct": "elementwise_product",
    "HashingTF": "hashing_term_frequency",
    "IDFModel": "idf",
    "Interaction": "interaction",
    "MaxAbsScalerModel": "max_abs_scaler",
    "MinMaxScalerModel": "min_max_scaler",
    "NGram": "ngram",
    "Normalizer": "normalizer",
    "PCAModel": "pca",
    "PolynomialExpansion": "polynomial_expansion",
    "IndexToString": "reverse_string_indexer",
    "StandardScalerModel": "standard_scaler",
    "StopWordsRemover": "stopwords_remover",
    "Tokenizer": "tokenizer",
    "VectorAssembler": "vector_assembler",
    "VectorIndexerModel": "vector_indexer",
    "VectorSlicer": "vector_slicer",
    "Word2VecModel": "word_to_vector",
    "RegexTokenizer": "regex_tokenizer",
    "AFTSurvivalRegressionModel": "aft_survival_regression",
    "DecisionTreeRegressionModel": "decision_tree_regression",
    "GBTRegressionModel": "gbt_regression",
    "GeneralizedLinearRegressionModel": "generalized_linear_regression",
    "IsotonicRegressionModel": "isotonic_regression",
    "LinearRegressionModel": "linear_regression",
    "RandomForestRegressionModel": "random_forest_regression",
    "ALSModel": "als",
    "CrossValidatorModel": "cross_validator",
    "TrainValidationSplitModel": "train_validation_split",
    "MinHashLSHModel": "min_hash_lsh",
    "BucketedRandomProjectionLSHModel": "bucketed_random_projection_lsh",
    "GBTClassificationModel": "gbt_classifier",
    "LogisticRegressionModel": "logistic_regression",
    "LinearSVCModel": "linear_svc",
    "FeatureHasher": "feature_hasher",
    "StringIndexerModel": "string_indexer",
    "OneHotEncoderModel": "one_hot_encoder",
    "PipelineModel": "pipeline",
}


def mleap_op_for(class_name: str) -> str | None:
    """The MLeap 0.20 op MLeap's own serializer writes for a Spark class, or None if it has none."""
    return MLEAP_020_SPARK_OPS.get(class_name)
