"""Start the real ``serve`` entrypoint (granian) as a subprocess on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from inference_pipeline.pipeline.ports import PortBook
from tests.support.net import LOCALHOST, wait_for_ping


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serve(runtime: str, model_dir: Path, *, env: dict[str, str] | None = None, workers: int = 1,
          wait_for: int | None = 200, tmp_path: Path | None = None, timeout: float = 60,
          port: int | None = None) -> Iterator[RunningServer]:
    """Run ``python -m inference_pipeline.runtimes.serve serve`` until the block ends."""
    # Held until the server answers: a port found free and bound later can be taken in between
    # (a test failed that way under load); granian binds it with SO_REUSEADDR over our hold.
    ports = PortBook()
    port = port or ports.hold_any()
    log_dir = tmp_path or Path(os.environ.get("TMPDIR", "/tmp"))
    log_path = log_dir / f"serve-{runtime}-{port}.log"
    full_env = {
        **os.environ,
        "SAGEMAKER_BIND_TO_PORT": str(port),
        "INFERENCE_PIPELINE_BIND_HOST": LOCALHOST,
        "SAGEMAKER_MODEL_SERVER_WORKERS": str(workers),
        "SM_MODEL_DIR": str(model_dir),
        **(env or {}),
    }
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "inference_pipeline.runtimes.serve", "serve", "--runtime", runtime],
            env=full_env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = RunningServer(f"http://{LOCALHOST}:{port}", process, log_path)
    try:
        if wait_for is not None:
            try:
                wait_for_ping(f"{server.url}/ping", timeout=timeout, expect=wait_for,
                              alive=lambda: process.poll() is None)
            except (TimeoutError, RuntimeError) as exc:
                raise RuntimeError(f"{exc}\n--- server log ---\n{server.log()}") from None
            ports.release()  # it listens: the hold has done its job
        yield server
    finally:
        ports.release()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
