"""Pipeline commands: up, down, logs; invoke and transform (locally, or on AWS with
``--endpoint``/``--remote``, which hand over to ``cli/aws.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import requests
import typer

from inference_pipeline.archives import ArtifactError
from inference_pipeline.cli import aws
from inference_pipeline.cli._app import EXIT_FAILURE, EXIT_USAGE, app, cli_errors, console, err_console, fail, progress
from inference_pipeline.pipeline.local import (
    LocalPipeline,
    SimulatorError,
    SimulatorState,
    default_state_dir,
    find_state_dir,
)
from inference_pipeline.spec.model import load_spec

_USAGE = (ValueError,)
_RUNTIME = (SimulatorError, ArtifactError, OSError, requests.RequestException)

SpecPath = Annotated[Path, typer.Argument(help="Pipeline spec (YAML or JSON).", show_default=False)]
PortOpt = Annotated[int, typer.Option("--port", help="Front door port on 127.0.0.1.")]
DockerOpt = Annotated[bool, typer.Option("--docker/--no-docker",
                                         help="Run containers with docker compose, or as local serve processes.")]
StateOpt = Annotated[Path | None, typer.Option("--state-dir", help="Where the running pipeline's state is kept.")]
RunningPortOpt = Annotated[int | None, typer.Option(
    "--port", help="Front door port of the pipeline meant, when the spec runs on several (default: the one up).")]
TagOpt = Annotated[str, typer.Option("--image-tag", help="Tag of this repo's local images.")]


def _pipeline(spec_path: Path, *, port: int = 8080, docker: bool = True, state_dir: Path | None = None,
              image_tag: str = "latest") -> LocalPipeline:
    spec = load_spec(spec_path)
    return LocalPipeline(spec, state_dir=state_dir or default_state_dir(spec.name, port), port=port, docker=docker,
                         image_tag=image_tag)


@app.command()
def up(spec_path: SpecPath, port: PortOpt = 8080, docker: DockerOpt = True, state_dir: StateOpt = None,
       image_tag: TagOpt = "latest",
       timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for every /ping.")] = 240) -> None:
    """Start the pipeline locally (docker compose or --no-docker) behind a front door."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        pipeline = _pipeline(spec_path, port=port, docker=docker, state_dir=state_dir, image_tag=image_tag)
        state = pipeline.up(timeout=timeout, on_status=progress)
    for c in state.containers:
        console.print(f"  {c.service:<20} {c.image:<45} 127.0.0.1:{c.port}", highlight=False)
    console.print(f"[green]pipeline {state.name} is up:[/] {state.url}/endpoints/{state.endpoint}/invocations "
                  f"(boto3: endpoint_url={state.url!r}, EndpointName={state.endpoint!r})", highlight=False)


