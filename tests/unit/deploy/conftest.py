"""Shared spec builders for deploy tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from inference_pipeline.pipeline.spec import PipelineSpec, parse_spec

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def spec_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "abalone",
        "role": ROLE,
        "region": "us-east-1",
        "registry": {"account": "123456789012", "version": "0.1.0"},
        "accept": "application/json",
        "containers": [
            {"name": "featurizer", "image": "repo:sklearn", "environment": {"SAGEMAKER_PROGRAM": "featurizer.py"}},
            {"name": "regressor", "image": "builtin:linear-learner", "model": "s3://models/ll/model.tar.gz"},
        ],
    }
    data.update(overrides)
    return data


def make_spec(tmp_path: Path | None = None, **overrides: Any) -> PipelineSpec:
    return parse_spec(spec_data(**overrides), base_dir=tmp_path)


def botocore_valid(service: str, operation: str, params: dict[str, Any]) -> None:
    """Independent check with botocore's own validator (types, required members, minimums)."""
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    model = tmp_path / "featurizer"
    model.mkdir()
    (model / "model.joblib").write_bytes(b"weights")
    return model
