"""catalogue.py against the runtime classes (media types) and the version-line rules the images apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference_pipeline import catalogue
from inference_pipeline.runtimes import runtime_class, versions
from inference_pipeline.serving.errors import ModelLoadError

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "xgboost_legacy" / "binary_logistic"


@pytest.mark.parametrize("entry", catalogue.IMAGES, ids=lambda e: e.name)
def test_catalogue_media_types_match_the_runtime_class(entry: catalogue.ImageEntry) -> None:
    """pipeline.check reasons about hand-offs from the catalogue; it must say what the class does."""
    cls = runtime_class(entry.name)
    assert entry.default_accept == cls.default_accept
    assert entry.content_types == cls.content_types
    if entry.name == "sparkml":  # negotiates itself: text/csv, application/jsonlines(;data=text)
        from inference_pipeline.runtimes.sparkml.runtime import VALID_ACCEPTS

        assert set(entry.accepts or ()) == {a.split(";")[0] for a in VALID_ACCEPTS}
    elif entry.content_types is None:  # script runtimes: the script decides
        assert entry.accepts is None
    else:
        assert entry.accepts == cls.accepts


def _on_line(monkeypatch: pytest.MonkeyPatch, versions_installed: dict[str, str]) -> None:
    monkeypatch.setattr(versions, "installed_version", lambda name: versions_installed.get(name))
    monkeypatch.setenv("INFERENCE_PIPELINE_IMAGE_VERSION", "0.1.0")


def test_a_model_of_another_line_names_that_lines_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_line(monkeypatch, {"xgboost": "1.7.6"})
    reason = versions.refusal(catalogue.image("xgboost"), (3, 2), "xgboost-model")
    assert reason is not None and "\n" not in reason
    assert "xgboost 3.2" in reason and "1.7.6" in reason
    assert "inference-pipeline/xgboost:0.1.0-xgboost3.2" in reason and "locally inference-pipeline/xgboost:latest" in reason


def test_a_model_newer_than_every_line_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_line(monkeypatch, {"xgboost-cpu": "3.2.0"})
    reason = versions.refusal(catalogue.image("xgboost"), (9, 1), "xgboost-model")
    assert reason is not None and "newer than any line" in reason


def test_the_own_line_loads_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    _on_line(monkeypatch, {"xgboost-cpu": "3.2.0"})
    assert versions.refusal(catalogue.image("xgboost"), (1, 7), "m") is None
    _on_line(monkeypatch, {"scikit-learn": "1.9.1"})
    assert versions.refusal(catalogue.image("sklearn"), (0, 23), "m") is None  # no line: warn, not refuse


def test_training_versions_of_another_sklearn_line_fail_at_load(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    _on_line(monkeypatch, {"scikit-learn": "1.9.1"})
    (tmp_path / "training-versions.json").write_text(json.dumps({"scikit-learn": "1.2.2", "python": "3.11"}))
    with pytest.raises(ModelLoadError, match=r"sklearn:0\.1\.0-sklearn1\.2 \(locally inference-pipeline/sklearn:sklearn1\.2\)"):
        versions.check_line(tmp_path, "sklearn")


def test_training_versions_under_the_cpu_wheel_name_count(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _on_line(monkeypatch, {"xgboost": "1.7.6"})
    (tmp_path / "training-versions.json").write_text(json.dumps({"xgboost-cpu": "3.0.5"}))
    with pytest.raises(ModelLoadError, match="xgboost3.2"):
        versions.check_line(tmp_path, "xgboost")


def test_legacy_binary_on_a_line_without_the_reader_names_one_with_it(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    from inference_pipeline.runtimes.xgboost import model

    _on_line(monkeypatch, {"xgboost-cpu": "3.2.0"})
    reason = model._legacy_binary_refusal("xgboost-model")
    assert reason is not None and "legacy binary" in reason and "xgboost:0.1.0-xgboost3.0" in reason
    _on_line(monkeypatch, {"xgboost-cpu": "3.0.5"})
    assert model._legacy_binary_refusal("xgboost-model") is None


def test_pickled_sklearn_version_is_read_from_the_bytes(tmp_path: Path) -> None:
    import joblib
    import numpy as np
    import sklearn
    from sklearn.preprocessing import StandardScaler

    from inference_pipeline.runtimes.sklearn.runtime import pickled_sklearn_version

    joblib.dump(StandardScaler().fit(np.eye(3)), tmp_path / "model.joblib")
    assert pickled_sklearn_version(tmp_path / "model.joblib") == sklearn.__version__
    (tmp_path / "model.pkl").write_bytes(b"no version here")
    assert pickled_sklearn_version(tmp_path / "model.pkl") is None


@pytest.mark.parametrize(("builtin", "version", "image", "line"), [
    ("xgboost", "1.7-1", "xgboost", "1.7"),
    ("xgboost", "1.3-1", "xgboost", "1.7"),
    ("xgboost", "3.0-5", "xgboost", "3.0"),
    ("xgboost", "1", "xgboost", "1.7"),
    ("xgboost", None, "xgboost", "3.2"),
    ("sklearn", "1.2-1", "sklearn", "1.2"),
    ("sparkml-serving", "3.3", "sparkml", None),
])
def test_builtin_versions_map_to_the_line_of_the_same_version(builtin: str, version: str | None, image: str,
                                                              line: str | None) -> None:
    entry, found = catalogue.stand_in_line(builtin, version)
    assert entry.name == image
    assert (found.line if found else None) == line


def test_a_builtin_version_without_a_line_runs_on_the_default_line() -> None:
    """sklearn 0.23-1 / 1.0-1 have no line of ours: the default line runs them (the model load says why not)."""
    entry, line = catalogue.stand_in_line("sklearn", "0.23-1")
    assert line is entry.default_line and line is not None and line.line == "1.9"
