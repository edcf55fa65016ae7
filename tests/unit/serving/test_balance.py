"""serving.balance: worker loads shared across a fork, and when a worker lets a connection go."""

from __future__ import annotations

import asyncio
import os

import pytest

from inference_pipeline.serving.balance import ConnectionBalancer, WorkerLoads
from inference_pipeline.serving.rsgi import BodyPolicy, InlinePolicy, RSGIBridge
from tests.unit.serving.test_rsgi_dispatch import _App, _Protocol, _Scope


def _in_child(loads: WorkerLoads, load: float) -> tuple[int, int]:
    """Fork a process that claims a slot and publishes ``load``, and wait for it: (pid, its slot)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        slot = loads.claim()
        assert slot is not None
        loads.publish(slot, load)
        os.write(write, bytes([slot]))
        os._exit(0)
    os.close(write)
    slot = os.read(read, 1)[0]
    os.close(read)
    os.waitpid(pid, 0)
    return pid, slot


def test_loads_published_after_the_fork_are_seen_by_siblings_and_dead_workers_free_their_slot() -> None:
    loads = WorkerLoads(3)
    mine = loads.claim()
    assert mine is not None and loads.claim() == mine  # claiming again keeps the same slot
    loads.publish(mine, 5.0)
    assert loads.least_other(mine) is None  # no sibling yet
    _, child_slot = _in_child(loads, 1.5)
    assert child_slot != mine
    # The child has exited: its load no longer counts, and a replacement may take its slot.
    assert loads.least_other(mine) is None
    _, replacement_slot = _in_child(loads, 2.0)
    assert replacement_slot == child_slot


def test_a_live_siblings_load_is_read_through_the_shared_memory() -> None:
    loads = WorkerLoads(2)
    to_parent, from_child = os.pipe()
    to_child, from_parent = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child stays alive until the parent has read its load
        slot = loads.claim()
        assert slot is not None
        loads.publish(slot, 2.5)
        os.write(from_child, b"x")
        os.read(to_child, 1)
        os._exit(0)
    try:
        assert os.read(to_parent, 1) == b"x"
        mine = loads.claim()
        assert mine is not None
        assert loads.least_other(mine) == pytest.approx(2.5)
        assert loads.claim() == mine
    finally:
        os.write(from_parent, b"x")
        os.waitpid(pid, 0)
        for fd in (to_parent, from_child, to_child, from_parent):
            os.close(fd)


class _Sibling:
    """WorkerLoads with one live sibling of a given load (no fork needed)."""

    def __init__(self, load: float | None) -> None:
        self.load = load
        self.published: list[float] = []

    def publish(self, slot: int, load: float) -> None:
        self.published.append(load)

    def least_other(self, slot: int) -> float | None:
        return self.load


def _requests(balancer: ConnectionBalancer, in_flight: int, count: int) -> list[bool]:
    closes = []
    for _ in range(count):
        balancer.started(in_flight)
        closes.append(balancer.close_this_connection())
    return closes


def test_a_worker_far_above_its_idle_sibling_closes_one_connection_per_cooldown() -> None:
    balancer = ConnectionBalancer(_Sibling(0.0), 0)  # type: ignore[arg-type]
    closes = _requests(balancer, 4, 2000)
    assert 1 <= sum(closes) <= 2000 // ConnectionBalancer.COOLDOWN + 1
    closed_at = [i for i, closed in enumerate(closes) if closed]
    gaps = [later - earlier for earlier, later in zip(closed_at, closed_at[1:])]
    assert all(gap >= ConnectionBalancer.COOLDOWN for gap in gaps)


def test_balanced_workers_and_a_lone_worker_never_close() -> None:
    assert not any(_requests(ConnectionBalancer(_Sibling(4.0), 0), 4, 3000))  # type: ignore[arg-type]
    assert not any(_requests(ConnectionBalancer(_Sibling(3.0), 0), 4, 3000))  # type: ignore[arg-type]
    assert not any(_requests(ConnectionBalancer(_Sibling(None), 0), 8, 3000))  # type: ignore[arg-type]


def test_the_load_is_smoothed_so_one_burst_does_not_move_a_connection() -> None:
    balancer = ConnectionBalancer(_Sibling(1.0), 0)  # type: ignore[arg-type]
    assert not any(_requests(balancer, 1, 500))
    assert not any(_requests(balancer, 6, 3))  # a moment's pile-up
    assert not any(_requests(balancer, 1, 500))


def test_the_bridge_sends_connection_close_when_its_balancer_says_so_never_on_ping() -> None:
    class Always:
        def __init__(self) -> None:
            self.started_with: list[int] = []

        def started(self, in_flight: int) -> None:
            self.started_with.append(in_flight)

        def close_this_connection(self) -> bool:
            return True

    async def run() -> dict[str, list[tuple[str, str]]]:
        balancer = Always()
        bridge = RSGIBridge(_App(), BodyPolicy(max_bytes=1000, timeout_s=5), threads=1,
                            inline=InlinePolicy(always=frozenset({"/ping"})), balancer=balancer)  # type: ignore[arg-type]
        headers = {}
        try:
            for path in ("/invocations", "/ping"):
                protocol = _Protocol(b"{}")
                await bridge.__rsgi__(_Scope(path), protocol)
                assert protocol.response is not None and protocol.response[0] == 200
                headers[path] = protocol.response[1]
        finally:
            bridge.__rsgi_del__(None)
        assert balancer.started_with == [1]  # /ping is not load
        return headers

    headers = asyncio.run(run())
    assert ("Connection", "close") in headers["/invocations"]
    assert not any(name.lower() == "connection" for name, _ in headers["/ping"])
