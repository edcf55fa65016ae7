"""Loopback-only networking helpers for tests (never the docker bridge)."""

from __future__ import annotations

import socket
import time

import requests

LOCALHOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def wait_for_ping(url: str, timeout: float = 60.0, expect: int = 200, alive=None) -> requests.Response:
    """Poll ``url`` until it answers ``expect``; ``alive()`` returning False aborts early."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"server exited before {url} answered {expect} (last: {last})")
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == expect:
                return response
            last = f"{response.status_code} {response.text.strip()[:200]}"
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {expect} within {timeout}s (last: {last})")
