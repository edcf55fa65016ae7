"""Start the real front door process in front of running containers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import LOCALHOST, free_port, wait_for_ping


@contextmanager
def frontdoor(hops: list[tuple[str, str]], log_dir: Path, *, timeout: float = 10,
              expect_ping: int | None = 200) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, "-m", "inference_pipeline.pipeline.frontdoor_server", "--port", str(port),
            "--host", LOCALHOST, "--timeout", str(timeout)]
    for name, url in hops:
        args += ["--hop", f"{name}={url}"]
    log_path = log_dir / f"frontdoor-{port}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{LOCALHOST}:{port}"
    try:
        if expect_ping is not None:
            wait_for_ping(f"{url}/ping", timeout=30, expect=expect_ping, alive=lambda: process.poll() is None)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
