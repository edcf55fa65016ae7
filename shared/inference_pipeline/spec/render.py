"""Turn a :class:`PipelineSpec` into exact SageMaker / Application Auto Scaling requests.

Every renderer validates its output against botocore's service model, so what ``render``
prints and what ``deploy --dry-run`` lists is what the deployer sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inference_pipeline.spec.images import builtin_image_uri, project_image_uri
from inference_pipeline.spec.model import (
    BuiltinImage,
    DataCaptureSection,
    ImageRef,
    ImageUri,
    PipelineSpec,
    ProjectImage,
    ProjectRegistry,
    Variant,
)
from inference_pipeline.spec.validation import validate_request

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
SCALING_METRIC = "SageMakerVariantInvocationsPerInstance"


@dataclass(frozen=True)
class ApiRequest:
    """One API call: ``service`` is the boto3 client name, ``operation`` the API name."""

    service: str
    operation: str
    params: dict[str, Any]
    # Local file sent as the body (S3 uploads); kept out of params so they stay JSON-able.
    body_path: str | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"service": self.service, "operation": self.operation, "params": self.params}
        if self.body_path is not None:
            out["body_path"] = self.body_path
        return out


def resolve_image(image: ImageRef, *, region: str, registry: ProjectRegistry | None) -> str:
    """The image URI a container definition uses."""
    if isinstance(image, ImageUri):
        return image.uri
    if isinstance(image, BuiltinImage):
        return builtin_image_uri(image.builtin, region, image.version)
    if isinstance(image, ProjectImage):
        if registry is None:
            raise ValueError(
                f"image {{repo: {image.repo}}} needs the spec's 'registry' section (the ECR account) to resolve"
            )
        return project_image_uri(
            image.repo,
            region=region,
            account=registry.account,
            version=image.version or registry.version,
            repository_prefix=registry.repository_prefix,
        )
    raise TypeError(f"unsupported image reference {image!r}")


def _tags(spec: PipelineSpec) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in spec.tags.items()]


def render_create_model(
    spec: PipelineSpec,
    *,
    region: str,
    model_data_urls: dict[str, str] | None = None,
    model_name: str | None = None,
) -> dict[str, Any]:
    """The CreateModel request for the whole serial pipeline.

    ``model_data_urls`` maps container name -> ``s3://.../model.tar.gz`` for containers whose
    model is local (the deployer uploads them first); S3 models in the spec are used as-is.
    """
    urls = model_data_urls or {}
    unknown = sorted(set(urls) - {c.name for c in spec.containers})
    if unknown:
        raise ValueError(f"model_data_urls names unknown containers: {', '.join(unknown)}")
    containers = []
    for container in spec.containers:
        definition: dict[str, Any] = {
            "ContainerHostname": container.name,
            "Image": resolve_image(container.image, region=region, registry=spec.registry),
            "Environment": dict(container.environment),
        }
        if container.name in urls:
            definition["ModelDataUrl"] = urls[container.name]
        elif container.model is not None:
            if not container.model.is_s3:
                raise ValueError(
                    f"container {container.name!r} has a local model ({container.model.uri}); "
                    "upload it and pass its S3 URL in model_data_urls"
                )
            definition["ModelDataUrl"] = container.model.uri
        containers.append(definition)
    request: dict[str, Any] = {
        "ModelName": model_name or spec.name,
        "Containers": containers,
        "InferenceExecutionConfig": {"Mode": spec.mode},
    }
    if spec.role:
        request["ExecutionRoleArn"] = spec.role
    if spec.tags:
        request["Tags"] = _tags(spec)
    validate_request("CreateModel", request)
    return request


def _production_variant(variant: Variant, model_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VariantName": variant.name,
        "ModelName": model_name,
        "InstanceType": variant.instance_type,
        "InitialInstanceCount": variant.initial_instance_count,
        "InitialVariantWeight": variant.initial_variant_weight,
    }
    if variant.container_startup_health_check_timeout is not None:
        out["ContainerStartupHealthCheckTimeoutInSeconds"] = variant.container_startup_health_check_timeout
    if variant.model_data_download_timeout is not None:
        out["ModelDataDownloadTimeoutInSeconds"] = variant.model_data_download_timeout
    return out


def render_data_capture(capture: DataCaptureSection) -> dict[str, Any]:
    """CreateEndpointConfig's DataCaptureConfig."""
    if not capture.is_s3:
        raise ValueError(
            f"endpoint.data_capture.destination is a local directory ({capture.destination}); "
            "a SageMaker endpoint needs an s3:// URL (local directories are for the simulator)"
        )
    out: dict[str, Any] = {
        "EnableCapture": capture.enable_capture,
        "InitialSamplingPercentage": capture.sampling_percentage,
        "DestinationS3Uri": capture.destination,
        "CaptureOptions": [{"CaptureMode": mode} for mode in capture.capture],
        "CaptureContentTypeHeader": {
            "CsvContentTypes": list(capture.csv_content_types),
            "JsonContentTypes": list(capture.json_content_types),
        },
    }
    if capture.kms_key_id:
        out["KmsKeyId"] = capture.kms_key_id
    return out


