"""Loopback-only networking helpers for tests (never the docker bridge)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from inference_pipeline.pipeline.ports import PortBook

LOCALHOST = "127.0.0.1"


@contextmanager
def held_ports(count: int = 1) -> Iterator[list[int]]:
    """``count`` loopback ports, held for the block's duration (PortBook: bound with SO_REUSEADDR,
    never listening). The server the test starts on one binds over the hold; nobody else can take
    it in between, as with a port found free and handed over unheld (a test failed that way)."""
    book = PortBook()
    try:
        yield [book.hold_any() for _ in range(count)]
    finally:
        book.release()


@contextmanager
def held_port() -> Iterator[int]:
    with held_ports(1) as ports:
        yield ports[0]


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
