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
    from sklearn import preprocessing

    from mleap.sklearn.preprocessing.data import FeatureExtractor

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
    from sklearn.linear_model import LinearRegression

    from inference_pipeline.mleap import supported_ops
    from mleap.sklearn.preprocessing.data import FeatureExtractor

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
