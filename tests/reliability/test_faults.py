"""Faults under traffic (issue 13): a worker killed with SIGKILL, a pipeline container killed.

Each test runs seconds of bounded traffic to 127.0.0.1 and records what it saw for RELIABILITY.md.
The other faults of the issue are covered where they belong (see ``report.COVERED_ELSEWHERE``).
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import requests
import yaml

from inference_pipeline.pipeline.local import LocalPipeline
from inference_pipeline.spec.model import load_spec
from tests.reliability.load import run_traffic
from tests.reliability.results import record
from tests.support.net import wait_for_ping
from tests.support.server import serve
from tests.support.sklearn_models import build_regressor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"
CLIENTS = 4


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_sigkill_of_a_worker_under_load(tmp_path):
    """kill -9 one of two workers mid-traffic: nothing hangs, only requests at the moment of the
    kill may fail, and the server answers /ping and requests afterwards.

    At the moment of the kill a client may lose two requests: the one on its connection to the
    dying worker, and one on a new connection the kernel handed to that worker in the
    milliseconds before it was gone (seen once, in a full-suite run on the 2 busy cores)."""
    model = build_regressor(tmp_path / "model", n_features=3)
    with serve("sklearn", model, workers=2, tmp_path=tmp_path) as server:
        wait_for_ping(f"{server.url}/ping", timeout=10)
        deadline = time.monotonic() + 10
        while len(_children(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # serve() waited for the first worker's 200 only
        workers = _children(server.process.pid)
        assert len(workers) == 2, workers
        killed_at: list[float] = []

        def kill_one() -> None:
            time.sleep(1.0)
            killed_at.append(time.monotonic())
            os.kill(workers[0], signal.SIGKILL)

        traffic = run_traffic(f"{server.url}/invocations", b"1,2,3", seconds=4, clients=CLIENTS, during=kill_one)
        failed = [o for o in traffic.outcomes if o.status != 200]
        after_kill = [o for o in traffic.outcomes if o.started > killed_at[0] + 0.5]
        ping = wait_for_ping(f"{server.url}/ping", timeout=15)
        afterwards = [requests.post(f"{server.url}/invocations", data=b"1,2,3", headers={"Content-Type": "text/csv"},
                                    timeout=10).status_code for _ in range(20)]
        replaced = _children(server.process.pid)
        log = server.log()
    assert traffic.hung == 0, "a client thread was still waiting for an answer"
    at_kill = [o for o in failed if o.started <= killed_at[0] + 0.5]
    assert at_kill == failed, f"requests failed well after the kill: {failed[:5]}\n{log}"
    assert len(failed) <= 2 * CLIENTS, f"{len(failed)} failed (at most 2 per client may): {failed[:5]}\n{log}"
    assert all(o.status in (0, 500, 502, 503) for o in failed), failed
    assert after_kill and all(o.status == 200 for o in after_kill), "requests failed after the worker died"
    assert ping.status_code == 200 and set(afterwards) == {200}
    assert workers[0] not in replaced
    record("fault", "sigkill-worker", {
        "fault": "kill -9 one of 2 workers of `serve` (sklearn) under 4 closed-loop clients",
        "requests": len(traffic.outcomes), "failed": len(failed), "statuses": traffic.statuses(),
        "hung": traffic.hung, "after": "/ping 200, 20/20 requests 200, worker replaced"})


def _echo_pipeline(tmp_path: Path) -> Path:
    for name in ("first", "second"):
        code = tmp_path / name / "code"
        code.mkdir(parents=True)
        shutil.copy(FIXTURES / "echo_hop.py", code / "echo_hop.py")
    spec = {"name": "fault-pipeline", "containers": [
        {"name": name, "image": "repo:sklearn", "model": name,
         "environment": {"SAGEMAKER_PROGRAM": "echo_hop.py", "HOP_NAME": name, "HOP_OUTPUT_TYPE": "text/csv"}}
        for name in ("first", "second")]}
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_killed_container_mid_traffic_is_named_within_seconds(tmp_path):
    """The simulator (--no-docker) with the second container killed mid-traffic: every request is
    answered within seconds, those after the kill with 424/503 naming ``second``; /ping names it."""
    pipeline = LocalPipeline(load_spec(_echo_pipeline(tmp_path)), state_dir=tmp_path / "state", port=0,
                             docker=False)
    state = pipeline.up(timeout=120)
    try:
        killed_at: list[float] = []
        dead = threading.Event()

        def kill_second() -> None:
            time.sleep(1.0)
            killed_at.append(time.monotonic())
            os.killpg(state.process_pids["second"], signal.SIGKILL)
            dead.set()

        traffic = run_traffic(f"{state.url}/invocations", b"a", seconds=4, clients=CLIENTS, during=kill_second)
        ping = requests.get(f"{state.url}/ping", timeout=10)
    finally:
        pipeline.down()
    assert dead.is_set() and traffic.hung == 0
    slowest_outcome = max(traffic.outcomes, key=lambda o: o.seconds)
    slowest = slowest_outcome.seconds
    # Which request and what it got: this failed once in a full CI run and never alone.
    assert slowest < 10, (f"a request took {slowest:.1f} s, sent {slowest_outcome.started - killed_at[0]:+.3f} s "
                          f"from the kill: status {slowest_outcome.status} {slowest_outcome.error!r} "
                          f"{slowest_outcome.body[:200]!r}; all: {traffic.statuses()}")
    before = [o for o in traffic.outcomes if o.started + o.seconds < killed_at[0]]
    after = [o for o in traffic.outcomes if o.started > killed_at[0] + 0.5]
    assert before and all(o.status == 200 for o in before)
    assert after, "no traffic after the kill"
    for outcome in after:
        assert outcome.status in (424, 503), (outcome.status, outcome.body[:200])
        assert b'"second"' in outcome.body, outcome.body[:300]
    assert ping.status_code == 503 and "second" in ping.json()["Containers"]
    record("fault", "killed-container", {
        "fault": "kill -9 the 2nd of 2 containers of the local simulator (--no-docker) under 4 clients",
        "requests": len(traffic.outcomes), "statuses": traffic.statuses(), "hung": traffic.hung,
        "slowest_s": round(slowest, 3), "after": f"every request after the kill {sorted({o.status for o in after})}"
                                                 " naming `second`; /ping 503 naming it"})
