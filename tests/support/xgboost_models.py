"""XGBoost models trained in tests, saved as SageMaker's XGBoost training would save them, and
request bodies in the three formats its container reads."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np

OBJECTIVES = {
    "reg:squarederror": {},
    "binary:logistic": {},
    "multi:softmax": {"num_class": 4},
    "multi:softprob": {"num_class": 4},
}
N_FEATURES = 5
#: Formats the current XGBoost writes; "binary" and "legacy-pickle" come from LEGACY_DIR.
FORMATS = ("pickle", "json", "ubj")
LEGACY_FORMATS = ("binary", "legacy-pickle")
#: Written by XGBoost 1.7.6 (SageMaker XGBoost 1.7-1's version); see make_fixtures.py there.
LEGACY_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "xgboost_legacy"


def training_data(objective: str, n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows with ~5% missing values (as SageMaker users send them) and labels per objective.

    Same rows and labels as ``make_fixtures.py`` (seed 0 trains, seed 42 probes)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    score = np.nan_to_num(x[:, 0]) * 2 + np.nan_to_num(x[:, 1])
    if objective.startswith("reg"):
        return x, score
    if objective.startswith("binary"):
        return x, (score > 0).astype(np.float32)
    return x, np.digitize(score, [-1.5, 0, 1.5]).astype(np.float32)


def train(objective: str, rounds: int = 8, **params):
    import xgboost as xgb

    x, y = training_data(objective)
    params = {"objective": objective, "max_depth": 3, "eta": 0.3, **OBJECTIVES.get(objective, {}), **params}
    return xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=rounds)


def save(booster, model_dir: Path, fmt: str, name: str = "xgboost-model") -> Path:
    """``xgboost-model`` (the name SageMaker's training uses) as a pickle, JSON or UBJSON."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / name
    if fmt == "pickle":
        path.write_bytes(pickle.dumps(booster))
    else:
        path.write_bytes(bytes(booster.save_raw(raw_format="json" if fmt == "json" else "ubj")))
    return model_dir


def legacy_dir(objective: str, fmt: str) -> Path:
    """The checked-in XGBoost 1.7.6 model dir: ``binary`` (save_model) or ``legacy-pickle``."""
    return LEGACY_DIR / objective.replace(":", "_") / ("pickle" if fmt == "legacy-pickle" else "binary")


def legacy_predictions(objective: str) -> np.ndarray:
    """What XGBoost 1.7.6 predicted for ``training_data(objective, 200, seed=42)[0]``."""
    return np.load(LEGACY_DIR / objective.replace(":", "_") / "predictions.npy")


def model_dir_for(objective: str, fmt: str, tmp: Path):
    """(model dir, Booster loaded back by the test's XGBoost) for any of FORMATS + LEGACY_FORMATS."""
    import xgboost as xgb

    if fmt in LEGACY_FORMATS:
        target = tmp / f"{objective.replace(':', '_')}-{fmt}"
        if not target.exists():
            shutil.copytree(legacy_dir(objective, fmt), target)
        data = (target / "xgboost-model").read_bytes()
        if fmt == "legacy-pickle":
            return target, pickle.loads(data)
        booster = xgb.Booster()
        booster.load_model(bytearray(data))
        return target, booster
    booster = train(objective)
    return save(booster, tmp / f"{objective.replace(':', '_')}-{fmt}", fmt), booster


# ------------------------------------------------------------------------------- request bodies

def csv_body(x: np.ndarray) -> bytes:
    """No header, no label; a missing value is an empty field."""
    return "\n".join(",".join("" if np.isnan(v) else repr(float(v)) for v in row) for row in x).encode()


def libsvm_body(x: np.ndarray) -> bytes:
    """1-based indices with a (ignored) label; a missing value is an absent entry."""
    return "\n".join("0 " + " ".join(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row) if not np.isnan(v))
                     for row in x).encode()


def recordio_body(x: np.ndarray) -> bytes:
    from inference_pipeline.serving.codecs import recordio

    return recordio.encode_dense(x.astype(np.float32))


def bodies(x: np.ndarray) -> dict[str, bytes]:
    return {"text/csv": csv_body(x), "text/libsvm": libsvm_body(x),
            "application/x-recordio-protobuf": recordio_body(x)}