@app.command()
def down(spec_path: SpecPath, state_dir: StateOpt = None, port: RunningPortOpt = None) -> None:
    """Stop the local pipeline and its front door."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        spec = load_spec(spec_path, check_files=False)
        LocalPipeline(spec, state_dir=state_dir or find_state_dir(spec.name, port)).down()
    console.print(f"pipeline {spec.name} is down", highlight=False)


@app.command()
def logs(spec_path: SpecPath,
         container: Annotated[str | None, typer.Argument(help="Container name, or 'frontdoor' (default: all).")] = None,
         state_dir: StateOpt = None, port: RunningPortOpt = None) -> None:
    """Print the logs of one container (or all) of the local pipeline."""
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        spec = load_spec(spec_path, check_files=False)
        text = LocalPipeline(spec, state_dir=state_dir or find_state_dir(spec.name, port)).logs(container)
    typer.echo(text, nl=False)


def _read_body(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE)


@app.command()
def invoke(
    spec_path: Annotated[Path | None, typer.Argument(help="Spec of a local pipeline that is up.")] = None,
    data: Annotated[str, typer.Option("--data", "-d", help="File with the request body, or - for stdin.")] = "-",
    content_type: Annotated[str | None, typer.Option("--content-type", "-c", help="Default: the spec's.")] = None,
    accept: Annotated[str | None, typer.Option("--accept", "-a", help="Default: the spec's (or none).")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Front door URL (default: the running pipeline's).")] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="Invoke a real SageMaker endpoint instead.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="AWS region for --endpoint.")] = None,
    trace: Annotated[bool, typer.Option("--trace", help="Also print what each container received and returned.")] = False,
    custom_attributes: Annotated[str | None, typer.Option(
        "--custom-attributes", help="X-Amzn-SageMaker-Custom-Attributes, forwarded to every container.")] = None,
    target_variant: Annotated[str | None, typer.Option(
        "--target-variant", help="Production variant to send the request to (default: by weight).")] = None,
    target_container: Annotated[str | None, typer.Option(
        "--target-container", help="Container to invoke on a Direct-mode endpoint (TargetContainerHostname).")] = None,
    state_dir: StateOpt = None,
    port: RunningPortOpt = None,
) -> None:
    """Send a request to the local pipeline (or a real endpoint) and print the response body."""
    body = _read_body(data)
    spec = None
    extra = {key: value for key, value in (("CustomAttributes", custom_attributes), ("TargetVariant", target_variant),
                                           ("TargetContainerHostname", target_container)) if value}
    with cli_errors(usage=_USAGE, runtime=_RUNTIME):
        if spec_path is not None:
            spec = load_spec(spec_path, check_files=False)
        content_type = content_type or (spec.content_type if spec else "text/csv")
        accept = accept or (spec.accept if spec else None)
        if endpoint:
            aws.endpoint_invoke(endpoint, region, body, content_type, accept, extra)
            return
        path = "/invocations"
        if url is None:
            if spec is None:
                fail("give the spec of a running local pipeline, --url or --endpoint", EXIT_USAGE)
            state = SimulatorState.load(state_dir or find_state_dir(spec.name, port))
            url, path = state.url, f"/endpoints/{state.endpoint or spec.endpoint_name}/invocations"
        # Accept None drops requests' default "*/*": like boto3, send none unless asked
        headers: dict[str, str | None] = {"Content-Type": content_type, "Accept": accept,
                                          **{_RUNTIME_HEADERS[key]: value for key, value in extra.items()}}
        response = requests.post(f"{url}{path}", data=body, headers=headers, timeout=120)
        if trace:
            _print_trace(url)
    if response.status_code != 200:
        err_console.print(f"[red]HTTP {response.status_code}[/] {response.headers.get('Content-Type', '')}")
        typer.echo(response.text)
        raise typer.Exit(EXIT_FAILURE)
    returned = response.headers.get("X-Amzn-SageMaker-Custom-Attributes")
    err_console.print(f"[dim]{response.headers.get('Content-Type', '')} · variant "
                      f"{response.headers.get('x-Amzn-Invoked-Production-Variant', '-')}"
                      + (f" · custom attributes {returned}" if returned is not None else "")
                      + f" · {response.headers.get('X-Inference-Pipeline-Hops', '')}[/]", highlight=False)
    sys.stdout.buffer.write(response.content)
    if not response.content.endswith(b"\n"):
        sys.stdout.write("\n")


_RUNTIME_HEADERS = {"CustomAttributes": "X-Amzn-SageMaker-Custom-Attributes",
                    "TargetVariant": "X-Amzn-SageMaker-Target-Variant",
                    "TargetContainerHostname": "X-Amzn-SageMaker-Target-Container-Hostname"}


def _print_trace(url: str) -> None:
    traces = requests.get(f"{url}/traces", timeout=10).json()
    if not traces:
        return
    for hop in traces[-1]["hops"]:
        err_console.print(f"[bold]{hop['container']}[/] ← {hop['content_type'] or '-'}"
                          f" (Accept: {hop['accept'] or 'container default'}) {hop['request_bytes']} B",
                          highlight=False)
        err_console.print(f"  {hop['request_body']!r}", highlight=False, soft_wrap=True)
        err_console.print(f"  → {hop['status']} {hop['response_content_type'] or ''} {hop['response_bytes']} B "
                          f"in {hop['millis']} ms", highlight=False)
        err_console.print(f"  {hop['response_body']!r}", highlight=False, soft_wrap=True)


@app.command()
def transform(
    spec_path: SpecPath,
    input_: Annotated[str, typer.Option("--input", help="Input: s3:// prefix (remote) or local path.")],
    output: Annotated[str, typer.Option("--output", help="Output: s3:// prefix (remote) or local directory.")],
    remote: Annotated[bool, typer.Option("--remote", help="Run as a SageMaker batch transform job.")] = False,
    job_name: Annotated[str | None, typer.Option("--job-name", help="Transform job name.")] = None,
    model_name: Annotated[
        str | None, typer.Option("--model-name", help="Use this existing pipeline model instead of creating one.")
    ] = None,
    bucket: aws.BucketOpt = None,
    prefix: aws.PrefixOpt = aws.DEFAULT_PREFIX,
    region: aws.RegionOpt = None,
    role: aws.RoleOpt = None,
    suffix: aws.SuffixOpt = None,
    wait: aws.WaitOpt = True,
    dry_run: aws.DryRunOpt = False,
    offline: aws.OfflineOpt = False,
    profile: aws.ProfileOpt = None,
    docker: Annotated[bool, typer.Option("--docker/--no-docker", help="Local: containers in docker compose, "
                                         "or as local serve processes.")] = True,
    port: Annotated[int, typer.Option("--port", help="Local: front door port on 127.0.0.1.")] = 8090,
) -> None:
    """Run the pipeline over a dataset: locally, or with --remote as a SageMaker transform job."""
    if remote:
        aws.remote_transform(spec_path, input_, output, job_name=job_name, model_name=model_name, bucket=bucket,
                             prefix=prefix, region=region, role=role, suffix=suffix, wait=wait, dry_run=dry_run,
                             offline=offline, profile=profile)
    else:
        transform_locally(spec_path, input_, output, docker=docker, port=port)


def transform_locally(spec_path: Path, input_: str, output: str, *, docker: bool = True, port: int = 8090,
                      state_dir: Path | None = None) -> None:
    """Local Batch Transform through the simulator, with a progress bar and a summary."""
    from inference_pipeline.pipeline import local_transform
    from inference_pipeline.pipeline.batch import TransformConfigError, TransformInputError
    from inference_pipeline.pipeline.batch.progress import RichProgress

    with cli_errors(usage=(*_USAGE, TransformConfigError, TransformInputError), runtime=_RUNTIME):
        spec = load_spec(spec_path)
        with RichProgress(f"transform {spec.name}", console=err_console) as bar:
            report = local_transform.run_local_transform(spec, Path(input_), Path(output), docker=docker, port=port,
                                                         on_progress=bar, on_status=progress, state_dir=state_dir)
    console.print(f"{report.files_ok} file(s) transformed, {report.files_failed} failed; {report.records} records "
                  f"in {report.seconds:.1f} s ({report.records_per_second:,.0f} records/s)", highlight=False)
    for failure in report.failures:
        err_console.print(f"[red]failed:[/] {failure.describe()}", highlight=False, soft_wrap=True)
    if not report.succeeded:
        raise typer.Exit(EXIT_FAILURE)
