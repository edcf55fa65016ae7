"""The three models every server of a comparison loads, written once so all serve the same bytes.

ridge       StandardScaler → Ridge over 8 numeric columns (model.joblib)
featurizer  the abalone ColumnTransformer of examples/sklearn-linear-learner-abalone: median-impute
            + scale the 7 measurements, constant-impute + one-hot ``sex`` (model.joblib). Columns are
            selected by name rather than by dtype so a server that decodes ``sex`` as object (MLServer's
            pandas codec) selects the same columns as one that reads it as category.
xgboost     100 trees of depth 6, reg:squarederror over 8 features (xgboost-model, UBJSON)
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
ABALONE_SCRIPT = ROOT / "examples" / "sklearn-linear-learner-abalone" / "sklearn_abalone_featurizer.py"
ABALONE_COLUMNS = ["sex", "length", "diameter", "height", "whole_weight", "shucked_weight",
                   "viscera_weight", "shell_weight"]
N_NUMERIC = 8


@dataclass(frozen=True)
class Model:
    name: str
    directory: Path
    file: str  # the model file inside ``directory``
    framework: str  # "sklearn" or "xgboost": which of our images and which peer runtime serve it

    def rows_csv(self, n: int) -> bytes:
        return "".join(row + "\n" for row in rows(self.name, n)).encode()


def rows(model: str, n: int) -> list[str]:
    """``n`` deterministic CSV rows (no header) for ``model``."""
    rng = np.random.default_rng(7)
    if model == "featurizer":
        sexes = rng.choice(["M", "F", "I"], n)
        values = rng.uniform(0.05, 0.9, size=(n, 7))
        return [",".join([sex, *(f"{v:.4f}" for v in row)]) for sex, row in zip(sexes, values, strict=True)]
    values = rng.normal(size=(n, N_NUMERIC))
    return [",".join(f"{v:.5f}" for v in row) for row in values]


def numeric(model: str, n: int) -> np.ndarray:
    return np.array([[float(v) for v in row.split(",")] for row in rows(model, n)])


def abalone_frame(n: int):  # -> pandas.DataFrame
    import pandas as pd

    table = [row.split(",") for row in rows("featurizer", n)]
    frame = pd.DataFrame(table, columns=ABALONE_COLUMNS)
    for column in ABALONE_COLUMNS[1:]:
        frame[column] = frame[column].astype("float64")
    return frame


def build(work: Path) -> dict[str, Model]:
    """Fit and save every model under ``work`` (fresh each run: a few hundred milliseconds)."""
    import joblib
    import xgboost as xgb
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    shutil.rmtree(work, ignore_errors=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, N_NUMERIC))
    y = x @ rng.normal(size=N_NUMERIC) + rng.normal(scale=0.1, size=2000)

    ridge_dir = work / "ridge"
    ridge_dir.mkdir(parents=True)
    joblib.dump(make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(x, y), ridge_dir / "model.joblib")

    featurizer_dir = work / "featurizer"
    featurizer_dir.mkdir(parents=True)
    featurizer = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ABALONE_COLUMNS[1:]),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                              OneHotEncoder(handle_unknown="ignore")), ["sex"]),
    ])
    joblib.dump(featurizer.fit(abalone_frame(500)), featurizer_dir / "model.joblib")
    (featurizer_dir / "code").mkdir()  # where SageMaker's sklearn container looks for SAGEMAKER_PROGRAM
    shutil.copy(ABALONE_SCRIPT, featurizer_dir / "code" / ABALONE_SCRIPT.name)

    xgboost_dir = work / "xgboost"
    xgboost_dir.mkdir(parents=True)
    booster = xgb.train({"objective": "reg:squarederror", "max_depth": 6, "eta": 0.1},
                        xgb.DMatrix(x, label=y), num_boost_round=100)
    (xgboost_dir / "xgboost-model").write_bytes(bytes(booster.save_raw(raw_format="ubj")))

    for path in [work, *work.rglob("*")]:  # the containers run as a non-root user
        path.chmod(0o755 if path.is_dir() else 0o644)
    return {
        "ridge": Model("ridge", ridge_dir, "model.joblib", "sklearn"),
        "featurizer": Model("featurizer", featurizer_dir, "model.joblib", "sklearn"),
        "xgboost": Model("xgboost", xgboost_dir, "xgboost-model", "xgboost"),
    }


def expected(model: Model, n: int) -> np.ndarray:
    """What every server must answer for ``n`` rows, computed in this process (2-D)."""
    import joblib

    if model.name == "xgboost":
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(bytearray((model.directory / model.file).read_bytes()))
        return booster.predict(xgb.DMatrix(numeric("xgboost", n))).reshape(n, -1)
    loaded = joblib.load(model.directory / model.file)
    if model.name == "featurizer":
        return np.asarray(loaded.transform(abalone_frame(n)))
    return np.asarray(loaded.predict(numeric(model.name, n))).reshape(n, -1)
