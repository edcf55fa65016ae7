"""Shared spec builders for deploy tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import requests
from botocore.validate import ParamValidator
from moto.server import ThreadedMotoServer

from inference_pipeline.spec.model import PipelineSpec, parse_spec

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


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A real moto server over HTTP on a free 127.0.0.1 port, shared by the deploy tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def fresh_moto(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Reset moto's state and make boto3 use dummy credentials, never a real AWS config."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    requests.post(f"{moto_url}/moto-api/reset", timeout=10).raise_for_status()
    return moto_url


@pytest.fixture(autouse=True)
def _no_predeploy_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests exercise the deployer with stand-in artifacts (b"weights"); the pre-deploy check,
    which would rightly refuse them, has its own tests (tests/unit/test_check*.py)."""
    monkeypatch.setenv("INFERENCE_PIPELINE_NO_CHECK", "1")
