"""Keep-alive connections that all landed on one worker move until both workers serve.

One worker is stopped (SIGSTOP) while the clients connect, so the other accepts every
connection; it is then let go. Without serving.balance the stopped worker would get no request
for as long as the clients keep their connections."""

from __future__ import annotations

import http.client
import os
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

from tests.support.server import serve
from tests.support.sklearn_models import build_regressor

CLIENTS = 6
SECONDS = 8.0
BODY = b"0.5,1.5,2.5\n"


def _workers(server_pid: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = [p.pid for p in psutil.Process(server_pid).children()
                    if "inference_pipeline" in " ".join(p.cmdline())]
        if len(children) == 2:
            return children
        time.sleep(0.1)
    raise AssertionError("the server did not start 2 workers")


def _client(host: str, port: int, connected: threading.Barrier, stop: float, out: list[tuple[int, bool]]) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.connect()
    connected.wait()
    while time.monotonic() < stop:
        connection.request("POST", "/invocations", body=BODY, headers={"Content-Type": "text/csv"})
        response = connection.getresponse()
        response.read()
        closed = (response.getheader("Connection") or "").lower() == "close"
        out.append((response.status, closed))
        if closed:
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.close()


def _served_by_pid(log: str, pids: list[int]) -> Counter[int]:
    counts: Counter[int] = Counter()
    for match in re.finditer(r"\[(\d+)\] inference_pipeline\.access: .*\"path\":\"/invocations\"", log):
        counts[int(match.group(1))] += 1
    return Counter({pid: counts[pid] for pid in pids})


def test_connections_piled_on_one_worker_spread_to_the_other(tmp_path: Path) -> None:
    model_dir = build_regressor(tmp_path / "model")
    with serve("sklearn", model_dir, workers=2, tmp_path=tmp_path) as server:
        host, port = server.url.removeprefix("http://").split(":")
        stopped, busy = _workers(server.process.pid)
        connected = threading.Barrier(CLIENTS + 1)
        results: list[tuple[int, bool]] = []
        stop = time.monotonic() + SECONDS
        os.kill(stopped, signal.SIGSTOP)
        try:
            clients = [threading.Thread(target=_client, args=(host, int(port), connected, stop, results))
                       for _ in range(CLIENTS)]
            for client in clients:
                client.start()
            connected.wait(timeout=30)  # every connection accepted, by the running worker
            time.sleep(0.5)  # and its first requests answered there
        finally:
            os.kill(stopped, signal.SIGCONT)
        before = _served_by_pid(server.log(), [stopped, busy])
        for client in clients:
            client.join(timeout=SECONDS + 60)
        time.sleep(1)  # the access log is written off the request thread
        after = _served_by_pid(server.log(), [stopped, busy])

    assert before[stopped] == 0 and before[busy] > 0, before
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: len(results)}, statuses
    moved = sum(closed for _, closed in results)
    assert moved >= 1
    late = after - before
    share = late[stopped] / max(1, late[stopped] + late[busy])
    assert share >= 0.2, f"the worker the clients missed served {share:.0%} after it was let go ({late}, {moved} moves)"
    # Moves stop once the loads are even: a close per COOLDOWN (256) requests at most per worker.
    assert moved <= len(results) // 256 + 4
