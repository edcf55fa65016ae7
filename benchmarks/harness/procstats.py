"""Memory and CPU of a server's whole process tree (a master and its workers, or a container's tree)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil


def tree(root_pid: int) -> list[psutil.Process]:
    root = psutil.Process(root_pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of every live process in the tree (workers restarted mid-run are lost)."""
    total = 0.0
    for proc in tree(root_pid):
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def rss_bytes(root_pid: int) -> int:
    total = 0
    for proc in tree(root_pid):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


@dataclass
class PeakRss:
    """Samples the tree's summed RSS every ``interval`` seconds while the block runs; keeps the peak."""

    root_pid: int
    interval: float = 0.25
    peak: int = 0

    def __enter__(self) -> PeakRss:
        self._stop = threading.Event()
        self.peak = rss_bytes(self.root_pid)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.peak = max(self.peak, rss_bytes(self.root_pid))
            except psutil.NoSuchProcess:
                return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_by_process(root_pid: int) -> dict[int, float]:
    """CPU seconds per live process of the tree, to see how the work spread over workers."""
    out: dict[int, float] = {}
    for proc in tree(root_pid):
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return out


def busiest_share(before: dict[int, float], after: dict[int, float]) -> float:
    """The largest share of the tree's CPU delta one process took (1.0: one process did everything)."""
    deltas = [after[pid] - before.get(pid, 0.0) for pid in after]
    total = sum(d for d in deltas if d > 0)
    return max(deltas) / total if total > 0 else 0.0
