"""AWS commands: render requests, deploy/delete endpoints, image URIs; the AWS side of
``transform --remote`` and ``invoke --endpoint`` (their commands live with the local ones)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError

from inference_pipeline.cli._app import EXIT_USAGE, app, cli_errors, console, err_console, fail, print_json, progress
from inference_pipeline.cli.check import run_check
from inference_pipeline.deploy.deployer import (
    DEFAULT_PREFIX,
    AwsClients,
    DeployError,
    create_transform_job,
    delete,
    deploy,
    staged_artifacts,
)
from inference_pipeline.deploy.runtime_client import invoke_endpoint
from inference_pipeline.spec import images
from inference_pipeline.spec.model import PipelineSpec, load_spec, package_version
from inference_pipeline.spec.render import (
    render_autoscaling,
    render_create_model,
    render_endpoint,
    render_endpoint_config,
)

_USAGE = (ValueError,)  # SpecError, RequestValidationError, ArtifactError are ValueErrors
_RUNTIME = (DeployError, BotoCoreError, OSError)

SpecPath = Annotated[Path, typer.Argument(help="Pipeline spec (YAML or JSON).", show_default=False)]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region (default: spec 'region', then AWS config).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS named profile.")]
BucketOpt = Annotated[str | None, typer.Option("--bucket", help="S3 bucket for local model artifacts.")]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="S3 key prefix for uploaded artifacts.")]
RoleOpt = Annotated[str | None, typer.Option("--role", help="Execution role ARN (overrides the spec).")]
SuffixOpt = Annotated[
    str | None, typer.Option("--suffix", help="Version suffix for model/config names (default: UTC timestamp).")
]
WaitOpt = Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until the resource is ready.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the API requests as JSON; change nothing.")]
NoCheckOpt = Annotated[
    bool, typer.Option("--no-check", envvar="INFERENCE_PIPELINE_NO_CHECK",
                       help="Skip the pre-deploy check (inference-pipeline check).")
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="With --dry-run: make no AWS calls at all (assume a new endpoint).")
]


def _session(profile: str | None) -> Any:
    import boto3

    return boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()


def _resolve_region(explicit: str | None, spec: PipelineSpec | None, profile: str | None) -> str:
    region = explicit or (spec.region if spec else None) or _session(profile).region_name
    if not region:
        fail("no AWS region: pass --region, set 'region' in the spec, or configure a default region", EXIT_USAGE)
    return region


def _clients(region: str, profile: str | None) -> AwsClients:
    return AwsClients.create(region, session=_session(profile))


def _load_for_aws(
    spec_path: Path, region: str | None, profile: str | None, *, offline: bool, check_files: bool = True
) -> tuple[PipelineSpec, str, AwsClients | None]:
    """The spec, its region, and AWS clients (none for an offline dry run)."""
    spec = load_spec(spec_path, check_files=check_files)
    resolved = _resolve_region(region, spec, profile)
    return spec, resolved, None if offline else _clients(resolved, profile)


def _parse_model_data(values: list[str]) -> dict[str, str]:
    urls = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name or not url.startswith("s3://"):
            raise ValueError(f"--model-data expects NAME=s3://bucket/key, got {value!r}")
        urls[name] = url
    return urls


def _print_compose(spec_path: Path) -> None:
    from inference_pipeline.pipeline.local import compose_yaml

    typer.echo(compose_yaml(load_spec(spec_path)), nl=False)


@app.command()
def render(
    spec_path: SpecPath,
    request: Annotated[
        str, typer.Option("--request", help="Which request: create-model, endpoint-config, endpoint, autoscaling, "
                                            "or compose (the local simulator's docker compose file).")
    ] = "create-model",
    region: RegionOpt = None,
    model_data: Annotated[
        list[str] | None, typer.Option("--model-data", help="NAME=s3://... model URL for a container (repeatable).")
    ] = None,
    bucket: BucketOpt = None,
    prefix: PrefixOpt = DEFAULT_PREFIX,
    model_name: Annotated[str | None, typer.Option("--model-name", help="Model name (default: spec name).")] = None,
    no_check: NoCheckOpt = False,
) -> None:
    """Print the exact SageMaker request (default: CreateModel) for a spec as JSON.

    Local model artifacts need either --model-data NAME=s3://... or --bucket (the S3 URL the
    deployer would upload to, computed from the artifact's content hash).
    """
    choices = ("create-model", "endpoint-config", "endpoint", "autoscaling", "compose")
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        if request not in choices:
            raise ValueError(f"--request must be one of: {', '.join(choices)}")
        if request == "compose":
            _print_compose(spec_path)
            return
        if not no_check:
            run_check(spec_path, quiet=True)
        spec = load_spec(spec_path, check_files=bucket is not None)
        name = model_name or spec.name
        if request == "endpoint-config":
            print_json(render_endpoint_config(spec, model_name=name, config_name=name))
        elif request == "endpoint":
            print_json(render_endpoint(spec, config_name=name))
        elif request == "autoscaling":
            print_json([r.to_dict() for r in render_autoscaling(spec)])
        else:
            resolved = _resolve_region(region, spec, None)
            urls = _parse_model_data(model_data or [])
            pending = [c for c in spec.containers if c.model and not c.model.is_s3 and c.name not in urls]
            if pending and not bucket:
                names = ", ".join(c.name for c in pending)
                raise ValueError(f"containers {names} have local models: pass --bucket or --model-data NAME=s3://...")
            if pending:
                with staged_artifacts(spec, bucket, prefix) as (staged, _uploads):
                    urls = {**staged, **urls}
            print_json(render_create_model(spec, region=resolved, model_data_urls=urls, model_name=name))


@app.command("deploy")
def deploy_command(
    spec_path: SpecPath,
    bucket: BucketOpt = None,
    prefix: PrefixOpt = DEFAULT_PREFIX,
    region: RegionOpt = None,
    role: RoleOpt = None,
    suffix: SuffixOpt = None,
    wait: WaitOpt = True,
    keep_previous: Annotated[
        bool, typer.Option("--keep-previous", help="On update, keep the superseded endpoint config and model.")
    ] = False,
    dry_run: DryRunOpt = False,
    offline: OfflineOpt = False,
    profile: ProfileOpt = None,
    no_check: NoCheckOpt = False,
) -> None:
    """Create the endpoint for a spec, or update it in place if it exists.

    Uploads local artifacts, creates a versioned model and endpoint config, creates or
    updates the endpoint, waits for InService and applies autoscaling. Prints the endpoint
    name (or, with --dry-run, the requests as JSON).
    """
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        if not no_check:  # before any AWS call: a bad spec fails in seconds, not after an upload
            run_check(spec_path, quiet=True)
        spec, resolved, clients = _load_for_aws(spec_path, region, profile, offline=dry_run and offline)
        result = deploy(
            spec,
            clients=clients,
            region=resolved,
            role=role,
            bucket=bucket,
            prefix=prefix,
            suffix=suffix,
            wait=wait,
            keep_previous=keep_previous,
            dry_run=dry_run,
            progress=progress,
        )
        if dry_run:
            print_json(result.to_dict())
            return
        verb = "updated" if result.updated else "created"
        err_console.print(f"[green]endpoint {verb}[/]", highlight=False)
        typer.echo(result.endpoint_name)


@app.command("delete")
def delete_command(
    target: Annotated[str, typer.Argument(help="Pipeline spec file, or an endpoint name.", show_default=False)],
    region: RegionOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    wait: WaitOpt = True,
    dry_run: DryRunOpt = False,
    profile: ProfileOpt = None,
) -> None:
    """Delete an endpoint with its config, models and autoscaling (S3 artifacts are kept)."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        spec = load_spec(target, check_files=False) if Path(target).is_file() else None
        endpoint = spec.endpoint_name if spec else target
        clients = _clients(_resolve_region(region, spec, profile), profile)
        if not (yes or dry_run) and not typer.confirm(f"Delete endpoint {endpoint} and its config and models?"):
            raise typer.Exit(1)
        requests = delete(endpoint, clients=clients, wait=wait, dry_run=dry_run, progress=progress)
        if dry_run:
            print_json([r.to_dict() for r in requests])
        else:
            console.print(f"[green]deleted:[/] {endpoint}", highlight=False)


