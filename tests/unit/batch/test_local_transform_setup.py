"""run_local_transform's set-up: settings refused before anything starts, and the job's
request limit handed to the containers (SAGEMAKER_MAX_PAYLOAD_IN_MB) and the front door."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from inference_pipeline.pipeline import local_transform
from inference_pipeline.pipeline.batch import TransformConfigError
from inference_pipeline.pipeline.local_transform import FRONTDOOR_MAX_REQUEST_MB_ENV, run_local_transform
from inference_pipeline.spec.model import PipelineSpec, load_spec


class Started(Exception):
    """Raised by the fake pipeline once it has seen how it was started."""


class RecordingPipeline:
    seen: list[dict[str, Any]] = []

    def __init__(self, spec: PipelineSpec, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def up(self, **_: Any) -> None:
        RecordingPipeline.seen.append({"extra_env": self.kwargs["extra_env"],
                                       "frontdoor_limit": os.environ.get(FRONTDOOR_MAX_REQUEST_MB_ENV)})
        raise Started


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    RecordingPipeline.seen = []
    monkeypatch.setattr(local_transform, "LocalPipeline", RecordingPipeline)
    monkeypatch.delenv(FRONTDOOR_MAX_REQUEST_MB_ENV, raising=False)
    return RecordingPipeline.seen


def spec_with(tmp_path: Path, transform: dict[str, Any]) -> PipelineSpec:
    for name in ("a", "b"):
        (tmp_path / name).mkdir(exist_ok=True)
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump({
        "name": "two", "content_type": "text/csv",
        "containers": [{"name": n, "image": "repo:sklearn", "model": n} for n in ("a", "b")],
        "transform": transform}))
    return load_spec(path)


def run(spec: PipelineSpec, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("1\n")
    run_local_transform(spec, tmp_path / "in.csv", tmp_path / "out", docker=False, port=1,
                        state_dir=tmp_path / "state")


def test_max_payload_reaches_containers_and_front_door(tmp_path: Path, recorded: list[dict[str, Any]]) -> None:
    spec = spec_with(tmp_path, {"split_type": "Line", "batch_strategy": "MultiRecord", "max_payload_in_mb": 8})
    with pytest.raises(Started):
        run(spec, tmp_path)
    assert recorded[0]["extra_env"]["SAGEMAKER_MAX_PAYLOAD_IN_MB"] == "8"
    assert recorded[0]["frontdoor_limit"] == "8"
    assert FRONTDOOR_MAX_REQUEST_MB_ENV not in os.environ, "the setting must not leak past the start"


def test_unset_max_payload_lets_the_front_door_take_any_container_suggestion(
    tmp_path: Path, recorded: list[dict[str, Any]]
) -> None:
    with pytest.raises(Started):
        run(spec_with(tmp_path, {"split_type": "Line"}), tmp_path)
    assert "SAGEMAKER_MAX_PAYLOAD_IN_MB" not in recorded[0]["extra_env"]
    assert recorded[0]["frontdoor_limit"] == "100"


def test_tfrecord_is_refused_before_anything_starts(tmp_path: Path, recorded: list[dict[str, Any]]) -> None:
    spec = spec_with(tmp_path, {"split_type": "TFRecord"})  # valid on SageMaker, so the spec allows it
    with pytest.raises(TransformConfigError, match="TFRecord is not supported locally"):
        run(spec, tmp_path)
    assert recorded == [], "no container may start for a job that cannot run"


def test_overrides_are_checked_before_anything_starts(tmp_path: Path, recorded: list[dict[str, Any]]) -> None:
    spec = spec_with(tmp_path, {"split_type": "Line", "max_payload_in_mb": 10})
    (tmp_path / "in.csv").write_text("1\n")
    with pytest.raises(TransformConfigError, match="MaxConcurrentTransforms \\* MaxPayloadInMB"):
        run_local_transform(spec, tmp_path / "in.csv", tmp_path / "out", docker=False, port=1,
                            overrides={"max_concurrent_transforms": 20}, state_dir=tmp_path / "state")
    assert recorded == []
