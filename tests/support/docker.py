"""Run built images the way SageMaker does (``docker run IMAGE serve``), on host networking."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from inference_pipeline.pipeline.ports import PortBook
from tests.support.net import LOCALHOST, wait_for_ping

IMAGE_PREFIX = os.environ.get("INFERENCE_PIPELINE_IMAGE_PREFIX", "inference-pipeline")
IMAGE_TAG = os.environ.get("INFERENCE_PIPELINE_IMAGE_TAG", "latest")


def image_ref(name: str) -> str:
    return f"{IMAGE_PREFIX}/{name}:{IMAGE_TAG}"


def docker_ready() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def require_image(name: str) -> str:
    """The image ref, or skip locally / fail in CI (Docker tests must run in CI)."""
    return require_ref(image_ref(name))


def require_ref(ref: str) -> str:
    """``ref`` when Docker runs and the image is built; else skip locally / fail in CI."""
    problem = None
    if not docker_ready():
        problem = "no Docker engine (run scripts/install-docker.sh)"
    elif subprocess.run(["docker", "image", "inspect", ref], capture_output=True, check=False).returncode != 0:
        problem = f"image {ref} is not built (run scripts/build-images.sh)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}: container tests must run in CI")
        pytest.skip(problem)
    return ref


@dataclass
class RunningContainer:
    name: str
    url: str

    def logs(self) -> str:
        proc = subprocess.run(["docker", "logs", self.name], capture_output=True, text=True, check=False)
        return proc.stdout + proc.stderr


@contextmanager
def run_container(image: str, model_dir: Path | None, *, env: dict[str, str] | None = None,
                  user: str | None = None, read_only: bool = False, wait_for: int | None = 200,
                  timeout: float = 60, command: tuple[str, ...] = ("serve",)) -> Iterator[RunningContainer]:
    ports = PortBook()  # held until the container answers (see tests/support/server.py)
    port = ports.hold_any()
    name = f"ip-test-{uuid.uuid4().hex[:10]}"
    args = ["docker", "run", "-d", "--name", name, "--network=host",
            "-e", f"SAGEMAKER_BIND_TO_PORT={port}", "-e", f"INFERENCE_PIPELINE_BIND_HOST={LOCALHOST}",
            "-e", "SAGEMAKER_MODEL_SERVER_WORKERS=1"]
    for key, value in (env or {}).items():
        args += ["-e", f"{key}={value}"]
    if model_dir is not None:
        args += ["-v", f"{Path(model_dir).resolve()}:/opt/ml/model:ro"]
    if user:
        args += ["--user", user]
    if read_only:
        args += ["--read-only", "--tmpfs", "/tmp"]
    subprocess.run(args + [image, *command], check=True, capture_output=True)
    container = RunningContainer(name, f"http://{LOCALHOST}:{port}")
    try:
        if wait_for is not None:
            try:
                wait_for_ping(f"{container.url}/ping", timeout=timeout, expect=wait_for)
            except TimeoutError as exc:
                raise RuntimeError(f"{exc}\n--- container log ---\n{container.logs()}") from None
            ports.release()  # it listens: the hold has done its job
        yield container
    finally:
        ports.release()
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