def render_endpoint_config(spec: PipelineSpec, *, model_name: str, config_name: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "EndpointConfigName": config_name,
        "ProductionVariants": [_production_variant(v, model_name) for v in spec.endpoint.variants],
    }
    if spec.endpoint.data_capture is not None:
        request["DataCaptureConfig"] = render_data_capture(spec.endpoint.data_capture)
    if spec.tags:
        request["Tags"] = _tags(spec)
    validate_request("CreateEndpointConfig", request)
    return request


def render_endpoint(spec: PipelineSpec, *, config_name: str, endpoint_name: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"EndpointName": endpoint_name or spec.endpoint_name, "EndpointConfigName": config_name}
    if spec.tags:
        request["Tags"] = _tags(spec)
    validate_request("CreateEndpoint", request)
    return request


def render_update_endpoint(spec: PipelineSpec, *, config_name: str, endpoint_name: str | None = None) -> dict[str, Any]:
    request = {"EndpointName": endpoint_name or spec.endpoint_name, "EndpointConfigName": config_name}
    validate_request("UpdateEndpoint", request)
    return request


def scaling_resource_id(endpoint_name: str, variant_name: str) -> str:
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def scaling_policy_name(endpoint_name: str, variant_name: str) -> str:
    return f"{endpoint_name}-{variant_name}-invocations"


def render_autoscaling(spec: PipelineSpec, *, endpoint_name: str | None = None) -> list[ApiRequest]:
    """RegisterScalableTarget + PutScalingPolicy for each variant that asks for autoscaling."""
    endpoint = endpoint_name or spec.endpoint_name
    requests: list[ApiRequest] = []
    for variant in spec.endpoint.variants:
        scaling = variant.autoscaling
        if scaling is None:
            continue
        target = {
            "ServiceNamespace": "sagemaker",
            "ResourceId": scaling_resource_id(endpoint, variant.name),
            "ScalableDimension": SCALABLE_DIMENSION,
            "MinCapacity": scaling.min_capacity,
            "MaxCapacity": scaling.max_capacity,
        }
        policy = {
            "PolicyName": scaling_policy_name(endpoint, variant.name),
            "ServiceNamespace": "sagemaker",
            "ResourceId": target["ResourceId"],
            "ScalableDimension": SCALABLE_DIMENSION,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": scaling.target_invocations_per_instance,
                "PredefinedMetricSpecification": {"PredefinedMetricType": SCALING_METRIC},
                "ScaleInCooldown": scaling.scale_in_cooldown,
                "ScaleOutCooldown": scaling.scale_out_cooldown,
                "DisableScaleIn": scaling.disable_scale_in,
            },
        }
        for operation, params in (("RegisterScalableTarget", target), ("PutScalingPolicy", policy)):
            validate_request(operation, params, service="application-autoscaling")
            requests.append(ApiRequest("application-autoscaling", operation, params))
    return requests


def render_transform_job(
    spec: PipelineSpec,
    input_s3: str,
    output_s3: str,
    job_name: str,
    *,
    model_name: str | None = None,
) -> dict[str, Any]:
    """The CreateTransformJob request running the pipeline model over ``input_s3``."""
    if spec.mode == "Direct":
        # A transform job sends every record through the model's containers in series.
        raise ValueError(
            "mode: Direct cannot be used for Batch Transform: SageMaker runs transform jobs only on models "
            "whose InferenceExecutionConfig.Mode is Serial (a Direct model has no single answer per record)"
        )
    t = spec.transform
    transform_input: dict[str, Any] = {
        "DataSource": {"S3DataSource": {"S3DataType": t.s3_data_type, "S3Uri": input_s3}},
        "ContentType": spec.transform_content_type,
    }
    if t.compression_type is not None:
        transform_input["CompressionType"] = t.compression_type
    if t.split_type is not None:
        transform_input["SplitType"] = t.split_type
    transform_output: dict[str, Any] = {"S3OutputPath": output_s3}
    if spec.transform_accept:
        transform_output["Accept"] = spec.transform_accept
    if t.assemble_with is not None:
        transform_output["AssembleWith"] = t.assemble_with
    request: dict[str, Any] = {
        "TransformJobName": job_name,
        "ModelName": model_name or spec.name,
        "TransformInput": transform_input,
        "TransformOutput": transform_output,
        "TransformResources": {"InstanceType": t.instance_type, "InstanceCount": t.instance_count},
    }
    optional = {
        "MaxConcurrentTransforms": t.max_concurrent_transforms,
        "MaxPayloadInMB": t.max_payload_in_mb,
        "BatchStrategy": t.batch_strategy,
    }
    request.update({k: v for k, v in optional.items() if v is not None})
    if t.model_client_config is not None:
        client = {
            "InvocationsTimeoutInSeconds": t.model_client_config.invocations_timeout_in_seconds,
            "InvocationsMaxRetries": t.model_client_config.invocations_max_retries,
        }
        if client := {k: v for k, v in client.items() if v is not None}:
            request["ModelClientConfig"] = client
    if t.data_processing is not None:
        processing = {
            "InputFilter": t.data_processing.input_filter,
            "OutputFilter": t.data_processing.output_filter,
            "JoinSource": t.data_processing.join_source,
        }
        if processing := {k: v for k, v in processing.items() if v is not None}:
            request["DataProcessing"] = processing
    if t.environment:
        request["Environment"] = dict(t.environment)
    if spec.tags:
        request["Tags"] = _tags(spec)
    validate_request("CreateTransformJob", request)
    return request
