"""Deployer paths moto cannot serve, checked with botocore's Stubber.

moto has no UpdateEndpoint and every moto endpoint is InService at once, so updates,
rolled-back updates and failed endpoints use a Stubber on the SageMaker client (which also
checks each request against the service model). Autoscaling stays on a real moto server,
so deregistration, restore and re-registration are observed for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from inference_pipeline.deploy.deployer import AwsClients, DeployError, create_transform_job, deploy
from inference_pipeline.spec.model import PipelineSpec
from inference_pipeline.spec.render import render_create_model, render_endpoint_config

from .conftest import make_spec

REGION = "us-east-1"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:"
RESOURCE = "endpoint/abalone/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"




@pytest.fixture
def aws(fresh_moto: str) -> Iterator[tuple[AwsClients, Stubber]]:
    moto_url = fresh_moto
    session = boto3.session.Session()
    sagemaker = session.client("sagemaker", region_name=REGION)
    clients = AwsClients(
        sagemaker=sagemaker,
        s3=session.client("s3", region_name=REGION, endpoint_url=moto_url),
        autoscaling=session.client("application-autoscaling", region_name=REGION, endpoint_url=moto_url),
        region=REGION,
    )
    with Stubber(sagemaker) as stub:
        yield clients, stub
        stub.assert_no_pending_responses()


def scaled_spec(max_capacity: int = 10, target: float = 50.0) -> PipelineSpec:
    return make_spec(
        endpoint={"variants": [{"autoscaling": {"min_capacity": 1, "max_capacity": max_capacity,
                                                "target_invocations_per_instance": target}}]}
    )


def endpoint(status: str, config: str, reason: str | None = None) -> dict[str, Any]:
    out = {"EndpointName": "abalone", "EndpointArn": ARN + "endpoint/abalone", "EndpointConfigName": config,
           "EndpointStatus": status, "CreationTime": NOW, "LastModifiedTime": NOW}
    if reason:
        out["FailureReason"] = reason
    return out


def register_old_scaling(clients: AwsClients) -> None:
    clients.autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE, ScalableDimension=DIMENSION, MinCapacity=2, MaxCapacity=4
    )
    clients.autoscaling.put_scaling_policy(
        PolicyName="old-policy", ServiceNamespace="sagemaker", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        },
    )


def expect_update_start(stub: Stubber, spec: PipelineSpec) -> None:
    stub.add_response("describe_endpoint", endpoint("InService", "abalone-v1"), {"EndpointName": "abalone"})
    stub.add_response(
        "create_model", {"ModelArn": ARN + "model/abalone-v2"},
        render_create_model(spec, region=REGION, model_name="abalone-v2"),
    )
    stub.add_response(
        "create_endpoint_config", {"EndpointConfigArn": ARN + "endpoint-config/abalone-v2"},
        render_endpoint_config(spec, model_name="abalone-v2", config_name="abalone-v2"),
    )
    stub.add_response(
        "describe_endpoint_config",
        {"EndpointConfigName": "abalone-v1", "EndpointConfigArn": ARN + "endpoint-config/abalone-v1",
         "CreationTime": NOW,
         "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "abalone-v1",
                                 "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]},
        {"EndpointConfigName": "abalone-v1"},
    )
    stub.add_response("update_endpoint", {"EndpointArn": ARN + "endpoint/abalone"},
                      {"EndpointName": "abalone", "EndpointConfigName": "abalone-v2"})


def scaling_state(clients: AwsClients) -> tuple[list[tuple[int, int]], list[tuple[str, float]]]:
    targets = clients.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    policies = clients.autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    return (
        [(t["MinCapacity"], t["MaxCapacity"]) for t in targets],
        [(p["PolicyName"], p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]) for p in policies],
    )


def test_update_swaps_config_and_reapplies_autoscaling(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    spec = scaled_spec()
    register_old_scaling(clients)
    expect_update_start(stub, spec)
    stub.add_response("describe_endpoint", endpoint("Updating", "abalone-v1"), {"EndpointName": "abalone"})
    stub.add_response("describe_endpoint", endpoint("InService", "abalone-v2"), {"EndpointName": "abalone"})
    stub.add_response("delete_endpoint_config", {}, {"EndpointConfigName": "abalone-v1"})
    stub.add_response("delete_model", {}, {"ModelName": "abalone-v1"})

    messages: list[str] = []
    result = deploy(spec, clients=clients, suffix="v2", poll_seconds=0, progress=messages.append)

    assert result.updated and result.endpoint_config_name == "abalone-v2"
    assert [r.operation for r in result.requests] == [
        "CreateModel", "CreateEndpointConfig", "DeleteScalingPolicy", "DeregisterScalableTarget", "UpdateEndpoint",
        "RegisterScalableTarget", "PutScalingPolicy", "DeleteEndpointConfig", "DeleteModel",
    ]
    assert ["endpoint abalone: Updating", "endpoint abalone: InService"] == [m for m in messages if m.startswith("endpoint")]
    assert scaling_state(clients) == ([(1, 10)], [("abalone-AllTraffic-invocations", 50.0)])


def test_update_keep_previous_leaves_old_resources(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    spec = make_spec()
    expect_update_start(stub, spec)
    stub.add_response("describe_endpoint", endpoint("InService", "abalone-v2"), {"EndpointName": "abalone"})
    result = deploy(spec, clients=clients, suffix="v2", keep_previous=True, poll_seconds=0)
    assert [r.operation for r in result.requests] == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint"]


def test_rolled_back_update_restores_autoscaling_and_cleans_up(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    spec = scaled_spec()
    register_old_scaling(clients)
    expect_update_start(stub, spec)
    stub.add_response(
        "describe_endpoint", endpoint("InService", "abalone-v1", reason="ping health check failed for regressor"),
        {"EndpointName": "abalone"},
    )
    stub.add_response("delete_endpoint_config", {}, {"EndpointConfigName": "abalone-v2"})
    stub.add_response("delete_model", {}, {"ModelName": "abalone-v2"})

    with pytest.raises(DeployError, match="rolled back: ping health check failed for regressor"):
        deploy(spec, clients=clients, suffix="v2", poll_seconds=0)
    assert scaling_state(clients) == ([(2, 4)], [("old-policy", 70.0)])


def test_failed_update_call_restores_autoscaling(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    spec = scaled_spec()
    register_old_scaling(clients)
    stub.add_response("describe_endpoint", endpoint("InService", "abalone-v1"), {"EndpointName": "abalone"})
    stub.add_response("create_model", {"ModelArn": ARN + "model/abalone-v2"}, None)
    stub.add_response("create_endpoint_config", {"EndpointConfigArn": ARN + "endpoint-config/abalone-v2"}, None)
    stub.add_response(
        "describe_endpoint_config",
        {"EndpointConfigName": "abalone-v1", "EndpointConfigArn": ARN + "endpoint-config/abalone-v1",
         "CreationTime": NOW, "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "abalone-v1"}]},
        {"EndpointConfigName": "abalone-v1"},
    )
    stub.add_client_error("update_endpoint", "ValidationException", "Cannot update in-progress endpoint")
    stub.add_response("delete_endpoint_config", {}, {"EndpointConfigName": "abalone-v2"})
    stub.add_response("delete_model", {}, {"ModelName": "abalone-v2"})

    with pytest.raises(DeployError, match="^UpdateEndpoint failed: ValidationException: Cannot update in-progress"):
        deploy(spec, clients=clients, suffix="v2", poll_seconds=0)
    assert scaling_state(clients) == ([(2, 4)], [("old-policy", 70.0)])


def test_failed_endpoint_creation_reports_reason(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    spec = make_spec()
    stub.add_client_error("describe_endpoint", "ValidationException", 'Could not find endpoint "abalone".')
    stub.add_response("create_model", {"ModelArn": ARN + "model/abalone-v1"}, None)
    stub.add_response("create_endpoint_config", {"EndpointConfigArn": ARN + "endpoint-config/abalone-v1"}, None)
    stub.add_response("create_endpoint", {"EndpointArn": ARN + "endpoint/abalone"},
                      {"EndpointName": "abalone", "EndpointConfigName": "abalone-v1"})
    stub.add_response("describe_endpoint", endpoint("Creating", "abalone-v1"), {"EndpointName": "abalone"})
    stub.add_response(
        "describe_endpoint",
        endpoint("Failed", "abalone-v1", reason="The container featurizer failed the ping health check"),
        {"EndpointName": "abalone"},
    )
    with pytest.raises(DeployError, match="endpoint abalone is Failed: The container featurizer failed"):
        deploy(spec, clients=clients, suffix="v1", poll_seconds=0)


def test_endpoint_config_failure_removes_new_model(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    stub.add_client_error("describe_endpoint", "ValidationException", 'Could not find endpoint "abalone".')
    stub.add_response("create_model", {"ModelArn": ARN + "model/abalone-v1"}, None)
    stub.add_client_error("create_endpoint_config", "ResourceLimitExceeded", "account-level limit reached")
    stub.add_response("delete_model", {}, {"ModelName": "abalone-v1"})
    with pytest.raises(DeployError, match="^CreateEndpointConfig failed: ResourceLimitExceeded: account-level"):
        deploy(make_spec(), clients=clients, suffix="v1", poll_seconds=0)


def test_endpoint_in_transition_is_refused(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    stub.add_response("describe_endpoint", endpoint("Updating", "abalone-v1"), {"EndpointName": "abalone"})
    with pytest.raises(DeployError, match="endpoint abalone is Updating"):
        deploy(make_spec(), clients=clients, suffix="v2")


def test_failed_transform_job(aws: tuple[AwsClients, Stubber]) -> None:
    clients, stub = aws
    stub.add_response("create_transform_job", {"TransformJobArn": ARN + "transform-job/j"}, None)
    job = {"TransformJobName": "j", "TransformJobArn": ARN + "transform-job/j", "ModelName": "m",
           "CreationTime": NOW, "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
           "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}}}
    stub.add_response("describe_transform_job", {**job, "TransformJobStatus": "InProgress"}, {"TransformJobName": "j"})
    stub.add_response("describe_transform_job", {**job, "TransformJobStatus": "Failed",
                                                 "FailureReason": "ClientError: See job logs"},
                      {"TransformJobName": "j"})
    with pytest.raises(DeployError, match="transform job j is Failed: ClientError: See job logs"):
        create_transform_job(make_spec(), clients=clients, input_s3="s3://b/i", output_s3="s3://b/o",
                             job_name="j", model_name="m", poll_seconds=0)
