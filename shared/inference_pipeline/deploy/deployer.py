"""Deploy a pipeline spec to SageMaker with boto3: artifacts, model, endpoint, autoscaling, batch.

Every resource name a deploy creates is versioned (``<name>-<suffix>``) so an update never
collides with what is serving. ``dry_run=True`` returns the exact requests without sending
any mutating call (read-only Describe calls are still made when clients are given, to decide
between create and update).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from inference_pipeline.archives import file_sha256, package_model_dir
from inference_pipeline.catalogue import PROJECT_NAME
from inference_pipeline.spec.model import PipelineSpec
from inference_pipeline.spec.render import (
    SCALABLE_DIMENSION,
    ApiRequest,
    render_autoscaling,
    render_create_model,
    render_endpoint,
    render_endpoint_config,
    render_transform_job,
    render_update_endpoint,
    scaling_resource_id,
)
from inference_pipeline.spec.validation import validate_request

Progress = Callable[[str], None]
DEFAULT_PREFIX = PROJECT_NAME  # S3 key prefix of uploaded artifacts
_MAX_NAME = 63


class DeployError(RuntimeError):
    """An AWS call or a deployment step failed; the message names the operation."""


@dataclass(frozen=True)
class AwsClients:
    sagemaker: Any
    s3: Any
    autoscaling: Any
    region: str

    @classmethod
    def create(
        cls, region: str, *, session: boto3.session.Session | None = None, endpoint_url: str | None = None
    ) -> AwsClients:
        """Clients for ``region``; ``endpoint_url`` points all three at one emulator (tests)."""
        session = session or boto3.session.Session()

        def client(name: str) -> Any:
            return session.client(name, region_name=region, endpoint_url=endpoint_url)

        return cls(client("sagemaker"), client("s3"), client("application-autoscaling"), region)


@dataclass
class DeployResult:
    endpoint_name: str
    model_name: str
    endpoint_config_name: str
    updated: bool
    requests: list[ApiRequest] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint_name": self.endpoint_name,
            "model_name": self.model_name,
            "endpoint_config_name": self.endpoint_config_name,
            "updated": self.updated,
            "requests": [r.to_dict() for r in self.requests],
        }


@dataclass
class TransformResult:
    job_name: str
    model_name: str
    status: str | None
    requests: list[ApiRequest] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_name": self.job_name,
            "model_name": self.model_name,
            "status": self.status,
            "requests": [r.to_dict() for r in self.requests],
        }


# ----------------------------------------------------------------------------- plumbing


def _aws_error(operation: str, exc: Exception) -> DeployError:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return DeployError(f"{operation} failed: {err.get('Code', 'Error')}: {err.get('Message', str(exc))}")
    return DeployError(f"{operation} failed: {exc}")


class _Runner:
    """Records every mutating request; sends it unless this is a dry run."""

    def __init__(self, clients: AwsClients | None, *, dry_run: bool, progress: Progress | None) -> None:
        if clients is None and not dry_run:
            raise ValueError("AWS clients are required unless dry_run=True")
        self.clients = clients
        self.dry_run = dry_run
        self.progress = progress or (lambda _msg: None)
        self.requests: list[ApiRequest] = []

    def client(self, service: str) -> Any:
        assert self.clients is not None
        return {
            "sagemaker": self.clients.sagemaker,
            "s3": self.clients.s3,
            "application-autoscaling": self.clients.autoscaling,
        }[service]

    def send(self, request: ApiRequest) -> dict[str, Any]:
        self.requests.append(request)
        if self.dry_run:
            return {}
        self.progress(f"{request.operation} {_subject(request.params)}".rstrip())
        try:
            if request.body_path is not None:
                self.client("s3").upload_file(request.body_path, request.params["Bucket"], request.params["Key"])
                return {}
            return getattr(self.client(request.service), xform_name(request.operation))(**request.params)
        except (ClientError, BotoCoreError, S3UploadFailedError) as exc:
            raise _aws_error(request.operation, exc) from exc

    def read(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        """A read-only call; ``None`` when the resource does not exist (or no clients in a dry run)."""
        if self.clients is None:
            return None
        try:
            return getattr(self.client(service), xform_name(operation))(**params)
        except ClientError as exc:
            if _is_not_found(exc):
                return None
            raise _aws_error(operation, exc) from exc
        except BotoCoreError as exc:
            raise _aws_error(operation, exc) from exc


def _subject(params: dict[str, Any]) -> str:
    for key in ("EndpointName", "EndpointConfigName", "ModelName", "TransformJobName", "ResourceId", "Key"):
        if key in params:
            return str(params[key])
    return ""


def _is_not_found(exc: ClientError) -> bool:
    err = exc.response.get("Error", {})
    code, message = err.get("Code", ""), err.get("Message", "").lower()
    return code in {"ResourceNotFound", "NoSuchKey", "404", "ObjectNotFoundException"} or (
        code == "ValidationException" and ("could not find" in message or "does not exist" in message)
    )


def versioned_name(base: str, suffix: str) -> str:
    """``<base>-<suffix>`` cut to SageMaker's 63-character name limit (suffix kept whole)."""
    return f"{base[: _MAX_NAME - len(suffix) - 1]}-{suffix}"


