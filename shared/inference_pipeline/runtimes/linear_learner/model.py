"""The Linear Learner stand-in's artifact, ``linear-learner.json``, and its writer.

Format (version 1)::

    {"format": "inference-pipeline/linear-learner", "version": 1,
     "predictor_type": "regressor" | "binary_classifier" | "multiclass_classifier",
     "feature_dim": 10,
     "weights": [[...], ...],     # outputs × feature_dim: 1 row (regressor, binary), n_classes rows
     "bias": [...],               # one per row of weights
     "feature_mean": [...], "feature_std": [...],  # optional: x' = (x - mean) / std first
     "label_mean": 0.0, "label_std": 1.0,         # optional, regressor: y = y' * std + mean
     "binary_threshold": 0.5}     # optional, binary_classifier: label = score > threshold

Scores: regressor ``x'·w + b`` (label-scaled); binary ``sigmoid(x'·w + b)``; multiclass
``softmax(x'·W + b)`` — Linear Learner's outputs for its default losses.

Why AWS's own artifacts are not read: ``model.tar.gz`` holds ``model_algo-1``, a zip of
``mx-mod-symbol.json`` (an MXNet graph), ``mx-mod-0000.params`` (NDArrays ``fc0_weight``,
``fc0_bias``, ...), ``manifest.json`` and ``additional-params.json``. The params container is
readable, but how the graph normalises inputs and labels and which link it applies is not
published, and no artifact can be produced outside AWS to test a reader against — a guess
would mispredict silently. Export the weights with MXNet and write this format instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference_pipeline.serving.errors import ModelLoadError

ARTIFACT = "linear-learner.json"
AWS_ARTIFACT = "model_algo-1"
FORMAT = "inference-pipeline/linear-learner"
PREDICTOR_TYPES = ("regressor", "binary_classifier", "multiclass_classifier")


@dataclass(frozen=True)
class LinearModel:
    predictor_type: str
    weights: np.ndarray  # outputs × feature_dim
    bias: np.ndarray
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    label_mean: float = 0.0
    label_std: float = 1.0
    threshold: float = 0.5

    @property
    def feature_dim(self) -> int:
        return int(self.weights.shape[1])

    def raw(self, x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float64, copy=False)
        if self.mean is not None and self.std is not None:
            x = (x - self.mean) / self.std
        return x @ self.weights.T + self.bias


def _split_pipeline(estimator: Any) -> tuple[Any, np.ndarray | None, np.ndarray | None]:
    """A scikit-learn Pipeline of [StandardScaler, linear model] → (model, mean, std)."""
    steps = getattr(estimator, "steps", None)
    if not steps:
        return estimator, None, None
    if len(steps) == 1:
        return steps[0][1], None, None
    scaler, model = steps[0][1], steps[-1][1]
    if len(steps) != 2 or not hasattr(scaler, "mean_") or not hasattr(scaler, "scale_"):
        raise ValueError("a pipeline must be [StandardScaler, linear model] to become linear-learner.json")
    mean = scaler.mean_ if scaler.mean_ is not None else np.zeros(len(scaler.scale_))
    std = scaler.scale_ if scaler.scale_ is not None else np.ones(len(mean))
    return model, np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)


def save_linear_learner_model(model_dir: Path, estimator: Any, *, predictor_type: str | None = None,
                              feature_mean: Any = None, feature_std: Any = None,
                              label_mean: float | None = None, label_std: float | None = None,
                              binary_threshold: float | None = None) -> Path:
    """Write ``linear-learner.json`` from a fitted scikit-learn linear model (``coef_`` and
    ``intercept_``: LinearRegression, Ridge, SGDRegressor, LogisticRegression, ...) or a
    ``Pipeline([StandardScaler(), model])``. scikit-learn itself is not imported."""
    model, scaler_mean, scaler_std = _split_pipeline(estimator)
    if feature_mean is None and scaler_mean is not None:
        feature_mean, feature_std = scaler_mean, scaler_std
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    bias = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    if predictor_type is None:
        classes = getattr(model, "classes_", None)
        predictor_type = "regressor" if classes is None else (
            "binary_classifier" if len(classes) == 2 else "multiclass_classifier")
    if predictor_type not in PREDICTOR_TYPES:
        raise ValueError(f"predictor_type must be one of {', '.join(PREDICTOR_TYPES)}")
    classes = getattr(model, "classes_", None)
    if classes is not None and not np.array_equal(np.asarray(classes), np.arange(len(classes))):
        raise ValueError(f"classes must be 0..n-1 as Linear Learner's labels are; got {list(classes)}")
    document: dict[str, Any] = {"format": FORMAT, "version": 1, "predictor_type": predictor_type,
                                "feature_dim": int(coef.shape[1]), "weights": coef.tolist(), "bias": bias.tolist()}
    if feature_mean is not None:
        document["feature_mean"] = np.asarray(feature_mean, dtype=np.float64).tolist()
        document["feature_std"] = np.asarray(feature_std if feature_std is not None else
                                             np.ones(coef.shape[1]), dtype=np.float64).tolist()
    if label_mean is not None or label_std is not None:
        document["label_mean"] = float(label_mean or 0.0)
        document["label_std"] = float(label_std if label_std is not None else 1.0)
    if binary_threshold is not None:
        document["binary_threshold"] = float(binary_threshold)
    check(document, ARTIFACT)
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / ARTIFACT
    path.write_text(json.dumps(document, indent=1))
    return path


def check(doc: Any, where: str) -> LinearModel:
    """Validate a parsed document; ValueError names the first problem."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{where}: \"format\" must be {FORMAT!r}")
    if doc.get("version") != 1:
        raise ValueError(f"{where}: unsupported version {doc.get('version')!r} (this image reads 1)")
    predictor_type = doc.get("predictor_type")
    if predictor_type not in PREDICTOR_TYPES:
        raise ValueError(f"{where}: predictor_type must be one of {', '.join(PREDICTOR_TYPES)}")
    try:
        weights = np.atleast_2d(np.asarray(doc["weights"], dtype=np.float64))
        bias = np.atleast_1d(np.asarray(doc["bias"], dtype=np.float64))
        mean = np.asarray(doc["feature_mean"], dtype=np.float64) if "feature_mean" in doc else None
        std = np.asarray(doc["feature_std"], dtype=np.float64) if "feature_std" in doc else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: weights, bias and scaling must be numbers ({type(exc).__name__}: {exc})") from None
    raw_dim = doc.get("feature_dim")
    dim = int(raw_dim) if raw_dim is not None else weights.shape[1]
    rows = weights.shape[0]
    if weights.ndim != 2 or weights.shape[1] != dim or bias.shape != (rows,):
        raise ValueError(f"{where}: weights must be outputs × feature_dim ({dim}) with one bias per output")
    if (predictor_type == "multiclass_classifier") != (rows > 1):
        raise ValueError(f"{where}: a {predictor_type} needs {'one weight row per class' if rows == 1 else 'one weight row'}")
    if (mean is None) != (std is None) or (mean is not None and std is not None
                                           and (mean.shape != (dim,) or std.shape != (dim,))):
        raise ValueError(f"{where}: feature_mean and feature_std go together, {dim} values each")
    if std is not None:
        std = np.where(std == 0, 1.0, std)  # a constant feature: centre it, do not divide by zero
    return LinearModel(predictor_type, weights, bias, mean, std, float(doc.get("label_mean", 0.0)),
                       float(doc.get("label_std", 1.0)), float(doc.get("binary_threshold", 0.5)))


def load_linear_model(model_dir: Path) -> LinearModel:
    path = model_dir / ARTIFACT
    if not path.is_file():
        if (model_dir / AWS_ARTIFACT).is_file():
            raise ModelLoadError(f"{model_dir} holds AWS Linear Learner's {AWS_ARTIFACT} (an MXNet graph this "
                                 f"stand-in cannot run); export the weights to {ARTIFACT} instead")
        raise ModelLoadError(f"{path} is missing: this image serves {ARTIFACT} "
                             "(write it with save_linear_learner_model)")
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: {exc}") from None
    try:
        return check(doc, str(path))
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from None
