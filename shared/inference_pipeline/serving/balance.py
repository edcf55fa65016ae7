"""Keep-alive connections spread over a container's workers.

Each granian worker listens on a socket of its own bound with SO_REUSEPORT (``ss -ltnp``: one
listener per worker pid), and the kernel places each new connection on one of them by a hash of
its addresses; keep-alive clients then stay where they landed. With 8 wrk clients of the
featurizer, one run gave both workers batches of 2.3-2.8 requests, another gave one worker batches
of 1.3-1.7 and the other 4.3 (an uneven split of the connections, inferred from the batches), and
with few clients one worker can hold every connection while the other idles. SageMaker's front
end and Batch Transform keep their connections open too.

Each worker publishes its load, requests in flight smoothed over its recent requests, in memory
every worker of the server shares. A worker whose load is well above the least loaded live
sibling's answers one request with ``Connection: close``: its client reconnects from a new
port, which the kernel may place on another worker. Over a few such moves the load
evens out. A worker closes at most one connection per ``COOLDOWN`` of its own requests, so a
container that is balanced, or whose load cannot be split any better, does not churn.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing
import os
import struct
from typing import Any

log = logging.getLogger(__name__)

_SLOT = struct.Struct("=qd")  # the worker's pid (0: free), its load


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid is someone else's now
        return False
    return True


class WorkerLoads:
    """A slot per worker, in anonymous shared memory made by the server process before it forks:
    every worker it forks, replacements included, sees the same slots."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, slots * _SLOT.size)
        # Taken only to claim a slot, never per request.
        self._lock: Any = multiprocessing.get_context("fork").Lock()

    def claim(self) -> int | None:
        """This process's slot: a free one, or one whose worker died (a replacement takes its
        place). None when every slot is held by a live worker."""
        pid = os.getpid()
        with self._lock:
            for slot in range(self.slots):
                owner, _ = _SLOT.unpack_from(self._memory, slot * _SLOT.size)
                if owner in (0, pid) or not _alive(owner):
                    _SLOT.pack_into(self._memory, slot * _SLOT.size, pid, 0.0)
                    return slot
        return None

    def publish(self, slot: int, load: float) -> None:
        # The worker alone writes its slot; a sibling reading it mid-write gets an advisory
        # number a request out of date at worst (an aligned 8-byte store).
        struct.pack_into("=d", self._memory, slot * _SLOT.size + 8, load)

    def least_other(self, slot: int) -> float | None:
        """The lowest load of the other live workers; None when there are none."""
        least: float | None = None
        for other in range(self.slots):
            if other == slot:
                continue
            owner, load = _SLOT.unpack_from(self._memory, other * _SLOT.size)
            if owner and _alive(owner) and (least is None or load < least):
                least = load
        return least


class ConnectionBalancer:
    """One worker's side: counts its load at each request and says when to close a connection."""

    #: The load is smoothed over about this many requests: long enough that a moment's
    #: difference between two balanced workers (a batch answered on one of them) does not count.
    SMOOTHING = 1 / 32
    #: Requests in flight above the least loaded sibling from which a connection moves: a move
    #: changes the difference by about 2 (one request off here, one there), so at 1 it could not
    #: make things better.
    GAP = 1.5
    #: This worker's requests between two closes: the loads settle on the move first.
    COOLDOWN = 256
    #: This worker's requests between two looks at its siblings while it is not too loaded.
    LOOK_EVERY = 32

    def __init__(self, loads: WorkerLoads, slot: int) -> None:
        self._loads = loads
        self._slot = slot
        self._load = 0.0
        self._until_look = self.LOOK_EVERY
        #: connections this worker asked its clients to close (for logs and tests)
        self.closed = 0

    def started(self, in_flight: int) -> None:
        """A request started; ``in_flight``: this worker's requests in flight, it included."""
        self._load += (in_flight - self._load) * self.SMOOTHING
        self._loads.publish(self._slot, self._load)

    def close_this_connection(self) -> bool:
        """Whether the response being sent should carry ``Connection: close``."""
        self._until_look -= 1
        if self._until_look > 0:
            return False
        least = self._loads.least_other(self._slot)
        if least is None or self._load - least < self.GAP:
            self._until_look = self.LOOK_EVERY
            return False
        self._until_look = self.COOLDOWN
        self.closed += 1
        log.debug("worker load %.2f, least loaded sibling %.2f: closing a connection (%d so far)",
                  self._load, least, self.closed)
        return True


#: Made by the server process before granian forks (``share_loads``); None with one worker.
_shared: WorkerLoads | None = None


def share_loads(workers: int) -> None:
    """In the server process, before the fork: the slots its workers will claim. Twice as many as
    workers, so replacements find a slot while a dying worker's is still held."""
    global _shared
    if workers < 2:
        return
    try:
        _shared = WorkerLoads(2 * workers)
    except OSError as exc:  # no shared memory for the claim's lock (no /dev/shm): unbalanced
        log.warning("worker load balancing is off: %s", exc)


def worker_balancer() -> ConnectionBalancer | None:
    """In a worker: its balancer, or None when the server shares no loads (one worker)."""
    if _shared is None:
        return None
    slot = _shared.claim()
    return ConnectionBalancer(_shared, slot) if slot is not None else None
