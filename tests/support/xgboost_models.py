"""XGBoost models trained in tests, saved as SageMaker's XGBoost training would save them."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

OBJECTIVES = {
    "reg:squarederror": {},
    "binary:logistic": {},
    "multi:softmax": {"num_class": 4},
    "multi:softprob": {"num_class": 4},
}
N_FEATURES = 5


def training_data(objective: str, n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values, as SageMaker users send them
    score = np.nan_to_num(x[:, 0]) * 2 + np.nan_to_num(x[:, 1])
    if objective.startswith("reg"):
        return x, score
    if objective.startswith("binary"):
        return x, (score > 0).astype(np.float32)
    return x, np.digitize(score, [-1.5, 0, 1.5]).astype(np.float32)


def train(objective: str):
    import xgboost as xgb

    x, y = training_data(objective)
    params = {"objective": objective, "max_depth": 3, "eta": 0.3, **OBJECTIVES[objective]}
    return xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=8)


def save(booster, model_dir: Path, fmt: str) -> Path:
    """``xgboost-model`` as a pickle, JSON or UBJSON (the name SageMaker's training uses)."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / "xgboost-model"
    if fmt == "pickle":
        path.write_bytes(pickle.dumps(booster))
    else:
        path.write_bytes(bytes(booster.save_raw(raw_format="json" if fmt == "json" else "ubj")))
    return model_dir
