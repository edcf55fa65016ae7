"""One small model per runtime, with a valid request for it, for the hostile-request table."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RuntimeSpec:
    name: str  # the runtime (and image) name
    build: Callable[[Path], Path]  # writes a model directory, returns it
    content_type: str  # the type of the valid request
    valid: bytes  # a request body the model answers 200
    width: int  # features per CSV row
    env: dict[str, str] = field(default_factory=dict)
    json_in: bool = False  # reads application/json


def _xgboost(dest: Path) -> Path:
    from tests.support.xgboost_models import save, train

    return save(train("reg:squarederror", rounds=2), dest, "json")


def _sklearn(dest: Path) -> Path:
    from tests.support.sklearn_models import build_regressor

    return build_regressor(dest, n_features=3)


def _sparkml(dest: Path) -> Path:
    from tests.support.mleap_bundles import abalone_pipeline, write

    return write(abalone_pipeline(), dest)


def _linear_learner(dest: Path) -> Path:
    dest.mkdir(parents=True)
    (dest / "linear-learner.json").write_text(json.dumps({
        "format": "inference-pipeline/linear-learner", "version": 1, "predictor_type": "binary_classifier",
        "feature_dim": 3, "weights": [[0.5, -0.25, 1.0]], "bias": [0.1]}))
    return dest


def _blazingtext(dest: Path) -> Path:
    import fasttext

    dest.mkdir(parents=True)
    data = dest.parent / "train.txt"
    data.write_text("".join(f"__label__{i % 3} word{i % 3} other{i % 7}\n" for i in range(300)))
    model = fasttext.train_supervised(str(data), epoch=5, dim=8, bucket=2000, wordNgrams=2, minCount=1,
                                      verbose=0, thread=1)
    model.save_model(str(dest / "model.bin"))
    return dest


def _postprocessing(dest: Path) -> Path:
    dest.mkdir(parents=True)
    return dest


def _abalone_env() -> dict[str, str]:
    from tests.support.mleap_bundles import ABALONE_SCHEMA

    return {"SAGEMAKER_SPARKML_SCHEMA": json.dumps(ABALONE_SCHEMA)}


def specs() -> dict[str, RuntimeSpec]:
    from tests.support.xgboost_models import training_data

    xgb_width = training_data("reg:squarederror")[0].shape[1]
    return {spec.name: spec for spec in (
        RuntimeSpec("xgboost", _xgboost, "text/csv", ",".join(["0.5"] * xgb_width).encode(), xgb_width),
        RuntimeSpec("sklearn", _sklearn, "text/csv", b"1,2,3", 3, json_in=True),
        RuntimeSpec("sparkml", _sparkml, "text/csv", b"F,0.515,0.425,0.14,0.766,0.304,0.1725,0.255", 8,
                    env=_abalone_env(), json_in=True),
        RuntimeSpec("linear-learner", _linear_learner, "text/csv", b"1,2,3", 3, json_in=True),
        RuntimeSpec("blazingtext", _blazingtext, "application/json", b'{"instances": ["word1 other2"]}', 1,
                    json_in=True),
        RuntimeSpec("postprocessing", _postprocessing, "text/csv", b"1", 1,
                    env={"POSTPROCESSOR": "label", "POSTPROCESSING_LABELS": "a,b"}, json_in=True),
    )}


@contextmanager
def started_lazily(start: Callable[[str], AbstractContextManager[Any]]) -> Iterator[Callable[[str], Any]]:
    """``get(name)``: the server for ``name``, started by ``start`` on first use and kept until
    the block ends (one per runtime for a whole test module), then stopped in reverse order."""
    running: dict[str, Any] = {}
    with ExitStack() as stack:
        def get(name: str) -> Any:
            if name not in running:
                running[name] = stack.enter_context(start(name))
            return running[name]

        yield get
