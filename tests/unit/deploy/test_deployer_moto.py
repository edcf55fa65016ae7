"""Deployer against a real moto server over HTTP (S3, SageMaker, Application Auto Scaling).

moto implements CreateModel/EndpointConfig/Endpoint, Delete*, CreateTransformJob and the
autoscaling calls; it does not implement UpdateEndpoint, so the update path is covered with
botocore's Stubber in ``test_deployer_update.py``.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from inference_pipeline.archives import file_sha256, package_model_dir
from inference_pipeline.deploy.deployer import (
    AwsClients,
    DeployError,
    create_transform_job,
    delete,
    deploy,
    versioned_name,
)
from inference_pipeline.spec.model import PipelineSpec

from .conftest import make_spec

REGION = "us-east-1"
BUCKET = "artifacts"




@pytest.fixture
def clients(fresh_moto: str) -> AwsClients:
    aws = AwsClients.create(REGION, endpoint_url=fresh_moto)
    aws.s3.create_bucket(Bucket=BUCKET)
    return aws


@pytest.fixture
def local_spec(tmp_path: Path, model_dir: Path) -> PipelineSpec:
    tarball = package_model_dir(model_dir, tmp_path / "post.tar.gz")
    return make_spec(
        tmp_path,
        containers=[
            {"name": "featurizer", "image": "repo:sklearn", "model": str(model_dir),
             "environment": {"SAGEMAKER_PROGRAM": "featurizer.py"}},
            {"name": "regressor", "image": "builtin:xgboost:1.7-1", "model": "s3://models/xgb/model.tar.gz"},
            {"name": "postprocess", "image": "repo:postprocessing", "model": str(tarball)},
        ],
        endpoint={"variants": [{"name": "AllTraffic", "instance_type": "ml.c5.large", "initial_instance_count": 2,
                                "autoscaling": {"min_capacity": 2, "max_capacity": 5,
                                                "target_invocations_per_instance": 300}}]},
        tags={"project": "abalone"},
    )


def ops(result_requests: list) -> list[str]:
    return [r.operation for r in result_requests]


def test_deploy_creates_everything(clients: AwsClients, local_spec: PipelineSpec, model_dir: Path) -> None:
    messages: list[str] = []
    result = deploy(local_spec, clients=clients, bucket=BUCKET, prefix="ip", suffix="v1",
                    poll_seconds=0, progress=messages.append)

    assert result.endpoint_name == "abalone" and result.model_name == "abalone-v1" and not result.updated
    assert ops(result.requests) == [
        "PutObject", "PutObject", "CreateModel", "CreateEndpointConfig", "CreateEndpoint",
        "RegisterScalableTarget", "PutScalingPolicy",
    ]
    assert "endpoint abalone: InService" in messages

    # Uploaded artifacts: content-addressed keys holding the packaged directory / the tarball as-is.
    model = clients.sagemaker.describe_model(ModelName="abalone-v1")
    containers = model["Containers"]
    assert [c["ContainerHostname"] for c in containers] == ["featurizer", "regressor", "postprocess"]
    assert containers[0]["Image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/inference-pipeline/sklearn:0.1.0"
    assert containers[1]["Image"] == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert containers[1]["ModelDataUrl"] == "s3://models/xgb/model.tar.gz"
    assert containers[0]["Environment"] == {"SAGEMAKER_PROGRAM": "featurizer.py"}
    featurizer_url = containers[0]["ModelDataUrl"]
    assert featurizer_url.startswith(f"s3://{BUCKET}/ip/abalone/featurizer/") and featurizer_url.endswith("/model.tar.gz")
    key = featurizer_url.removeprefix(f"s3://{BUCKET}/")
    body = clients.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    downloaded = Path(model_dir.parent / "downloaded.tar.gz")
    downloaded.write_bytes(body)
    assert key.split("/")[-2] == file_sha256(downloaded)
    with tarfile.open(downloaded) as tar:
        assert tar.getnames() == ["model.joblib"]
    assert model["ExecutionRoleArn"].endswith(":role/SageMakerRole")

    config = clients.sagemaker.describe_endpoint_config(EndpointConfigName="abalone-v1")
    variant = config["ProductionVariants"][0]
    assert (variant["ModelName"], variant["InstanceType"], variant["InitialInstanceCount"]) == ("abalone-v1", "ml.c5.large", 2)
    assert clients.sagemaker.describe_endpoint(EndpointName="abalone")["EndpointStatus"] == "InService"

    targets = clients.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
        ("endpoint/abalone/variant/AllTraffic", 2, 5)
    ]
    policies = clients.autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert len(policies) == 1
    tracking = policies[0]["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 300
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == "SageMakerVariantInvocationsPerInstance"


def test_dry_run_sends_nothing_and_is_json(clients: AwsClients, local_spec: PipelineSpec) -> None:
    result = deploy(local_spec, clients=clients, bucket=BUCKET, suffix="v9", dry_run=True)
    assert ops(result.requests) == [
        "PutObject", "PutObject", "CreateModel", "CreateEndpointConfig", "CreateEndpoint",
        "RegisterScalableTarget", "PutScalingPolicy",
    ]
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["requests"][0]["service"] == "s3" and payload["requests"][0]["body_path"]
    assert payload["requests"][2]["params"]["ModelName"] == "abalone-v9"
    assert clients.sagemaker.list_models()["Models"] == []
    assert clients.sagemaker.list_endpoints()["Endpoints"] == []
    assert clients.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_dry_run_offline_needs_no_clients(local_spec: PipelineSpec) -> None:
    result = deploy(local_spec, bucket=BUCKET, suffix="v1", dry_run=True)
    assert result.requests[2].params["Containers"][1]["ModelDataUrl"] == "s3://models/xgb/model.tar.gz"
    with pytest.raises(ValueError, match="clients are required"):
        deploy(local_spec, bucket=BUCKET)


def test_dry_run_against_existing_endpoint_plans_an_update(clients: AwsClients, local_spec: PipelineSpec) -> None:
    deploy(local_spec, clients=clients, bucket=BUCKET, suffix="v1", poll_seconds=0)
    result = deploy(local_spec, clients=clients, bucket=BUCKET, suffix="v2", dry_run=True)
    assert result.updated
    assert ops(result.requests) == [
        "PutObject", "PutObject", "CreateModel", "CreateEndpointConfig",
        "DeleteScalingPolicy", "DeregisterScalableTarget", "UpdateEndpoint",
        "RegisterScalableTarget", "PutScalingPolicy", "DeleteEndpointConfig", "DeleteModel",
    ]
    assert result.requests[-1].params == {"ModelName": "abalone-v1"}
    # Still only the first deployment exists, autoscaling untouched.
    assert [m["ModelName"] for m in clients.sagemaker.list_models()["Models"]] == ["abalone-v1"]
    assert len(clients.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]) == 1


def test_delete_removes_what_deploy_created(clients: AwsClients, local_spec: PipelineSpec) -> None:
    deploy(local_spec, clients=clients, bucket=BUCKET, suffix="v1", poll_seconds=0)
    planned = delete(local_spec, clients=clients, dry_run=True)
    assert ops(planned) == ["DeleteScalingPolicy", "DeregisterScalableTarget", "DeleteEndpoint",
                            "DeleteEndpointConfig", "DeleteModel"]
    assert clients.sagemaker.list_endpoints()["Endpoints"]  # dry run changed nothing

    sent = delete("abalone", clients=clients, poll_seconds=0)
    assert ops(sent) == ops(planned)
    assert clients.sagemaker.list_endpoints()["Endpoints"] == []
    assert clients.sagemaker.list_endpoint_configs()["EndpointConfigs"] == []
    assert clients.sagemaker.list_models()["Models"] == []
    assert clients.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert clients.autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []
    # Artifacts are kept (content-addressed, maybe shared by other deployments).
    assert clients.s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 2

    with pytest.raises(DeployError, match="no endpoint named 'abalone'"):
        delete("abalone", clients=clients)


def test_transform_job_creates_model_and_job(clients: AwsClients, local_spec: PipelineSpec) -> None:
    messages: list[str] = []
    spec = local_spec.model_copy(update={"transform": local_spec.transform.model_copy(
        update={"split_type": "Line", "assemble_with": "Line", "batch_strategy": "MultiRecord",
                "max_payload_in_mb": 6, "max_concurrent_transforms": 2})})
    result = create_transform_job(spec, clients=clients, input_s3=f"s3://{BUCKET}/in/", output_s3=f"s3://{BUCKET}/out/",
                                  bucket=BUCKET, suffix="t1", poll_seconds=0, progress=messages.append)
    assert result.status == "Completed" and result.job_name == "abalone-t1" and result.model_name == "abalone-t1"
    assert ops(result.requests) == ["PutObject", "PutObject", "CreateModel", "CreateTransformJob"]
    assert "transform job abalone-t1: Completed" in messages
    job = clients.sagemaker.describe_transform_job(TransformJobName="abalone-t1")
    assert job["ModelName"] == "abalone-t1"
    assert job["TransformInput"]["SplitType"] == "Line"
    assert job["TransformOutput"] == {"S3OutputPath": f"s3://{BUCKET}/out/", "Accept": "application/json",
                                      "AssembleWith": "Line"}
    assert job["BatchStrategy"] == "MultiRecord" and job["MaxPayloadInMB"] == 6
    assert len(clients.sagemaker.describe_model(ModelName="abalone-t1")["Containers"]) == 3

    # Same artifacts again: uploads are skipped (keys are content hashes); existing model reused.
    again = create_transform_job(spec, clients=clients, input_s3=f"s3://{BUCKET}/in/",
                                 output_s3=f"s3://{BUCKET}/out2/", bucket=BUCKET, suffix="t2", poll_seconds=0)
    assert ops(again.requests) == ["CreateModel", "CreateTransformJob"]
    reuse = create_transform_job(spec, clients=clients, input_s3=f"s3://{BUCKET}/in/", output_s3=f"s3://{BUCKET}/o3/",
                                 model_name="abalone-t1", job_name="rerun", poll_seconds=0)
    assert ops(reuse.requests) == ["CreateTransformJob"] and reuse.model_name == "abalone-t1"


def test_transform_rejects_non_s3(local_spec: PipelineSpec) -> None:
    with pytest.raises(ValueError, match="input must be an s3:// URL"):
        create_transform_job(local_spec, input_s3="/tmp/in", output_s3="s3://b/o", dry_run=True)


def test_aws_errors_name_the_operation(clients: AwsClients, local_spec: PipelineSpec) -> None:
    with pytest.raises(DeployError, match=r"^PutObject failed: .*NoSuchBucket"):
        deploy(local_spec, clients=clients, bucket="missing-bucket", suffix="v1", poll_seconds=0)
    assert clients.sagemaker.list_models()["Models"] == []  # failed before any SageMaker call


def test_deploy_argument_errors(local_spec: PipelineSpec) -> None:
    with pytest.raises(ValueError, match="need an S3 bucket"):
        deploy(local_spec, suffix="v1", dry_run=True)
    with pytest.raises(ValueError, match="no execution role"):
        deploy(make_spec(role=None), dry_run=True)
    with pytest.raises(ValueError, match="no AWS region"):
        deploy(make_spec(region=None), dry_run=True)
    with pytest.raises(ValueError, match="needs wait=True"):
        deploy(local_spec, bucket=BUCKET, wait=False, dry_run=True)


def test_versioned_name_fits_sagemaker_limit() -> None:
    assert versioned_name("abalone", "20240101-120000") == "abalone-20240101-120000"
    long = versioned_name("x" * 63, "20240101-120000")
    assert len(long) == 63 and long.endswith("-20240101-120000")
