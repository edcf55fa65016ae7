"""Keep-alive connections that all landed on one worker move until both workers serve.

The kernel places each new connection on a worker, and a keep-alive client stays where it
landed. The test opens 16 connections, finds each one's worker from the access log (the request
id names the connection), and keeps 6 that all landed on the same worker. Without serving.balance
the other worker would get no request for as long as the clients keep their connections.

It uses the featurizer, not a fast model. The featurizer's requests (~4 ms) pile up in the
worker, so its load is the 6 clients. A fast model answers each request before the Python
clients send the next one, so there would be no load to move."""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from pathlib import Path

from tests.support.server import serve
from tests.support.sklearn_models import abalone_frame, build_featurizer

OPENED = 16
CLIENTS = 6
SECONDS = 8.0
BODY = abalone_frame(rows=1, seed=5).to_csv(header=False, index=False).encode()
ACCESS = re.compile(r"\[(\d+)\] inference_pipeline\.access: .*\"path\":\"/invocations\".*\"request_id\":\"([^\"]+)\"")


def _post(connection: http.client.HTTPConnection, request_id: str) -> tuple[int, bool]:
    connection.request("POST", "/invocations", body=BODY,
                       headers={"Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": request_id})
    response = connection.getresponse()
    response.read()
    return response.status, (response.getheader("Connection") or "").lower() == "close"


def _workers_by_request(log: str) -> dict[str, int]:
    return {match.group(2): int(match.group(1)) for match in ACCESS.finditer(log)}


def _client(connection: http.client.HTTPConnection, index: int, stop: float, out: list[tuple[int, bool]]) -> None:
    host, port = connection.host, connection.port
    sent = 0
    while time.monotonic() < stop:
        sent += 1
        status, closed = _post(connection, f"client-{index}-{sent}")
        out.append((status, closed))
        if closed:
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.close()


def _drive_crowded_worker(tmp_path: Path, env: dict[str, str]) -> tuple[list[tuple[int, bool]], Counter[int], int]:
    """Keep CLIENTS connections that landed on one worker busy for SECONDS: every answer (status,
    closed), how many of the clients' requests each worker served, and the crowded worker."""
    model_dir = build_featurizer(tmp_path / "model")
    env = {"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py", **env}
    with serve("sklearn", model_dir, env=env, workers=2, tmp_path=tmp_path) as server:
        host, port = server.url.removeprefix("http://").split(":")
        opened = [http.client.HTTPConnection(host, int(port), timeout=30) for _ in range(OPENED)]
        for index, connection in enumerate(opened):
            assert _post(connection, f"placement-{index}") == (200, False)
        deadline = time.monotonic() + 10  # the access log is written off the request thread
        while len(placed := {k: v for k, v in _workers_by_request(server.log()).items()
                             if k.startswith("placement-")}) < OPENED and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(placed) == OPENED, placed
        on_worker = Counter(placed.values())
        assert len(on_worker) <= 2
        crowded = on_worker.most_common(1)[0][0]  # at least 8 of the 16 landed there
        kept = [c for i, c in enumerate(opened) if placed[f"placement-{i}"] == crowded][:CLIENTS]
        for connection in opened:
            if connection not in kept:
                connection.close()
        served_before = len(_workers_by_request(server.log()))

        results: list[tuple[int, bool]] = []
        stop = time.monotonic() + SECONDS
        clients = [threading.Thread(target=_client, args=(connection, index, stop, results))
                   for index, connection in enumerate(kept)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=SECONDS + 60)
        time.sleep(1)
        served = _workers_by_request(server.log())

    assert Counter(status for status, _ in results) == {200: len(results)}
    assert len(served) - served_before == len(results)
    late = Counter(worker for request, worker in served.items() if request.startswith("client-"))
    return results, late, crowded


def test_connections_piled_on_one_worker_spread_to_the_other(tmp_path: Path) -> None:
    results, late, crowded = _drive_crowded_worker(tmp_path, {})
    moved = sum(closed for _, closed in results)
    assert moved >= 1, "the crowded worker never let a connection go"
    share = 1 - late[crowded] / max(1, len(results))
    assert share >= 0.2, f"the other worker served {share:.0%} of the clients' requests ({late}, {moved} moves)"
    # Moves stop once the loads are even: a close per COOLDOWN (256) requests at most per worker.
    assert moved <= len(results) // 256 + 4


def test_balancing_turned_off_leaves_connections_where_they_landed(tmp_path: Path) -> None:
    results, late, crowded = _drive_crowded_worker(tmp_path, {"INFERENCE_PIPELINE_BALANCE_WORKERS": "false"})
    assert sum(closed for _, closed in results) == 0
    assert late == {crowded: len(results)}
