"""Fits a small abalone-style featurizer and writes the model directory SageMaker would unpack:
``model.joblib``, ``code/featurizer.py`` and the training library versions."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from inference_pipeline.runtimes.versions import record_versions

HERE = Path(__file__).resolve().parent


def main(model_dir: Path) -> None:
    rng = np.random.default_rng(7)
    length = rng.uniform(0.1, 0.8, 500)
    frame = pd.DataFrame({"sex": pd.Categorical(rng.choice(["M", "F", "I"], 500)), "length": length,
                          "diameter": length * 0.8, "height": length * 0.3, "whole_weight": length * 1.5,
                          "shucked_weight": length * 0.6, "viscera_weight": length * 0.3,
                          "shell_weight": length * 0.4})
    featurizer = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         make_column_selector(dtype_exclude="category")),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")), make_column_selector(dtype_include="category")),
    ]).fit(frame)
    (model_dir / "code").mkdir(parents=True, exist_ok=True)
    joblib.dump(featurizer, model_dir / "model.joblib")
    shutil.copy(HERE / "featurizer.py", model_dir / "code" / "featurizer.py")
    record_versions(model_dir, ["scikit-learn", "numpy", "pandas"])
    print(f"wrote {model_dir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
