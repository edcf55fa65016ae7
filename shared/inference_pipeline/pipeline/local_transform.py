"""Local Batch Transform of a whole pipeline: the spec's transform section, SageMaker's rules.

Renders the same CreateTransformJob request the deployer would send, starts the pipeline in
batch mode (``SAGEMAKER_BATCH`` and friends set on every container, as SageMaker does), reads
the first container's ``/execution-parameters`` for values the job leaves unset, and runs the
batch engine against the front door.
"""

from __future__ import annotations

from collections.abc import Callable
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


def run_local_transform(spec: PipelineSpec, input_path: Path, output_dir: Path, *, docker: bool = True,
                        port: int = 8090, overrides: dict[str, Any] | None = None,
                        on_progress: ProgressCallback | None = None,
                        on_status: Callable[[str], None] | None = None,
                        state_dir: Path | None = None) -> TransformReport:
    request = transform_request(spec, input_path, output_dir)
    env = container_environment(max_payload_mb=request.get("MaxPayloadInMB"),
                                batch_strategy=request.get("BatchStrategy"),
                                max_concurrent_transforms=request.get("MaxConcurrentTransforms"))
    env.update(request.get("Environment", {}))
    pipeline = LocalPipeline(spec, state_dir=state_dir or default_state_dir(f"{spec.name}-transform"),
                             port=port, docker=docker, extra_env=env)
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
