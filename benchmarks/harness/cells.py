"""One server under load: answers checked against the in-process model, then every cell measured."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from benchmarks.harness.inprocess import in_process_ms
from benchmarks.harness.load import run_wrk
from benchmarks.harness.models import Model, expected
from benchmarks.harness.procstats import PeakRss, busiest_share, cpu_by_process, cpu_seconds, rss_bytes
from benchmarks.harness.servers import Server


@dataclass(frozen=True)
class Protocol:
    rows: tuple[int, ...]
    concurrency: tuple[int, ...]
    warmup_s: float
    measure_s: float


def check_answers(server: Server, model: Model) -> None:
    """Refuse to time a server whose answers differ from the model's own (float32 trees: rtol 1e-5)."""
    for n in (1, 100):
        got, want = server.post(n), expected(model, n)
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            raise AssertionError(f"{server.name} answered {got.ravel()[:4]}… (shape {got.shape}) for {n} rows, "
                                 f"the model says {want.ravel()[:4]}… (shape {want.shape})")


def measure(server: Server, protocol: Protocol) -> list[dict[str, Any]]:
    cells = []
    idle_rss = rss_bytes(server.root_pid)
    for n in protocol.rows:
        body = server.body(n)
        url = server.url + server.path
        for connections in protocol.concurrency:
            run_wrk(url, body, server.headers, connections=connections, seconds=protocol.warmup_s)
            cpu_before, per_process_before = cpu_seconds(server.root_pid), cpu_by_process(server.root_pid)
            with PeakRss(server.root_pid) as rss:
                result = run_wrk(url, body, server.headers, connections=connections, seconds=protocol.measure_s)
            cpu = cpu_seconds(server.root_pid) - cpu_before
            share = busiest_share(per_process_before, cpu_by_process(server.root_pid))
            cell = {"rows": n, "concurrency": connections, **asdict(result), "req_per_s": result.per_second,
                    "rows_per_s": result.per_second * n, "rss_peak_mib": rss.peak / 2**20,
                    "rss_idle_mib": idle_rss / 2**20,
                    "cpu_ms_per_req": 1e3 * cpu / result.requests if result.requests else None,
                    "busiest_process_cpu_share": round(share, 3),
                    # other work on the machine moves req/s and p99 a lot; CPU per request far less
                    "load_avg_1m": round(os.getloadavg()[0], 1)}
            cells.append(cell)
            print(f"  {server.name:38} rows={n:<3} c={connections:<2} {result.per_second:8,.0f} req/s "
                  f"p50 {result.p50_ms:7.2f} p99 {result.p99_ms:7.2f} ms  err {result.errors}  "
                  f"rss {rss.peak / 2**20:6.0f} MiB  cpu {cell['cpu_ms_per_req'] or 0:.2f} ms/req  "
                  f"busiest {share:.0%}", flush=True)
        if server.container:
            add_overhead(cells, n, in_process_ms(server.container, body, server.headers["Content-Type"],
                                                 server.headers.get("Accept", "")))
    return cells


def add_overhead(cells: list[dict[str, Any]], rows: int, in_process: float) -> None:
    """Serving overhead of each cell of ``rows``: server CPU per request minus the in-process
    decode + predict + encode of the same body (issue 12's definition)."""
    for cell in cells:
        if cell["rows"] == rows:
            cell["in_process_ms"] = round(in_process, 4)
            if cell["cpu_ms_per_req"] is not None:
                cell["overhead_ms_per_req"] = round(cell["cpu_ms_per_req"] - in_process, 4)
    print(f"  in-process decode+predict+encode, {rows} rows: {in_process:.3f} ms", flush=True)
