"""Calls to a real endpoint through the SageMaker Runtime API (boto3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inference_pipeline.deploy.deployer import DeployError


@dataclass(frozen=True)
class EndpointAnswer:
    content_type: str
    body: bytes


def invoke_endpoint(endpoint: str, body: bytes, *, content_type: str, accept: str | None = None,
                    region: str | None = None, client: Any = None,
                    extra: dict[str, str] | None = None) -> EndpointAnswer:
    """One InvokeEndpoint call; DeployError names the endpoint when it fails. ``extra``: more
    InvokeEndpoint parameters (CustomAttributes, TargetVariant, TargetContainerHostname, ...)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = client or boto3.client("sagemaker-runtime", region_name=region)
    kwargs: dict[str, Any] = {"EndpointName": endpoint, "Body": body, "ContentType": content_type}
    if accept:
        kwargs["Accept"] = accept
    kwargs.update(extra or {})
    try:
        answer = client.invoke_endpoint(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"InvokeEndpoint {endpoint}: {exc}") from exc
    return EndpointAnswer(answer.get("ContentType", ""), answer["Body"].read())
