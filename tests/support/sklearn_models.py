"""Builds small, real sklearn model directories the way SageMaker would unpack them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sklearn"
FEATURES = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
            "viscera_weight", "shell_weight"]


def abalone_frame(rows: int = 300, seed: int = 0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    length = rng.uniform(0.1, 0.8, rows)
    frame = pd.DataFrame({
        "sex": rng.choice(["M", "F", "I"], rows),
        "length": length,
        "diameter": length * 0.8,
        "height": length * 0.3,
        "whole_weight": length * 1.5,
        "shucked_weight": length * 0.6,
        "viscera_weight": length * 0.3,
        "shell_weight": length * 0.4,
    })
    frame["sex"] = frame["sex"].astype("category")
    frame.iloc[::17, 1] = np.nan  # missing values exercise the imputers
    return frame


def build_featurizer(model_dir: Path, *, with_script: bool = True) -> Path:
    """ColumnTransformer(median-impute+scale numerics, constant-impute+one-hot sex), saved as
    ``model.joblib`` with the AWS-style script in ``code/`` and the training versions."""
    import joblib
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from inference_pipeline.runtimes.versions import record_versions

    frame = abalone_frame()
    preprocessor = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         make_column_selector(dtype_exclude="category")),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")),
         make_column_selector(dtype_include="category")),
    ])
    preprocessor.fit(frame)
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(preprocessor, model_dir / "model.joblib")
    record_versions(model_dir, ["scikit-learn", "numpy", "pandas"])
    if with_script:
        (model_dir / "code").mkdir(exist_ok=True)
        shutil.copy(FIXTURES / "featurizer.py", model_dir / "code" / "featurizer.py")
    return model_dir


def build_regressor(model_dir: Path, n_features: int = 3) -> Path:
    """A plain LinearRegression saved as model.joblib (no script: default hooks)."""
    import joblib
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, n_features))
    model = LinearRegression().fit(x, x @ np.arange(1, n_features + 1) + 0.5)
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / "model.joblib")
    return model_dir