@app.command("image-uri")
def image_uri(
    name: Annotated[str, typer.Argument(help="Image name, e.g. xgboost, sklearn, sparkml-serving.", show_default=False)],
    region: Annotated[str | None, typer.Option("--region", envvar="AWS_REGION", help="AWS region.")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Built-in version, or our image tag.")] = None,
    builtin: Annotated[bool, typer.Option("--builtin", help="SageMaker's own image (not this project's).")] = False,
    account: Annotated[str | None, typer.Option("--account", help="ECR account of this project's images.")] = None,
    repository_prefix: Annotated[
        str, typer.Option("--repository-prefix", help="ECR repository prefix of this project's images.")
    ] = images.DEFAULT_REPOSITORY_PREFIX,
    list_versions: Annotated[bool, typer.Option("--list", help="List versions and regions of a built-in.")] = False,
) -> None:
    """Print the ECR URI of a SageMaker built-in image or of one of this project's images."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        is_builtin = name in images.builtin_image_names()
        is_ours = name in images.PROJECT_IMAGES
        if builtin and account:
            raise ValueError("--builtin and --account are exclusive")
        if not (builtin or account):
            if is_builtin and is_ours:
                raise ValueError(f"{name!r} is both a SageMaker built-in and one of ours: pass --builtin or --account")
            builtin = is_builtin
        if list_versions:
            if not builtin:
                raise ValueError("--list applies to built-in images")
            print_json({v: images.builtin_regions(name, v) for v in images.builtin_versions(name)})
            return
        if not region:
            raise ValueError("pass --region (or set AWS_REGION)")
        if builtin:
            typer.echo(images.builtin_image_uri(name, region, version))
        else:
            if not account:
                raise ValueError(f"{name!r} is one of this project's images: pass --account")
            typer.echo(
                images.project_image_uri(
                    name,
                    region=region,
                    account=account,
                    version=version or package_version(),
                    repository_prefix=repository_prefix,
                )
            )


def remote_transform(spec_path: Path, input_: str, output: str, *, job_name: str | None, model_name: str | None,
                     bucket: str | None, prefix: str, region: str | None, role: str | None, suffix: str | None,
                     wait: bool, dry_run: bool, offline: bool, profile: str | None) -> None:
    """``transform --remote``: a SageMaker batch transform job."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        spec, resolved, clients = _load_for_aws(
            spec_path, region, profile, offline=dry_run and offline, check_files=model_name is None
        )
        result = create_transform_job(
            spec,
            input_s3=input_,
            output_s3=output,
            clients=clients,
            job_name=job_name,
            model_name=model_name,
            region=resolved,
            role=role,
            bucket=bucket,
            prefix=prefix,
            suffix=suffix,
            wait=wait,
            dry_run=dry_run,
            progress=progress,
        )
        if dry_run:
            print_json(result.to_dict())
        else:
            state = result.status or "started"
            console.print(f"[green]transform job {result.job_name}:[/] {state}", highlight=False)


def endpoint_invoke(endpoint: str, region: str | None, body: bytes, content_type: str, accept: str | None,
                    extra: dict[str, str] | None = None) -> None:
    """``invoke --endpoint``: one InvokeEndpoint call; the body goes to stdout."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        answer = invoke_endpoint(endpoint, body, content_type=content_type, accept=accept, region=region,
                                 extra=extra)
    err_console.print(f"[dim]{answer.content_type}[/]", highlight=False)
    sys.stdout.buffer.write(answer.body)
    sys.stdout.write("\n")
