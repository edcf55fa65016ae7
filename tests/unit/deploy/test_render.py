"""Rendered requests: exact shapes, and valid for botocore's SageMaker service model."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference_pipeline.spec.model import ProjectImage
from inference_pipeline.spec.render import (
    render_autoscaling,
    render_create_model,
    render_endpoint,
    render_endpoint_config,
    render_transform_job,
    render_update_endpoint,
    resolve_image,
)
from inference_pipeline.spec.validation import RequestValidationError, validate_request

from .conftest import ROLE, botocore_valid, make_spec


def test_create_model_is_exact(tmp_path: Path) -> None:
    spec = make_spec(tags={"team": "ml"})
    request = render_create_model(
        spec, region="us-east-1", model_data_urls={"featurizer": "s3://b/featurizer/model.tar.gz"}
    )
    assert request == {
        "ModelName": "abalone",
        "Containers": [
            {
                "ContainerHostname": "featurizer",
                "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/inference-pipeline/sklearn:0.1.0",
                "Environment": {"SAGEMAKER_PROGRAM": "featurizer.py"},
                "ModelDataUrl": "s3://b/featurizer/model.tar.gz",
            },
            {
                "ContainerHostname": "regressor",
                "Image": "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1",
                "Environment": {},
                "ModelDataUrl": "s3://models/ll/model.tar.gz",
            },
        ],
        "InferenceExecutionConfig": {"Mode": "Serial"},
        "ExecutionRoleArn": ROLE,
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    botocore_valid("sagemaker", "CreateModel", request)


def test_create_model_keeps_container_order_and_optional_parts() -> None:
    containers = [{"name": f"step-{i}", "image": f"registry.example/img{i}:1"} for i in range(15)]
    spec = make_spec(containers=containers, role=None, tags={})
    request = render_create_model(spec, region="eu-west-1", model_name="abalone-v2")
    assert [c["ContainerHostname"] for c in request["Containers"]] == [f"step-{i}" for i in range(15)]
    assert all("ModelDataUrl" not in c for c in request["Containers"])
    assert "ExecutionRoleArn" not in request and "Tags" not in request
    assert request["ModelName"] == "abalone-v2"
    botocore_valid("sagemaker", "CreateModel", request)


def test_create_model_needs_urls_for_local_models(tmp_path: Path, model_dir: Path) -> None:
    data_containers = [
        {"name": "featurizer", "image": "repo:sklearn", "model": str(model_dir)},
        {"name": "regressor", "image": "builtin:xgboost"},
    ]
    spec = make_spec(tmp_path, containers=data_containers)
    with pytest.raises(ValueError, match="local model"):
        render_create_model(spec, region="us-east-1")
    with pytest.raises(ValueError, match="unknown containers: nope"):
        render_create_model(spec, region="us-east-1", model_data_urls={"nope": "s3://b/k"})


def test_project_image_needs_registry() -> None:
    spec = make_spec(registry=None)
    with pytest.raises(ValueError, match="registry"):
        render_create_model(spec, region="us-east-1")
    uri = resolve_image(ProjectImage(repo="xgboost", version="9"), region="us-east-1", registry=make_spec().registry)
    assert uri.endswith("/inference-pipeline/xgboost:9")


def test_env_over_api_limit_is_caught_by_validation() -> None:
    # The spec caps this too; the request validator is the second line of defence.
    with pytest.raises(RequestValidationError, match=r"Containers\[0\]\.Environment\['K'\]: 1025 characters"):
        validate_request(
            "CreateModel",
            {"ModelName": "m", "Containers": [{"Image": "i", "Environment": {"K": "v" * 1025}}]},
        )


def test_endpoint_config_and_endpoint() -> None:
    spec = make_spec(
        endpoint={
            "name": "abalone-live",
            "variants": [
                {"name": "blue", "instance_type": "ml.c5.xlarge", "initial_instance_count": 2,
                 "model_data_download_timeout": 900, "container_startup_health_check_timeout": 600},
                {"name": "green", "initial_variant_weight": 0.1},
            ],
        }
    )
    config = render_endpoint_config(spec, model_name="abalone-v1", config_name="abalone-v1")
    assert config == {
        "EndpointConfigName": "abalone-v1",
        "ProductionVariants": [
            {
                "VariantName": "blue",
                "ModelName": "abalone-v1",
                "InstanceType": "ml.c5.xlarge",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
                "ContainerStartupHealthCheckTimeoutInSeconds": 600,
                "ModelDataDownloadTimeoutInSeconds": 900,
            },
            {
                "VariantName": "green",
                "ModelName": "abalone-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 0.1,
            },
        ],
    }
    botocore_valid("sagemaker", "CreateEndpointConfig", config)
    endpoint = render_endpoint(spec, config_name="abalone-v1")
    assert endpoint == {"EndpointName": "abalone-live", "EndpointConfigName": "abalone-v1"}
    botocore_valid("sagemaker", "CreateEndpoint", endpoint)
    update = render_update_endpoint(spec, config_name="abalone-v2")
    assert update == {"EndpointName": "abalone-live", "EndpointConfigName": "abalone-v2"}
    botocore_valid("sagemaker", "UpdateEndpoint", update)


def test_unknown_instance_type_fails_validation() -> None:
    spec = make_spec(endpoint={"variants": [{"instance_type": "ml.nope.huge"}]})
    with pytest.raises(RequestValidationError, match="InstanceType: 'ml.nope.huge' is not one of"):
        render_endpoint_config(spec, model_name="m", config_name="c")


def test_autoscaling_requests() -> None:
    spec = make_spec(
        endpoint={
            "variants": [
                {"name": "a", "autoscaling": {"min_capacity": 2, "max_capacity": 6,
                                              "target_invocations_per_instance": 120.5,
                                              "scale_in_cooldown": 600, "scale_out_cooldown": 30}},
                {"name": "b"},
            ]
        }
    )
    requests = render_autoscaling(spec)
    assert [(r.service, r.operation) for r in requests] == [
        ("application-autoscaling", "RegisterScalableTarget"),
        ("application-autoscaling", "PutScalingPolicy"),
    ]
    target, policy = (r.params for r in requests)
    assert target == {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/abalone/variant/a",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "MinCapacity": 2,
        "MaxCapacity": 6,
    }
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["TargetTrackingScalingPolicyConfiguration"] == {
        "TargetValue": 120.5,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        "ScaleInCooldown": 600,
        "ScaleOutCooldown": 30,
        "DisableScaleIn": False,
    }
    for request in requests:
        botocore_valid("application-autoscaling", request.operation, request.params)
    assert render_autoscaling(make_spec()) == []


def test_transform_job_minimal() -> None:
    request = render_transform_job(make_spec(accept=None), "s3://b/in/", "s3://b/out/", "abalone-batch")
    assert request == {
        "TransformJobName": "abalone-batch",
        "ModelName": "abalone",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in/"}},
            "ContentType": "text/csv",
        },
        "TransformOutput": {"S3OutputPath": "s3://b/out/"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
    }
    botocore_valid("sagemaker", "CreateTransformJob", request)


def test_transform_job_every_field() -> None:
    spec = make_spec(
        tags={"team": "ml"},
        transform={
            "instance_type": "ml.m5.xlarge",
            "instance_count": 3,
            "max_concurrent_transforms": 4,
            "max_payload_in_mb": 20,
            "batch_strategy": "MultiRecord",
            "split_type": "Line",
            "assemble_with": "Line",
            "compression_type": "Gzip",
            "s3_data_type": "ManifestFile",
            "content_type": "application/jsonlines",
            "accept": "application/jsonlines",
            "data_processing": {"input_filter": "$.features", "output_filter": "$['id','SageMakerOutput']",
                                "join_source": "Input"},
            "model_client_config": {"invocations_timeout_in_seconds": 1200, "invocations_max_retries": 1},
            "environment": {"LOG_LEVEL": "debug"},
        },
    )
    request = render_transform_job(spec, "s3://b/manifest", "s3://b/out", "job-1", model_name="abalone-v3")
    assert request == {
        "TransformJobName": "job-1",
        "ModelName": "abalone-v3",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://b/manifest"}},
            "ContentType": "application/jsonlines",
            "CompressionType": "Gzip",
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": "s3://b/out", "Accept": "application/jsonlines", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 3},
        "MaxConcurrentTransforms": 4,
        "MaxPayloadInMB": 20,
        "BatchStrategy": "MultiRecord",
        "ModelClientConfig": {"InvocationsTimeoutInSeconds": 1200, "InvocationsMaxRetries": 1},
        "DataProcessing": {"InputFilter": "$.features", "OutputFilter": "$['id','SageMakerOutput']",
                           "JoinSource": "Input"},
        "Environment": {"LOG_LEVEL": "debug"},
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    botocore_valid("sagemaker", "CreateTransformJob", request)


def test_transform_job_bad_urls_fail_validation() -> None:
    with pytest.raises(RequestValidationError, match="S3Uri"):
        render_transform_job(make_spec(), "file:///tmp/in", "s3://b/out", "job")
    with pytest.raises(RequestValidationError, match="TransformJobName"):
        render_transform_job(make_spec(), "s3://b/in", "s3://b/out", "bad_job_name")


def test_direct_mode_goes_into_create_model() -> None:
    request = render_create_model(make_spec(mode="Direct"), region="us-east-1",
                                  model_data_urls={"featurizer": "s3://b/f/model.tar.gz"})
    assert request["InferenceExecutionConfig"] == {"Mode": "Direct"}
    botocore_valid("sagemaker", "CreateModel", request)


def test_direct_mode_is_refused_for_batch_transform() -> None:
    with pytest.raises(ValueError, match="Direct cannot be used for Batch Transform"):
        render_transform_job(make_spec(mode="Direct"), "s3://b/in", "s3://b/out", "job")


def test_data_capture_is_rendered_into_the_endpoint_config() -> None:
    spec = make_spec(endpoint={"data_capture": {"destination": "s3://b/capture", "sampling_percentage": 20,
                                                "capture": ["Output"], "json_content_types": ["application/jsonlines"],
                                                "kms_key_id": "alias/capture"}})
    request = render_endpoint_config(spec, model_name="m", config_name="c")
    assert request["DataCaptureConfig"] == {
        "EnableCapture": True, "InitialSamplingPercentage": 20, "DestinationS3Uri": "s3://b/capture",
        "CaptureOptions": [{"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"], "JsonContentTypes": ["application/jsonlines"]},
        "KmsKeyId": "alias/capture"}
    botocore_valid("sagemaker", "CreateEndpointConfig", request)


def test_local_capture_destination_cannot_be_deployed(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, endpoint={"data_capture": {"destination": "capture"}})
    with pytest.raises(ValueError, match="needs an s3:// URL"):
        render_endpoint_config(spec, model_name="m", config_name="c")
