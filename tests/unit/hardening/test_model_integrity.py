"""Issue 13, honest health: a truncated, corrupt or missing artifact fails the load with one line
(what /ping's 503 carries), in every runtime — never a model that loads and answers nonsense."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference_pipeline.serving.errors import ModelLoadError
from inference_pipeline.serving.settings import load_settings


def truncate(path: Path, fraction: float = 0.1) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:max(1, int(len(data) * fraction))])


def assert_load_fails(runtime, model_dir: Path, *patterns: str) -> str:
    with pytest.raises(ModelLoadError) as info:
        runtime.load(model_dir)
    message = str(info.value)
    assert "\n" not in message, message
    for pattern in patterns:
        assert pattern in message, message
    return message


@pytest.fixture(scope="module")
def fasttext_dir(tmp_path_factory) -> Path:
    fasttext = pytest.importorskip("fasttext")
    root = tmp_path_factory.mktemp("fasttext")
    data = root / "train.txt"
    data.write_text("".join(f"__label__{i % 3} word{i % 3} other{i % 7}\n" for i in range(300)))
    model = fasttext.train_supervised(str(data), epoch=5, dim=8, bucket=5000, wordNgrams=2, minCount=1, verbose=0, thread=1)
    model_dir = root / "model"
    model_dir.mkdir()
    model.save_model(str(model_dir / "model.bin"))
    return model_dir


def _blazingtext():
    from inference_pipeline.runtimes.blazingtext.runtime import BlazingTextRuntime

    return BlazingTextRuntime()


def test_blazingtext_complete_model_loads(fasttext_dir):
    _blazingtext().load(fasttext_dir)


@pytest.mark.parametrize("fraction, pattern", [(0.1, "truncated or corrupt: the input matrix"),
                                               (0.9999, "truncated or corrupt"),
                                               (0.0, "is empty")])
def test_blazingtext_truncated_model_fails_the_load(fasttext_dir, tmp_path, fraction, pattern):
    # fastText itself loads the first 10% "fine" and answers uniform probabilities.
    data = (fasttext_dir / "model.bin").read_bytes()
    (tmp_path / "model.bin").write_bytes(data[:int(len(data) * fraction)])
    assert_load_fails(_blazingtext(), tmp_path, "model.bin", pattern)


def test_blazingtext_corrupt_header_and_trailing_bytes(fasttext_dir, tmp_path):
    data = bytearray((fasttext_dir / "model.bin").read_bytes())
    (tmp_path / "model.bin").write_bytes(bytes(data) + b"\0" * 16)
    assert_load_fails(_blazingtext(), tmp_path, "16 unexpected bytes")
    data[0] ^= 0xFF
    (tmp_path / "model.bin").write_bytes(bytes(data))
    assert_load_fails(_blazingtext(), tmp_path, "not a fastText model")


def test_xgboost_truncated_model(tmp_path):
    pytest.importorskip("xgboost")
    from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
    from tests.support.xgboost_models import save, train

    for fmt in ("json", "ubj", "pickle"):
        model_dir = save(train("reg:squarederror"), tmp_path / fmt, fmt)
        truncate(model_dir / "xgboost-model", 0.5)
        assert_load_fails(XGBoostRuntime(load_settings()), model_dir, "xgboost-model")


def test_sklearn_truncated_or_garbage_joblib(tmp_path):
    pytest.importorskip("sklearn")
    from inference_pipeline.runtimes.sklearn.runtime import SklearnRuntime
    from tests.support.sklearn_models import build_regressor

    model_dir = build_regressor(tmp_path / "model")
    truncate(model_dir / "model.joblib", 0.5)
    settings = load_settings(SM_MODEL_DIR=str(model_dir))
    assert_load_fails(SklearnRuntime(settings), model_dir, "model.joblib")
    (model_dir / "model.joblib").write_bytes(b"\x80\x04garbage that is no pickle")
    assert_load_fails(SklearnRuntime(settings), model_dir, "model.joblib")


def test_sparkml_truncated_bundle(tmp_path):
    from inference_pipeline.runtimes.sparkml.runtime import SparkMLRuntime
    from tests.support.mleap_bundles import abalone_pipeline, write

    bundle = write(abalone_pipeline(), tmp_path / "model", archive="zip")
    archive = bundle if bundle.is_file() else next(bundle.glob("*.zip"))
    truncate(archive, 0.5)
    assert_load_fails(SparkMLRuntime(), archive.parent, "MLeap bundle")


def test_linear_learner_truncated_json(tmp_path):
    from inference_pipeline.runtimes.linear_learner.runtime import LinearLearnerRuntime

    (tmp_path / "linear-learner.json").write_text(json.dumps({
        "format": "inference-pipeline/linear-learner", "version": 1, "predictor_type": "regressor",
        "feature_dim": 2, "weights": [[1.0, 2.0]], "bias": [0.0]})[:40])
    assert_load_fails(LinearLearnerRuntime(), tmp_path, "linear-learner.json")
    (tmp_path / "linear-learner.json").unlink()
    assert_load_fails(LinearLearnerRuntime(), tmp_path, "is missing")


def test_postprocessing_corrupt_config(tmp_path):
    from inference_pipeline.runtimes.postprocessing.runtime import PostprocessingRuntime

    (tmp_path / "postprocessing.json").write_text('{"postprocessor": "thresh')
    runtime = PostprocessingRuntime(load_settings(SM_MODEL_DIR=str(tmp_path)))
    assert_load_fails(runtime, tmp_path, "postprocessing.json")
