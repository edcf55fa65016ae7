"""Local Batch Transform of a whole pipeline: the spec's transform section, SageMaker's rules.

Renders the same CreateTransformJob request the deployer would send, checks its settings
before anything starts, starts the pipeline in batch mode (``SAGEMAKER_BATCH`` and friends set
on every container, as SageMaker does), reads the first container's ``/execution-parameters``
for values the job leaves unset, and runs the batch engine against the front door.

Batch requests are sized by MaxPayloadInMB (up to 100), not by InvokeEndpoint's 6 MiB, so the
front door is told the job's request limit through ``FRONTDOOR_MAX_REQUEST_MB_ENV`` in its
environment (LocalPipeline starts it with this process's environment).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests

from inference_pipeline.pipeline.batch import (
    InvokeResult,
    TransformReport,
    config_from_transform_job,
    container_environment,
    run_transform,
)
from inference_pipeline.pipeline.batch.config import MAX_PAYLOAD_LIMIT_MB
from inference_pipeline.pipeline.batch.types import Invoke, ProgressCallback
from inference_pipeline.pipeline.local import LocalPipeline, default_state_dir
from inference_pipeline.spec.model import PipelineSpec
from inference_pipeline.spec.render import render_transform_job


def http_invoker(url: str, *, timeout: float = 600.0) -> Invoke:
    """``invoke`` for the batch engine that POSTs to a front door (or any /invocations URL)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
    session.mount("http://", adapter)

    def invoke(body: bytes, content_type: str, accept: str) -> InvokeResult:
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        try:
            response = session.post(f"{url}/invocations", data=body, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            return InvokeResult(status=0, body=b"", error=f"{type(exc).__name__}: {exc}")
        container = None
        body_out = response.content
        if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith("application/json"):
            try:
                payload = response.json()
                container = payload.get("Container")
                body_out = str(payload.get("OriginalMessage") or payload.get("Message") or "").encode()
            except ValueError:
                pass
        return InvokeResult(status=response.status_code, body=body_out,
                            content_type=response.headers.get("Content-Type", ""), container=container,
                            headers=dict(response.headers))

    return invoke


def transform_request(spec: PipelineSpec, input_path: Path, output_dir: Path) -> dict[str, Any]:
    """The CreateTransformJob request SageMaker would get (local paths in place of S3)."""
    return render_transform_job(spec, f"s3://local{input_path.resolve()}", f"s3://local{output_dir.resolve()}",
                                f"{spec.name}-local"[:63])


# The front door's request-size limit in MiB for this pipeline (0 = none). Real-time endpoints keep
# InvokeEndpoint's 6 MiB; a batch job's requests are MaxPayloadInMB. The front door reads it at start.
FRONTDOOR_MAX_REQUEST_MB_ENV = "INFERENCE_PIPELINE_MAX_REQUEST_MB"
_ENV_LOCK = threading.Lock()


def frontdoor_max_request_mb(request: Mapping[str, Any]) -> int:
    """The request limit the front door must accept for this job.

    The job's MaxPayloadInMB when set (0 = unlimited, SplitType None); otherwise the largest a
    container may suggest through ``/execution-parameters`` (read only once the pipeline is up),
    since the engine itself keeps every request within the resolved MaxPayloadInMB.
    """
    value = request.get("MaxPayloadInMB")
    return MAX_PAYLOAD_LIMIT_MB if value is None else int(value)


@contextmanager
def _process_env(values: Mapping[str, str]) -> Iterator[None]:
    """Set env vars while the pipeline starts, so the processes it spawns inherit them; restored after."""
    with _ENV_LOCK:
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old


def run_local_transform(spec: PipelineSpec, input_path: Path, output_dir: Path, *, docker: bool = True,
                        port: int = 8090, overrides: dict[str, Any] | None = None,
                        on_progress: ProgressCallback | None = None,
                        on_status: Callable[[str], None] | None = None,
                        state_dir: Path | None = None) -> TransformReport:
    """Transform ``input_path`` into ``output_dir`` through a local copy of the pipeline.

    Raises ``TransformConfigError`` for settings that cannot run (SplitType TFRecord, limits)
    before any container starts.
    """
    request = transform_request(spec, input_path, output_dir)
    job_config = config_from_transform_job(request)  # refuse bad settings before anything starts
    if overrides:
        job_config = replace(job_config, **overrides)
    env = container_environment(max_payload_mb=request.get("MaxPayloadInMB"),
                                batch_strategy=request.get("BatchStrategy"),
                                max_concurrent_transforms=request.get("MaxConcurrentTransforms"))
    env.update(request.get("Environment", {}))
    pipeline = LocalPipeline(spec, state_dir=state_dir or default_state_dir(f"{spec.name}-transform"),
                             port=port, docker=docker, extra_env=env)
    with _process_env({FRONTDOOR_MAX_REQUEST_MB_ENV: str(frontdoor_max_request_mb(request))}):
        state = pipeline.up(on_status=on_status)
    try:
        try:
            answer = requests.get(f"{state.url}/execution-parameters", timeout=5)
            execution_parameters = answer.json() if answer.status_code == 200 else None
        except (requests.RequestException, ValueError):
            execution_parameters = None
        config = config_from_transform_job(request, execution_parameters)
        if overrides:
            config = replace(config, **overrides)
        return run_transform(input_path, output_dir, config, http_invoker(state.url), on_progress=on_progress)
    finally:
        pipeline.down()
