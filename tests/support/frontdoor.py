"""Start the real front door process in front of running containers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from inference_pipeline.pipeline.ports import PortBook
from tests.support.net import LOCALHOST, wait_for_ping


@contextmanager
def frontdoor(hops: list[tuple[str, str]] | None, log_dir: Path, *, timeout: float = 10,
              expect_ping: int = 200, endpoint_name: str | None = None,
              config: dict[str, Any] | None = None, mode: str = "Serial") -> Iterator[str]:
    """``hops`` in order (one variant, one instance), or a full ``config`` (see frontdoor_server)."""
    ports = PortBook()  # held until the front door listens on it: no port race
    port = ports.hold_any()
    args = [sys.executable, "-m", "inference_pipeline.pipeline.frontdoor_server", "--host", LOCALHOST,
            "--port", str(port), "--timeout", str(timeout)]
    if config is not None:
        config_path = log_dir / f"frontdoor-{port}.json"
        config_path.write_text(json.dumps(config))
        args += ["--config", str(config_path)]
    else:
        args += ["--mode", mode] + (["--endpoint-name", endpoint_name] if endpoint_name else [])
        for name, url in hops or []:
            args += ["--hop", f"{name}={url}"]
    log_path = log_dir / f"frontdoor-{port}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(args, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{LOCALHOST}:{port}"
    try:
        try:
            wait_for_ping(f"{url}/ping", timeout=30, expect=expect_ping, alive=lambda: process.poll() is None)
        finally:
            ports.release()
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