def _default_suffix() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())


def _region(spec: PipelineSpec, region: str | None, clients: AwsClients | None) -> str:
    resolved = region or spec.region or (clients.region if clients else None)
    if not resolved:
        raise ValueError("no AWS region: set 'region' in the spec or pass one")
    return resolved


# ----------------------------------------------------------------------------- artifacts


@contextmanager
def staged_artifacts(
    spec: PipelineSpec, bucket: str | None, prefix: str
) -> Iterator[tuple[dict[str, str], list[ApiRequest]]]:
    """Package local models (content-addressed S3 keys) and plan their uploads."""
    local = [c for c in spec.containers if c.model is not None and not c.model.is_s3]
    if local and not bucket:
        names = ", ".join(c.name for c in local)
        raise ValueError(f"containers with local models ({names}) need an S3 bucket to upload them to")
    urls: dict[str, str] = {}
    uploads: list[ApiRequest] = []
    with tempfile.TemporaryDirectory(prefix="inference-pipeline-") as work:
        for container in local:
            assert container.model is not None and bucket is not None
            path = container.model.path
            if path.is_dir():
                path = package_model_dir(path, Path(work) / f"{container.name}.tar.gz")
            elif not path.is_file():
                raise ValueError(f"model of container {container.name!r} not found: {path}")
            key = "/".join(p for p in (prefix.strip("/"), spec.name, container.name, file_sha256(path)) if p)
            key += "/model.tar.gz"
            params = {"Bucket": bucket, "Key": key}
            validate_request("PutObject", params, service="s3")
            uploads.append(ApiRequest("s3", "PutObject", params, body_path=str(path)))
            urls[container.name] = f"s3://{bucket}/{key}"
        yield urls, uploads


def _upload(runner: _Runner, uploads: list[ApiRequest]) -> None:
    for request in uploads:
        # Keys are content hashes: an existing object already holds these exact bytes.
        if not runner.dry_run and runner.read("s3", "HeadObject", **request.params) is not None:
            runner.progress(f"{request.params['Key']} already uploaded")
            continue
        runner.send(request)


# ----------------------------------------------------------------------------- waiting


def _poll(
    describe: Callable[[], dict[str, Any]],
    *,
    operation: str,
    status_key: str,
    label: str,
    done: str,
    failed: frozenset[str],
    progress: Progress | None,
    poll_seconds: float,
    timeout_seconds: float,
) -> dict[str, Any]:
    """Call ``describe`` until ``status_key`` is ``done`` (returned) or in ``failed`` (raised)."""
    deadline = time.monotonic() + timeout_seconds
    last = None
    while True:
        try:
            desc = describe()
        except (ClientError, BotoCoreError) as exc:
            raise _aws_error(operation, exc) from exc
        status = desc[status_key]
        if status != last and progress:
            progress(f"{label}: {status}")
        last = status
        if status == done:
            return desc
        if status in failed:
            raise DeployError(f"{label} is {status}: {desc.get('FailureReason', 'no reason given')}")
        if time.monotonic() >= deadline:
            raise DeployError(f"{label} still {status} after {timeout_seconds:.0f}s")
        time.sleep(poll_seconds)


