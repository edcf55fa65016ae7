"""Slow and stalled clients (issue 13): they must not make ``/ping`` unanswerable.

64 connections send a request head and 10 of the 1000 bytes their Content-Length announces,
then go silent. ``/ping`` must still answer 200 within 2 s, and every stalled connection must
get a 400/408 and be closed (or just be closed) within a bounded time after the read timeout,
for a model container (``serve``) and the local pipeline's front door alike.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import requests

from tests.support.frontdoor import frontdoor
from tests.support.server import serve
from tests.support.sklearn_models import build_regressor

STALLED = 64
READ_TIMEOUT_S = 3.0
#: How long after the read timeout a stalled connection may still be open (scheduling on a loaded
#: 2-core machine, plus the 400's write).
SLACK_S = 4.0
HEAD = (b"POST /invocations HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\n"
        b"Content-Length: 1000\r\n\r\n")


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model_dir = build_regressor(tmp_path_factory.mktemp("slow") / "model")
    # The default thread count (32 per worker): 64 stalled clients are twice what the worker has.
    with serve("sklearn", model_dir, env={"INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_S)},
               tmp_path=tmp_path_factory.mktemp("logs")) as running:
        yield running.url


@pytest.fixture(scope="module")
def front_door(container: str, tmp_path_factory: pytest.TempPathFactory,
               monkeypatch_module: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch_module.setenv("INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS", str(READ_TIMEOUT_S))
    with frontdoor([("model", container)], tmp_path_factory.mktemp("frontdoor")) as url:
        yield url


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _stall(url: str, count: int, data: bytes) -> list[socket.socket]:
    parsed = urlparse(url)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((parsed.hostname, parsed.port), timeout=5)
        sock.sendall(data)
        sockets.append(sock)
    return sockets


def _outcomes(sockets: list[socket.socket], deadline: float) -> dict[str, int]:
    """Wait until each stalled connection is answered or closed; what each got, by kind."""
    selector = selectors.DefaultSelector()
    received: dict[socket.socket, bytes] = {}
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        received[sock] = b""
    outcome: dict[str, int] = {}
    while received and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, BlockingIOError):
                chunk = b""
            if chunk:
                received[sock] += chunk
                continue
            data = received.pop(sock)
            kind = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "closed"
            outcome[kind] = outcome.get(kind, 0) + 1
            selector.unregister(sock)
    for data in received.values():
        kind = ("answered " + data.split(b" ", 2)[1].decode() + ", still open") if data.startswith(b"HTTP/") \
            else "still open"
        outcome[kind] = outcome.get(kind, 0) + 1
    selector.close()
    return outcome


def _ping_while_stalled(url: str, data: bytes) -> tuple[float, dict[str, int]]:
    stalled = _stall(url, STALLED, data)
    try:
        started = time.monotonic()
        ping = requests.get(f"{url}/ping", timeout=10)
        elapsed = time.monotonic() - started
        assert ping.status_code == 200, ping.text
        outcome = _outcomes(stalled, started + READ_TIMEOUT_S + SLACK_S)
    finally:
        for sock in stalled:
            sock.close()
    return elapsed, outcome


@pytest.mark.parametrize("where", ["container", "front_door"])
@pytest.mark.parametrize("stall", ["mid-body", "mid-head"])
def test_ping_answers_while_64_connections_stall(where: str, stall: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(where)
    data = HEAD + b"1,2,3,4,5," if stall == "mid-body" else HEAD[:40]
    elapsed, outcome = _ping_while_stalled(url, data)
    assert elapsed < 2.0, f"/ping took {elapsed:.2f} s with {STALLED} connections stalled {stall}"
    assert set(outcome) <= {"400", "408", "closed"}, (
        f"stalled connections after {READ_TIMEOUT_S + SLACK_S:g} s: {outcome}")
    # The server is still healthy and serving once the stalled clients are gone.
    assert requests.post(f"{url}/invocations", data=b"1,2,3", headers={"Content-Type": "text/csv"},
                         timeout=10).status_code == 200
