"""The HTTP layer under broken and hostile clients, over raw sockets against the real ``serve``."""

from __future__ import annotations

import os
import signal
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support.server import serve
from tests.support.sklearn_models import build_featurizer, build_regressor

HEAD = b"POST /invocations HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\nAccept: text/csv\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    model_dir = build_regressor(tmp_path_factory.mktemp("regressor") / "model")
    with serve("sklearn", model_dir, env={"INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS": "1",
                                          "INFERENCE_PIPELINE_WORKER_THREADS": "4"},
               tmp_path=tmp_path_factory.mktemp("logs")) as running:
        yield running


def address(server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def exchange(server, data: bytes, *, half_close: bool = False, timeout: float = 10) -> bytes:
    """Send ``data`` on a fresh connection and return everything up to the end of one response."""
    with socket.create_connection(address(server), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep:
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                if len(body) >= length:
                    return received


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def test_chunked_body_is_served(server):
    response = exchange(server, HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\n1,1,1\r\n0\r\n\r\n")
    assert status_of(response) == 200
    # The fitted coefficients' last bits depend on the machine's BLAS: 6.5000000000000036 on one,
    # 6.500000000000005 on another.
    assert abs(float(response.rsplit(b"\r\n\r\n", 1)[1]) - 6.5) < 1e-9


def test_chunk_size_that_is_not_hex_is_400_with_message(server):
    response = exchange(server, HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n1,1,1\r\n0\r\n\r\n")
    assert status_of(response) == 400
    assert b"chunk" in response.lower()


def test_body_shorter_than_content_length_is_400(server):
    response = exchange(server, HEAD + b"Content-Length: 100\r\n\r\n1,1,1", half_close=True)
    assert status_of(response) == 400
    assert b"ended after 5 of the 100 bytes" in response


def test_stalled_body_is_400_after_the_read_timeout(server):
    started = time.monotonic()
    response = exchange(server, HEAD + b"Content-Length: 100\r\n\r\n1,1,1")
    assert status_of(response) == 400 and b"INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS" in response
    assert time.monotonic() - started < 8


def test_ping_answers_while_64_connections_stall_mid_head(server):
    stalled = []
    try:
        for _ in range(64):
            sock = socket.create_connection(address(server), timeout=5)
            sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: test\r\nConte")
            stalled.append(sock)
        started = time.monotonic()
        ping = requests.get(f"{server.url}/ping", timeout=5)
        assert ping.status_code == 200 and time.monotonic() - started < 2
    finally:
        for sock in stalled:
            sock.close()


def worker_pids(server_pid: int) -> list[int]:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_killed_worker_is_replaced_without_503(tmp_path):
    model = build_featurizer(tmp_path / "model")
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}, workers=2,
               tmp_path=tmp_path) as running:
        time.sleep(0.5)  # both workers up: serve() only waited for the first 200
        before = worker_pids(running.process.pid)
        assert len(before) == 2
        os.kill(before[0], signal.SIGKILL)
        # Connections the killed worker held die with it (kill -9); count from its death on.
        while before[0] in worker_pids(running.process.pid):
            time.sleep(0.01)
        statuses: list[int] = []
        deadline = time.monotonic() + 6
        session = requests.Session()
        while time.monotonic() < deadline:
            statuses.append(requests.get(f"{running.url}/ping", timeout=5).status_code)
            statuses.append(session.get(f"{running.url}/ping", timeout=5).status_code)
        after = worker_pids(running.process.pid)
    assert set(statuses) == {200}, f"{statuses.count(503)} x 503 while the worker was replaced"
    assert len(after) == 2 and before[0] not in after


def test_sigterm_finishes_in_flight_requests_and_exits_0(tmp_path):
    model = build_featurizer(tmp_path / "model")
    (model / "code" / "slow.py").write_text(textwrap.dedent("""
        import time
        def model_fn(model_dir): return None
        def transform_fn(model, body, content_type, accept):
            time.sleep(1.5)
            return body, "text/csv"
    """))
    with serve("sklearn", model, env={"SAGEMAKER_PROGRAM": "slow.py"}, workers=1, tmp_path=tmp_path) as running:
        results: list[int] = []

        def call(index: int) -> None:
            response = requests.post(f"{running.url}/invocations", data=f"{index}",
                                     headers={"Content-Type": "text/csv"}, timeout=20)
            results.append(response.status_code if response.text == str(index) else -1)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        os.killpg(running.process.pid, signal.SIGTERM)
        for thread in threads:
            thread.join(25)
        code = running.process.wait(30)
    assert results == [200, 200, 200]
    assert code == 0 and time.monotonic() - started < 30
