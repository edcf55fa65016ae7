"""Bounded traffic to 127.0.0.1 for the fault and soak tests: N client threads, each a closed
loop (send, wait for the answer, send again), optionally paced to a total rate, until a deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests


@dataclass
class Outcome:
    started: float  # time.monotonic() when the request was sent
    seconds: float
    status: int  # 0: no HTTP answer (connection refused or reset)
    body: bytes = b""
    error: str = ""


@dataclass
class Traffic:
    outcomes: list[Outcome] = field(default_factory=list)
    hung: int = 0  # client threads still waiting on an answer after the deadline plus grace

    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts

    def latencies_ms(self) -> list[float]:
        return sorted(o.seconds * 1000 for o in self.outcomes)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_traffic(url: str, body: bytes, *, seconds: float, clients: int, rate: float | None = None,
                content_type: str = "text/csv", request_timeout: float = 10,
                during: Callable[[], None] | None = None) -> Traffic:
    """``clients`` loops POSTing ``body`` to ``url`` for ``seconds``; ``rate`` (requests/s in total)
    paces them, otherwise each sends as fast as answers come. ``during`` runs in the calling thread
    while the traffic flows (e.g. to kill something). A new connection per request, so a killed
    process can fail only the request it was answering, not a pooled connection's next one."""
    traffic = Traffic()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    interval = clients / rate if rate else 0.0

    def client(offset: float) -> None:
        next_send = time.monotonic() + offset
        while True:
            now = time.monotonic()
            if now >= stop_at:
                return
            if next_send > now:
                time.sleep(min(next_send - now, stop_at - now))
                continue
            next_send = max(next_send + interval, now) if interval else now
            started = time.monotonic()
            try:
                response = requests.post(url, data=body, headers={"Content-Type": content_type,
                                                                  "Connection": "close"}, timeout=request_timeout)
                outcome = Outcome(started, time.monotonic() - started, response.status_code, response.content)
            except requests.RequestException as exc:
                outcome = Outcome(started, time.monotonic() - started, 0, error=type(exc).__name__)
            with lock:
                traffic.outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(i * interval / clients,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    for thread in threads:
        thread.join(max(0.0, stop_at - time.monotonic()) + request_timeout + 5)
    traffic.hung = sum(thread.is_alive() for thread in threads)
    return traffic
