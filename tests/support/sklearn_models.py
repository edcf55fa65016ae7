"""Builds small, real sklearn model directories the way SageMaker would unpack them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

FEATURIZER_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sklearn-linear-learner-abalone"
FEATURIZER_SCRIPT = "sklearn_abalone_featurizer.py"
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
    """The sklearn-linear-learner-abalone example's featurizer, trained by its own script as a
    SageMaker training job runs it: ``model.joblib`` + ``code/`` + the training versions."""
    import subprocess
    import sys

    from inference_pipeline.runtimes.versions import record_versions

    train_dir = model_dir.parent / f"{model_dir.name}-train"
    train_dir.mkdir(parents=True, exist_ok=True)
    frame = abalone_frame()
    frame["rings"] = 10.0
    frame.to_csv(train_dir / "abalone.csv", header=False, index=False)
    model_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(FEATURIZER_EXAMPLE / FEATURIZER_SCRIPT), "--train", str(train_dir),
                    "--model-dir", str(model_dir)], check=True, capture_output=True)
    record_versions(model_dir, ["scikit-learn", "numpy", "pandas"])
    if with_script:
        (model_dir / "code").mkdir(exist_ok=True)
        shutil.copy(FEATURIZER_EXAMPLE / FEATURIZER_SCRIPT, model_dir / "code" / FEATURIZER_SCRIPT)
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
