"""scikit-learn runtime: AWS sklearn-container compatible scripts, with safer defaults.

Differences from AWS's container, on purpose: the model loads at start (so /ping tells the
truth); without ``model_fn`` we load ``model.joblib``/``model.pkl``; a one-row CSV stays 2-D;
a transformer without ``predict`` is served by ``transform`` (featurizers).
"""

from __future__ import annotations

import logging
import pickle
import re
import warnings
from pathlib import Path
from typing import Any, ClassVar

from inference_pipeline.catalogue import image, parse_minor
from inference_pipeline.runtimes.user_script.hooks import CLIENT_ERRORS
from inference_pipeline.runtimes.user_script.runtime import ScriptRuntime
from inference_pipeline.runtimes.versions import check_line, check_versions, refusal
from inference_pipeline.serving.errors import BadRequest, InferenceError, ModelLoadError

log = logging.getLogger(__name__)

MODEL_FILES = ("model.joblib", "model.pkl", "model.pickle")
# Every fitted estimator pickles its ``_sklearn_version`` as a short string (protocol 2+:
# SHORT_BINUNICODE 0x8c or BINUNICODE 'X' + length, then the text).
_PICKLED_VERSION = re.compile(rb"_sklearn_version\x94?(?:\x8c.|X....)(\d+\.\d+[\w.]*)", re.DOTALL)
_SCAN_LIMIT = 256 * 1024 * 1024  # bytes of a model file read to find it; bigger files go unchecked


def pickled_sklearn_version(path: Path) -> str | None:
    """The scikit-learn version an uncompressed pickle/joblib file was written with, if it says."""
    try:
        if path.stat().st_size > _SCAN_LIMIT:
            return None
        match = _PICKLED_VERSION.search(path.read_bytes())
    except OSError:
        return None
    return match[1].decode() if match else None


def check_pickled_version(model_dir: Path) -> None:
    """Refuse a model file pickled by a scikit-learn minor another line of this image serves."""
    for name in MODEL_FILES:
        path = model_dir / name
        version = pickled_sklearn_version(path) if path.is_file() else None
        saved = parse_minor(version) if version else None
        if saved is not None and (reason := refusal(image("sklearn"), saved, f"{name} (pickled by scikit-learn {version})")):
            raise ModelLoadError(reason)


class SklearnRuntime(ScriptRuntime):
    name: ClassVar[str] = "sklearn"
    preload_modules: ClassVar[tuple[str, ...]] = ("joblib", "pandas", "sklearn.pipeline", "sklearn.compose", "sklearn.preprocessing", "sklearn.impute", "sklearn.linear_model", "sklearn.ensemble", "sagemaker_containers.beta.framework")  # noqa: E501

    def load(self, model_dir: Path) -> None:
        check_line(model_dir, "sklearn")
        check_pickled_version(model_dir)
        check_versions(model_dir)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            super().load(model_dir)
        for warning in caught:
            if type(warning.message).__name__ == "InconsistentVersionWarning":
                msg = warning.message
                log.warning("model was pickled with scikit-learn %s but this image has scikit-learn %s (%s)",
                            getattr(msg, "original_sklearn_version", "?"),
                            getattr(msg, "current_sklearn_version", "?"),
                            getattr(msg, "estimator_name", "estimator"))
            else:
                log.warning("while loading the model: %s", warning.message)

    def default_model_fn(self, model_dir: Path) -> Any:
        import joblib

        for name in MODEL_FILES:
            path = model_dir / name
            if path.is_file():
                try:
                    return joblib.load(path)
                except (pickle.UnpicklingError, EOFError, ValueError, ImportError, AttributeError) as exc:
                    raise ModelLoadError(f"cannot load {path}: {type(exc).__name__}: {exc}") from exc
        raise ModelLoadError(f"no model_fn in the script and none of {', '.join(MODEL_FILES)} in {model_dir}; "
                             "provide model_fn(model_dir) via SAGEMAKER_PROGRAM or save the model as model.joblib")

    def default_predict_fn(self, data: Any, model: Any) -> Any:
        method = getattr(model, "predict", None) or getattr(model, "transform", None)
        if method is None:
            raise InferenceError(f"{type(model).__name__} has neither predict nor transform; provide predict_fn")
        try:
            return method(data)
        except CLIENT_ERRORS as exc:  # wrong feature count, unparsable values: the input's fault
            # The same rule as for a user's predict_fn (user_script.hooks.CLIENT_ERRORS).
            raise BadRequest(f"the model rejected the input: {type(exc).__name__}: {exc}") from exc