def wait_for_endpoint(
    clients: AwsClients,
    endpoint_name: str,
    *,
    expected_config: str | None = None,
    progress: Progress | None = None,
    poll_seconds: float = 15.0,
    timeout_seconds: float = 3600.0,
) -> dict[str, Any]:
    """Poll DescribeEndpoint until the endpoint settles; raise DeployError on failure.

    With ``expected_config``, an endpoint that settles InService on another config means
    SageMaker rolled an update back, which is reported as a failure.
    """
    desc = _poll(
        lambda: clients.sagemaker.describe_endpoint(EndpointName=endpoint_name),
        operation="DescribeEndpoint",
        status_key="EndpointStatus",
        label=f"endpoint {endpoint_name}",
        done="InService",
        failed=frozenset({"Failed", "OutOfService"}),
        progress=progress,
        poll_seconds=poll_seconds,
        timeout_seconds=timeout_seconds,
    )
    if expected_config and desc.get("EndpointConfigName") != expected_config:
        reason = desc.get("FailureReason", "no reason given")
        raise DeployError(f"UpdateEndpoint of {endpoint_name} was rolled back: {reason}")
    return desc


def _wait_deleted(runner: _Runner, endpoint_name: str, poll_seconds: float, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while runner.read("sagemaker", "DescribeEndpoint", EndpointName=endpoint_name) is not None:
        if time.monotonic() >= deadline:
            raise DeployError(f"endpoint {endpoint_name} still exists after {timeout_seconds:.0f}s")
        time.sleep(poll_seconds)
    runner.progress(f"endpoint {endpoint_name}: deleted")


# ----------------------------------------------------------------------------- autoscaling


def _scaling_teardown(runner: _Runner, endpoint_name: str, variant_names: list[str]) -> list[ApiRequest]:
    """Delete the policies and deregister the targets of the endpoint's variants.

    Required before UpdateEndpoint changes a scaled variant's instance type or removes it,
    and before deleting the endpoint (Application Auto Scaling docs). Returns the requests
    that would restore what was removed, for rolling back a failed update.
    """
    resource_ids = [scaling_resource_id(endpoint_name, v) for v in variant_names]
    if not resource_ids:
        return []
    targets = runner.read(
        "application-autoscaling", "DescribeScalableTargets", ServiceNamespace="sagemaker", ResourceIds=resource_ids
    )
    restore: list[ApiRequest] = []
    for target in (targets or {}).get("ScalableTargets", []):
        key = {
            "ServiceNamespace": "sagemaker",
            "ResourceId": target["ResourceId"],
            "ScalableDimension": SCALABLE_DIMENSION,
        }
        restore.append(
            ApiRequest(
                "application-autoscaling",
                "RegisterScalableTarget",
                {**key, "MinCapacity": target["MinCapacity"], "MaxCapacity": target["MaxCapacity"]},
            )
        )
        policies = runner.read("application-autoscaling", "DescribeScalingPolicies", **key)
        for policy in (policies or {}).get("ScalingPolicies", []):
            runner.send(
                ApiRequest("application-autoscaling", "DeleteScalingPolicy", {"PolicyName": policy["PolicyName"], **key})
            )
            kept = {k: policy[k] for k in _POLICY_FIELDS if k in policy}
            restore.append(ApiRequest("application-autoscaling", "PutScalingPolicy", {**key, **kept}))
        runner.send(ApiRequest("application-autoscaling", "DeregisterScalableTarget", key))
    return restore


_POLICY_FIELDS = (
    "PolicyName",
    "PolicyType",
    "TargetTrackingScalingPolicyConfiguration",
    "StepScalingPolicyConfiguration",
)


def _config_models(runner: _Runner, config_name: str) -> tuple[list[str], list[str]]:
    """(variant names, model names) of an endpoint config, empty if it is gone."""
    config = runner.read("sagemaker", "DescribeEndpointConfig", EndpointConfigName=config_name)
    variants = (config or {}).get("ProductionVariants", [])
    models = list(dict.fromkeys(v["ModelName"] for v in variants if "ModelName" in v))
    return [v["VariantName"] for v in variants], models


# ----------------------------------------------------------------------------- deploy


def deploy(
    spec: PipelineSpec,
    *,
    clients: AwsClients | None = None,
    region: str | None = None,
    role: str | None = None,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    suffix: str | None = None,
    wait: bool = True,
    keep_previous: bool = False,
    progress: Progress | None = None,
    dry_run: bool = False,
    poll_seconds: float = 15.0,
    timeout_seconds: float = 3600.0,
) -> DeployResult:
    """Create (or update) the endpoint serving ``spec``; return what was done.

    Local model directories/tarballs are uploaded to ``s3://<bucket>/<prefix>/<name>/<container>/
    <sha256>/model.tar.gz``. An existing endpoint is switched to the new config with
    UpdateEndpoint (autoscaling is deregistered first and re-applied after), and unless
    ``keep_previous`` the superseded config and model are deleted once the update is live.
    """
    if role:
        spec = spec.model_copy(update={"role": role})
    if not spec.role:
        raise ValueError("no execution role: set 'role' in the spec or pass one")
    region = _region(spec, region, clients)
    autoscaled = [v.name for v in spec.endpoint.variants if v.autoscaling]
    if autoscaled and not wait:
        raise ValueError(f"autoscaling of variants {autoscaled} needs wait=True (the endpoint must be InService)")
    runner = _Runner(clients, dry_run=dry_run, progress=progress)
    suffix = suffix or _default_suffix()
    endpoint_name = spec.endpoint_name
    model_name = config_name = versioned_name(spec.name, suffix)

    existing = runner.read("sagemaker", "DescribeEndpoint", EndpointName=endpoint_name)
    if existing and existing["EndpointStatus"] != "InService":
        raise DeployError(
            f"endpoint {endpoint_name} is {existing['EndpointStatus']}; "
            "wait for it to settle (or delete it if it Failed) before deploying"
        )

    with staged_artifacts(spec, bucket, prefix) as (urls, uploads):
        create_model = render_create_model(spec, region=region, model_data_urls=urls, model_name=model_name)
        create_config = render_endpoint_config(spec, model_name=model_name, config_name=config_name)
        _upload(runner, uploads)
        runner.send(ApiRequest("sagemaker", "CreateModel", create_model))
    try:
        runner.send(ApiRequest("sagemaker", "CreateEndpointConfig", create_config))
    except DeployError:
        _best_effort(runner, ApiRequest("sagemaker", "DeleteModel", {"ModelName": model_name}))
        raise

    restore: list[ApiRequest] = []
    if existing:
        old_config = existing["EndpointConfigName"]
        old_variants, old_models = _config_models(runner, old_config)
        restore = _scaling_teardown(runner, endpoint_name, old_variants)
    try:
        if existing:
            update = render_update_endpoint(spec, config_name=config_name)
            runner.send(ApiRequest("sagemaker", "UpdateEndpoint", update))
        else:
            runner.send(ApiRequest("sagemaker", "CreateEndpoint", render_endpoint(spec, config_name=config_name)))
        if wait and not dry_run:
            assert clients is not None
            wait_for_endpoint(
                clients,
                endpoint_name,
                expected_config=config_name,
                progress=runner.progress,
                poll_seconds=poll_seconds,
                timeout_seconds=timeout_seconds,
            )
    except DeployError:
        if existing:  # the old config keeps serving: put its autoscaling back, drop the unused new resources
            for request in restore:
                _best_effort(runner, request)
            _best_effort(runner, ApiRequest("sagemaker", "DeleteEndpointConfig", {"EndpointConfigName": config_name}))
            _best_effort(runner, ApiRequest("sagemaker", "DeleteModel", {"ModelName": model_name}))
        raise

    if wait:
        for request in render_autoscaling(spec):
            runner.send(request)
        if existing and not keep_previous:
            runner.send(ApiRequest("sagemaker", "DeleteEndpointConfig", {"EndpointConfigName": old_config}))
            for old_model in old_models:
                if old_model != model_name:
                    runner.send(ApiRequest("sagemaker", "DeleteModel", {"ModelName": old_model}))
    return DeployResult(endpoint_name, model_name, config_name, updated=bool(existing), requests=runner.requests)


def _best_effort(runner: _Runner, request: ApiRequest) -> None:
    try:
        runner.send(request)
    except DeployError as exc:
        runner.progress(f"cleanup failed: {exc}")


# ----------------------------------------------------------------------------- delete


def delete(
    target: PipelineSpec | str,
    *,
    clients: AwsClients | None = None,
    wait: bool = True,
    progress: Progress | None = None,
    dry_run: bool = False,
    poll_seconds: float = 15.0,
    timeout_seconds: float = 1800.0,
) -> list[ApiRequest]:
    """Remove an endpoint and what deploy made for it: scaling policies/targets, endpoint,
    its config and the config's models. Uploaded S3 artifacts are kept (content-addressed,
    possibly shared). Returns the requests sent (or, with ``dry_run``, that would be)."""
    endpoint_name = target.endpoint_name if isinstance(target, PipelineSpec) else target
    if clients is None:
        raise ValueError("delete needs AWS clients (it looks up what the endpoint uses)")
    runner = _Runner(clients, dry_run=dry_run, progress=progress)
    endpoint = runner.read("sagemaker", "DescribeEndpoint", EndpointName=endpoint_name)
    if endpoint is None:
        raise DeployError(f"DescribeEndpoint failed: no endpoint named {endpoint_name!r}")
    config_name = endpoint["EndpointConfigName"]
    variants, models = _config_models(runner, config_name)
    _scaling_teardown(runner, endpoint_name, variants)
    runner.send(ApiRequest("sagemaker", "DeleteEndpoint", {"EndpointName": endpoint_name}))
    runner.send(ApiRequest("sagemaker", "DeleteEndpointConfig", {"EndpointConfigName": config_name}))
    for model in models:
        runner.send(ApiRequest("sagemaker", "DeleteModel", {"ModelName": model}))
    if wait and not dry_run:
        _wait_deleted(runner, endpoint_name, poll_seconds, timeout_seconds)
    return runner.requests


# ----------------------------------------------------------------------------- batch transform


def wait_for_transform_job(
    clients: AwsClients,
    job_name: str,
    *,
    progress: Progress | None = None,
    poll_seconds: float = 30.0,
    timeout_seconds: float = 6 * 3600.0,
) -> dict[str, Any]:
    """Poll DescribeTransformJob until Completed; raise DeployError if it Failed or Stopped."""
    return _poll(
        lambda: clients.sagemaker.describe_transform_job(TransformJobName=job_name),
        operation="DescribeTransformJob",
        status_key="TransformJobStatus",
        label=f"transform job {job_name}",
        done="Completed",
        failed=frozenset({"Failed", "Stopped"}),
        progress=progress,
        poll_seconds=poll_seconds,
        timeout_seconds=timeout_seconds,
    )


def create_transform_job(
    spec: PipelineSpec,
    *,
    input_s3: str,
    output_s3: str,
    clients: AwsClients | None = None,
    job_name: str | None = None,
    model_name: str | None = None,
    region: str | None = None,
    role: str | None = None,
    bucket: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    suffix: str | None = None,
    wait: bool = True,
    progress: Progress | None = None,
    dry_run: bool = False,
    poll_seconds: float = 30.0,
    timeout_seconds: float = 6 * 3600.0,
) -> TransformResult:
    """Run the pipeline as a batch transform over ``input_s3`` into ``output_s3``.

    With ``model_name`` an existing pipeline model is used; otherwise the model is created
    (uploading local artifacts like :func:`deploy`) under ``<name>-<suffix>``.
    """
    for label, url in (("input", input_s3), ("output", output_s3)):
        if not url.startswith("s3://"):
            raise ValueError(f"{label} must be an s3:// URL, got {url!r}")
    runner = _Runner(clients, dry_run=dry_run, progress=progress)
    suffix = suffix or _default_suffix()
    job_name = job_name or versioned_name(spec.name, suffix)
    if model_name is None:
        if role:
            spec = spec.model_copy(update={"role": role})
        if not spec.role:
            raise ValueError("no execution role: set 'role' in the spec or pass one (or give an existing model)")
        model_name = versioned_name(spec.name, suffix)
        with staged_artifacts(spec, bucket, prefix) as (urls, uploads):
            create_model = render_create_model(
                spec, region=_region(spec, region, clients), model_data_urls=urls, model_name=model_name
            )
            _upload(runner, uploads)
            runner.send(ApiRequest("sagemaker", "CreateModel", create_model))
    request = render_transform_job(spec, input_s3, output_s3, job_name, model_name=model_name)
    runner.send(ApiRequest("sagemaker", "CreateTransformJob", request))
    status = None
    if wait and not dry_run:
        assert clients is not None
        status = wait_for_transform_job(
            clients, job_name, progress=runner.progress, poll_seconds=poll_seconds, timeout_seconds=timeout_seconds
        )["TransformJobStatus"]
    return TransformResult(job_name, model_name, status, requests=runner.requests)
