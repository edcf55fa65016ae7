"""Shared by the front door benchmarks: start a spec locally, time requests over keep-alive HTTP."""

from __future__ import annotations

import http.client
import os
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from inference_pipeline.pipeline.local import LocalPipeline, SimulatorError, SimulatorState
from inference_pipeline.pipeline.ports import PortBook
from inference_pipeline.spec.model import PipelineSpec


@dataclass(frozen=True)
class Timing:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


@contextmanager
def running(spec: PipelineSpec, state_dir: Path) -> Iterator[SimulatorState]:
    """``spec`` up with --no-docker on a free port (retried if another process takes it first)."""
    for _ in range(5):
        book = PortBook()
        port = book.hold_any()
        book.release(port)  # up() binds it again at once; if someone else won the race, try another
        pipeline = LocalPipeline(spec, state_dir=state_dir / str(port), port=port, docker=False)
        try:
            state = pipeline.up(timeout=180)
        except SimulatorError as exc:
            if "already in use" in str(exc):
                continue
            raise
        try:
            yield state
        finally:
            pipeline.down()
        return
    raise SimulatorError("no free port after 5 tries")


def connect(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def post(connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]) -> None:
    """One POST on a kept-alive connection; anything but 200 stops the benchmark."""
    connection.request("POST", path, body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    if answer.status != 200:
        raise RuntimeError(f"{connection.host}:{connection.port}{path} answered {answer.status}")


def timing(latencies: list[float], seconds: float) -> Timing:
    latencies.sort()
    return Timing(len(latencies), seconds, statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1])


def time_requests(url: str, path: str, body: bytes, headers: dict[str, str], *, count: int,
                  concurrency: int = 1, warmup: int = 20) -> Timing:
    """``count`` POSTs split over ``concurrency`` threads, each on its own kept-alive connection."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        connection = connect(url)
        mine = []
        for index in range(n + warmup):
            started = time.perf_counter()
            post(connection, path, body, headers)
            if index >= warmup:
                mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(count // concurrency,)) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timing(latencies, time.perf_counter() - started)


def tree_cpu_seconds(root: int) -> float:
    """User+system CPU of ``root`` and its descendants (from /proc): the cost least disturbed by
    other load on the machine, unlike wall-clock latency."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total
