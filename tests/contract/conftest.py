from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import serve
from tests.support.sklearn_models import build_featurizer, build_regressor


@pytest.fixture(scope="module")
def featurizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_featurizer(tmp_path_factory.mktemp("featurizer") / "model")


@pytest.fixture(scope="module")
def featurizer_server(featurizer_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    with serve("sklearn", featurizer_dir, env={"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"},
               tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server


@pytest.fixture(scope="module")
def regressor_server(tmp_path_factory: pytest.TempPathFactory):
    model_dir = build_regressor(tmp_path_factory.mktemp("regressor") / "model")
    with serve("sklearn", model_dir,
               tmp_path=tmp_path_factory.mktemp("logs")) as server:
        yield server
