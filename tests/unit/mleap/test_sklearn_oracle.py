"""Bundles written by mleap.sklearn (an independent writer) against scikit-learn's outputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from inference_pipeline.mleap import load_bundle

mleap_sklearn = pytest.importorskip("mleap.sklearn.preprocessing.data", reason="mleap is a test dependency")
import mleap.sklearn.base  # noqa: E402,F401  (adds mlinit/serialize_to_bundle to linear models)
import mleap.sklearn.pipeline  # noqa: E402,F401  (adds them to Pipeline)


def serialize(tmp_path, steps, frame, name):
    from sklearn.pipeline import Pipeline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = Pipeline([(step.name, step) for step in steps])
        pipeline.mlinit()
        pipeline.fit_transform(frame)
        pipeline.serialize_to_bundle(str(tmp_path), name, init=True)
    return pipeline, tmp_path / name


@pytest.mark.parametrize("scaler_name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_match_sklearn(tmp_path, scaler_name):
    import pandas as pd
    from mleap.sklearn.preprocessing.data import FeatureExtractor
    from sklearn import preprocessing

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(5, 2, 50), "b": rng.uniform(-3, 9, 50), "c": rng.normal(0, 1, 50)})
    extractor = FeatureExtractor(input_scalars=["a", "b", "c"], output_vector="raw")
    scaler = getattr(preprocessing, scaler_name)()
    scaler.mlinit(prior_tf=extractor, output_features="scaled")
    pipeline, path = serialize(tmp_path, [extractor, scaler], frame, "scaler")
    expected = pipeline.transform(frame)
    got = load_bundle(path).transform(frame).to_dict()["scaled"]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_linear_regression_matches_sklearn(tmp_path):
    import pandas as pd
    from mleap.sklearn.preprocessing.data import FeatureExtractor
    from sklearn.linear_model import LinearRegression

    from inference_pipeline.mleap import supported_ops

    if "linear_regression" not in supported_ops():
        pytest.fail("linear_regression op is not registered")
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    y = 3 * frame["a"] - 2 * frame["b"] + 0.5
    extractor = FeatureExtractor(input_scalars=["a", "b"], output_vector="features")
    model = LinearRegression()
    model.mlinit(input_features="features", prediction_column="prediction")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(extractor.fit_transform(frame), y.to_numpy().reshape(-1, 1))  # mleap wants 2-D coefficients
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([(extractor.name, extractor), (model.name, model)])
    pipeline.mlinit()
    pipeline.serialize_to_bundle(str(tmp_path), "lr", init=True)
    got = load_bundle(tmp_path / "lr").transform(frame).to_dict()["prediction"]
    np.testing.assert_allclose(got, model.predict(frame[["a", "b"]].to_numpy()).ravel(), rtol=1e-10)


def _bundle(tmp_path, steps, name):
    """Serialize already-fitted steps as one mleap.sklearn pipeline bundle."""
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([(step.name, step) for step in steps])
    pipeline.mlinit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline.serialize_to_bundle(str(tmp_path), name, init=True)
    return load_bundle(tmp_path / name)


CITIES = ["paris", "tokyo", "amsterdam", "paris", "lima", "tokyo", "oslo"]


@pytest.mark.parametrize("handle_unknown", ["ignore", "error"])
def test_label_encoder_and_one_hot_encoder_match_sklearn(tmp_path, handle_unknown):
    from mleap.sklearn.preprocessing.data import LabelEncoder
    from sklearn.preprocessing import OneHotEncoder

    encoder = LabelEncoder(input_features=["city"], output_features="city_index")
    indices = encoder.fit_transform(np.array(CITIES))
    one_hot = OneHotEncoder(handle_unknown=handle_unknown, sparse_output=False)
    one_hot.mlinit(prior_tf=encoder, output_features="city_vec")
    expected = one_hot.fit_transform(indices.reshape(-1, 1))
    bundle = _bundle(tmp_path, [encoder, one_hot], f"ohe_{handle_unknown}")

    out = bundle.transform({"city": CITIES}).to_dict()
    np.testing.assert_array_equal(out["city_index"], indices)
    np.testing.assert_array_equal(out["city_vec"], expected)
    with pytest.raises(ValueError, match="Unseen label: rome"):
        bundle.transform({"city": ["rome"]})


def test_one_hot_encoder_keep_matches_sklearn_ignore_for_unknown_indices(tmp_path):
    from mleap.sklearn.preprocessing.data import FeatureExtractor
    from sklearn.preprocessing import OneHotEncoder

    frame = {"code": [0.0, 1.0, 2.0, 1.0]}
    extractor = FeatureExtractor(input_scalars=["code"], output_vector="unused")
    extractor.output_features = "code"  # the encoder reads the scalar column itself
    one_hot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    one_hot.mlinit(prior_tf=extractor, output_features="code_vec")
    one_hot.input_features = "code"
    one_hot.fit(np.array(frame["code"]).reshape(-1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_hot.serialize_to_bundle(str(tmp_path), one_hot.name)
    from inference_pipeline.mleap import LeapFrame
    from inference_pipeline.mleap.bundle import load_op

    op = load_op(tmp_path / f"{one_hot.name}.node")  # a lone node dir, no bundle.json
    unseen = np.array([[5.0], [2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = one_hot.transform(unseen)
    got = op.transform(LeapFrame.from_dict({"code": unseen.ravel()})).to_dict()["code_vec"]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("strategy,missing", [("mean", np.nan), ("median", np.nan), ("mean", -1.0)])
def test_simple_imputer_matches_sklearn(tmp_path, strategy, missing):
    import pandas as pd
    from mleap.sklearn.preprocessing.data import FeatureExtractor
    from sklearn.impute import SimpleImputer

    values = np.array([1.0, missing, 4.0, 10.0, missing, 2.5])
    extractor = FeatureExtractor(input_scalars=["x"], output_vector="x_vec")
    extractor.output_features = "x"
    imputer = SimpleImputer(strategy=strategy, missing_values=missing)
    imputer.mlinit(prior_tf=extractor, output_features="x_imputed")
    imputer.input_features = "x"
    expected = imputer.fit_transform(values.reshape(-1, 1)).ravel()
    bundle = _bundle(tmp_path, [imputer], f"imputer_{strategy}_{missing}")
    got = bundle.transform(pd.DataFrame({"x": values})).to_dict()["x_imputed"]
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("operation", ["log", "exp", "sqrt", "sin", "cos", "tan", "abs"])
def test_math_unary_matches_mleap_sklearn(tmp_path, operation):
    from mleap.sklearn.preprocessing.data import MathUnary

    x = np.array([0.25, 1.0, 2.5, 9.0])
    step = MathUnary(input_features=["x"], output_features="y", transform_type=operation)
    expected = step.fit_transform(x)
    got = _bundle(tmp_path, [step], f"unary_{operation}").transform({"x": x}).to_dict()["y"]
    np.testing.assert_allclose(got, expected, rtol=1e-15)


@pytest.mark.parametrize("operation", ["add", "sub", "mul", "div", "pow"])
def test_math_binary_matches_mleap_sklearn(tmp_path, operation):
    import pandas as pd
    from mleap.sklearn.preprocessing.data import MathBinary

    frame = pd.DataFrame({"a": [1.5, -2.0, 9.0], "b": [2.0, 4.0, 0.5]})
    step = MathBinary(input_features=["a", "b"], output_features="y", transform_type=operation)
    expected = step.fit_transform(frame)["y"].to_numpy()
    got = _bundle(tmp_path, [step], f"binary_{operation}").transform(frame).to_dict()["y"]
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_sklearn_only_ops_fail_at_load_naming_the_op(tmp_path):
    from mleap.sklearn.preprocessing.data import FeatureExtractor
    from sklearn.preprocessing import Binarizer

    from inference_pipeline.mleap import UnsupportedOpError

    extractor = FeatureExtractor(input_scalars=["a", "b"], output_vector="v")
    binarizer = Binarizer(threshold=0.5)
    binarizer.mlinit(prior_tf=extractor, output_features="bits")
    binarizer.fit(np.zeros((2, 2)))
    with pytest.raises(UnsupportedOpError, match="'sklearn_binarizer' is not supported; supported ops: .*binarizer, "):
        _bundle(tmp_path, [extractor, binarizer], "binarizer")
