"""The deploy-area CLI commands, run in-process; AWS commands go to a moto server."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from inference_pipeline.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from inference_pipeline.deploy.deployer import AwsClients
from inference_pipeline.spec.model import load_spec
from inference_pipeline.spec.render import render_create_model

from .conftest import spec_data

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def write_spec(tmp_path: Path, **overrides: Any) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec_data(**overrides)))
    return path


@pytest.fixture
def local_model_spec(tmp_path: Path, model_dir: Path) -> Path:
    data = spec_data()
    data["containers"][0]["model"] = "./featurizer"  # relative to the spec file
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def moto_env(fresh_moto: str, monkeypatch: pytest.MonkeyPatch) -> AwsClients:
    monkeypatch.setenv("AWS_ENDPOINT_URL", fresh_moto)  # boto3 honours this for every service
    clients = AwsClients.create("us-east-1", endpoint_url=fresh_moto)
    clients.s3.create_bucket(Bucket="artifacts")
    return clients


@pytest.mark.parametrize("command", [[], ["render"], ["deploy"], ["delete"], ["image-uri"], ["transform"]])
def test_help_everywhere(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == EXIT_OK, result.output
    assert "Usage" in result.output


def test_no_args_shows_help() -> None:
    result = run()
    assert "render" in result.output and "deploy" in result.output and result.exit_code == EXIT_USAGE


# ----------------------------------------------------------------------------- image-uri


def test_image_uri_builtin_and_ours() -> None:
    result = run("image-uri", "sparkml-serving", "--region", "eu-west-1", "--version", "2.4")
    assert result.exit_code == EXIT_OK
    assert result.stdout.strip() == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-sparkml-serving:2.4"
    result = run("image-uri", "xgboost", "--builtin", "--region", "cn-north-1", "--version", "1")
    assert result.stdout.strip() == "390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/xgboost:1"
    result = run("image-uri", "postprocessing", "--account", "123456789012", "--region", "us-west-2", "--version", "1.0")
    assert result.stdout.strip() == "123456789012.dkr.ecr.us-west-2.amazonaws.com/inference-pipeline/postprocessing:1.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["xgboost", "--region", "us-east-1"], "pass --builtin or --account"),
        (["sparkml", "--region", "us-east-1"], "pass --account"),
        (["nope", "--builtin", "--region", "us-east-1"], "choose one of"),
        (["sklearn", "--builtin", "--region", "mars-1"], "invalid AWS region"),
        (["sklearn", "--builtin", "--region", "us-east-1", "--version", "0.1"], "unknown version"),
        (["sklearn", "--builtin"], "--region"),
    ],
)
def test_image_uri_usage_errors(args: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = run("image-uri", *args)
    assert result.exit_code == EXIT_USAGE
    assert message in result.stderr


def test_image_uri_list() -> None:
    result = run("image-uri", "xgboost", "--builtin", "--list")
    listing = json.loads(result.stdout)
    assert "1.7-1" in listing and "us-east-1" in listing["latest"]


# ----------------------------------------------------------------------------- render


def test_render_create_model(tmp_path: Path) -> None:
    path = write_spec(tmp_path)
    result = run("render", str(path))
    assert result.exit_code == EXIT_OK, result.stderr
    assert json.loads(result.stdout) == render_create_model(load_spec(path), region="us-east-1")


def test_render_other_requests(tmp_path: Path) -> None:
    path = write_spec(tmp_path, endpoint={"variants": [{"autoscaling": {"max_capacity": 3,
                                                                        "target_invocations_per_instance": 10}}]})
    config = json.loads(run("render", str(path), "--request", "endpoint-config").stdout)
    assert config["ProductionVariants"][0]["ModelName"] == "abalone"
    scaling = json.loads(run("render", str(path), "--request", "autoscaling").stdout)
    assert [r["operation"] for r in scaling] == ["RegisterScalableTarget", "PutScalingPolicy"]
    assert run("render", str(path), "--request", "nope").exit_code == EXIT_USAGE


def test_render_local_models(local_model_spec: Path) -> None:
    result = run("render", str(local_model_spec))
    assert result.exit_code == EXIT_USAGE and "--bucket" in result.stderr
    result = run("render", str(local_model_spec), "--model-data", "featurizer=s3://b/f/model.tar.gz")
    assert json.loads(result.stdout)["Containers"][0]["ModelDataUrl"] == "s3://b/f/model.tar.gz"
    result = run("render", str(local_model_spec), "--bucket", "b", "--prefix", "p")
    url = json.loads(result.stdout)["Containers"][0]["ModelDataUrl"]
    assert url.startswith("s3://b/p/abalone/featurizer/") and url.endswith("/model.tar.gz")
    assert run("render", str(local_model_spec), "--model-data", "featurizer").exit_code == EXIT_USAGE


def test_render_invalid_spec_points_at_field(tmp_path: Path) -> None:
    data = spec_data()
    data["containers"][1]["environment"] = {"SAGEMAKER_X": "v" * 1025}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run("render", str(path))
    assert result.exit_code == EXIT_USAGE
    assert "containers[1].environment.SAGEMAKER_X" in result.stderr
    missing = run("render", str(tmp_path / "absent.yaml"))
    assert missing.exit_code == EXIT_USAGE and "cannot read" in missing.stderr


# ----------------------------------------------------------------------------- deploy / delete / transform


def test_deploy_dry_run_offline(local_model_spec: Path) -> None:
    result = run("deploy", str(local_model_spec), "--bucket", "b", "--suffix", "v1", "--dry-run", "--offline")
    assert result.exit_code == EXIT_OK, result.stderr
    plan = json.loads(result.stdout)
    assert [r["operation"] for r in plan["requests"]] == ["PutObject", "CreateModel", "CreateEndpointConfig",
                                                          "CreateEndpoint"]
    assert plan["model_name"] == "abalone-v1"


def test_deploy_and_delete_against_moto(local_model_spec: Path, moto_env: AwsClients) -> None:
    result = run("deploy", str(local_model_spec), "--bucket", "artifacts", "--suffix", "v1")
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stdout.strip() == "abalone"
    assert "CreateEndpoint" in result.stderr  # progress goes to stderr
    assert moto_env.sagemaker.describe_endpoint(EndpointName="abalone")["EndpointStatus"] == "InService"

    result = run("delete", str(local_model_spec), "--yes")
    assert result.exit_code == EXIT_OK, result.stderr
    assert moto_env.sagemaker.list_endpoints()["Endpoints"] == []
    result = run("delete", "abalone", "--yes", "--region", "us-east-1")
    assert result.exit_code == EXIT_FAILURE and "no endpoint named 'abalone'" in result.stderr


def test_delete_asks_for_confirmation(local_model_spec: Path, moto_env: AwsClients) -> None:
    assert run("deploy", str(local_model_spec), "--bucket", "artifacts", "--suffix", "v1").exit_code == EXIT_OK
    result = runner.invoke(app, ["delete", "abalone", "--region", "us-east-1"], input="n\n")
    assert result.exit_code == EXIT_FAILURE
    assert moto_env.sagemaker.list_endpoints()["Endpoints"]


def test_deploy_aws_failure_exit_code(local_model_spec: Path, moto_env: AwsClients) -> None:
    result = run("deploy", str(local_model_spec), "--bucket", "no-such-bucket", "--suffix", "v1")
    assert result.exit_code == EXIT_FAILURE
    assert "PutObject failed" in result.stderr and "NoSuchBucket" in result.stderr


def test_remote_transform_against_moto(local_model_spec: Path, moto_env: AwsClients) -> None:
    result = run("transform", str(local_model_spec), "--remote", "--input", "s3://artifacts/in/",
                 "--output", "s3://artifacts/out/", "--bucket", "artifacts", "--suffix", "t1")
    assert result.exit_code == EXIT_OK, result.stderr
    job = moto_env.sagemaker.describe_transform_job(TransformJobName="abalone-t1")
    assert job["TransformJobStatus"] == "Completed"
    dry = run("transform", str(local_model_spec), "--remote", "--input", "s3://a/i", "--output", "s3://a/o",
              "--model-name", "existing", "--job-name", "j1", "--dry-run", "--offline")
    assert [r["operation"] for r in json.loads(dry.stdout)["requests"]] == ["CreateTransformJob"]
    bad = run("transform", str(local_model_spec), "--remote", "--input", "/tmp/x", "--output", "s3://a/o",
              "--model-name", "m", "--dry-run", "--offline")
    assert bad.exit_code == EXIT_USAGE and "s3://" in bad.stderr


def test_local_transform_delegates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inference_pipeline.pipeline import local_transform

    path = write_spec(tmp_path)
    calls: list[tuple[Any, ...]] = []

    def fake(spec: Any, inp: Path, out: Path, **kw: Any) -> Any:
        calls.append((spec.name, inp, out, kw["docker"], kw["port"]))
        return types.SimpleNamespace(files_ok=1, files_failed=0, records=3, seconds=0.1, records_per_second=30.0,
                                     failures=[], succeeded=True)

    monkeypatch.setattr(local_transform, "run_local_transform", fake)
    result = run("transform", str(path), "--input", "data/", "--output", "out/", "--no-docker")
    assert result.exit_code == EXIT_OK, result.stderr
    assert calls == [(load_spec(path).name, Path("data/"), Path("out/"), False, 8090)]


def test_region_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    path = write_spec(tmp_path, region=None)
    result = run("render", str(path))
    assert result.exit_code == EXIT_USAGE and "no AWS region" in result.stderr
