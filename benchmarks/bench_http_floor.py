"""The floor under the serving overhead target: what an HTTP server costs with no app at all.

Issue 12 asks for at most 0.15 ms of server CPU per request beyond the model's own work. Two
servers answer a fixed 4-byte body to the same wrk load (keep-alive, 1-row CSV POSTs, one
process each, on this benchmark's interpreter), alternating rounds, CPU per request of the
server process from /proc:

* a bare granian RSGI app on rloop (what our images run on, minus our bridge and app);
* a bare asyncio ``Protocol`` server parsing with httptools (the parser the front door's hop
  client already uses).

    .venv/bin/python benchmarks/bench_http_floor.py [--seconds 6] [--rounds 3] [--connections 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _bench_support import tree_cpu_seconds  # noqa: E402

from benchmarks.bench_idle_gap import bare_granian, script_server  # noqa: E402
from benchmarks.harness import load, models  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "http_floor.md"

ASYNCIO_HTTPTOOLS = r"""
import asyncio, sys
import httptools

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 4\r\n\r\n1.0\n"

class Connection(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)

    def data_received(self, data):
        self.parser.feed_data(data)

    def on_message_complete(self):
        self.transport.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Connection, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()

asyncio.run(main())
"""


def asyncio_app(work: Path) -> AbstractContextManager[tuple[str, int]]:
    return script_server(work, "asyncio_server.py", ASYNCIO_HTTPTOOLS,
                         lambda port: [sys.executable, "asyncio_server.py", str(port)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    subjects = {"bare granian RSGI app (rloop)": bare_granian, "bare asyncio Protocol + httptools": asyncio_app}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in subjects}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        body = models.Model("xgboost", work, "", "xgboost").rows_csv(1)
        headers = {"Content-Type": "text/csv"}
        for _ in range(args.rounds):
            for name, start in subjects.items():
                with start(work) as (url, pid):
                    load.run_wrk(url + "/invocations", body, headers, connections=args.connections, seconds=1)
                    before = tree_cpu_seconds(pid)
                    run = load.run_wrk(url + "/invocations", body, headers, connections=args.connections,
                                       seconds=args.seconds)
                    cpu_ms = (tree_cpu_seconds(pid) - before) * 1000 / max(run.requests, 1)
                    results[name].append((run.per_second, cpu_ms))
    lines = ["| server | req/s (median) | CPU ms per request (median; rounds) |", "|---|---:|---:|"]
    for name, rows in results.items():
        rates, cpus = [rate for rate, _ in rows], [cpu for _, cpu in rows]
        lines.append(f"| {name} | {statistics.median(rates):,.0f} | **{statistics.median(cpus):.3f}** "
                     f"({', '.join(f'{cpu:.3f}' for cpu in cpus)}) |")
    text = f"""# The HTTP floor: a server with no app

`python benchmarks/bench_http_floor.py --seconds {args.seconds:g} --rounds {args.rounds} --connections {args.connections}`:
wrk, {args.connections} keep-alive connections, 1-row CSV POSTs, a fixed 4-byte answer, one server
process each on the benchmark's interpreter; CPU per request of the server process from /proc; 2
shared cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.

{chr(10).join(lines)}

The serving overhead target (<= 0.15 ms of CPU per request beyond decode + predict + encode)
sits above both floors: what our images spend beyond the model is our bridge and app on top of
granian, not the HTTP server itself (serving.md's overhead table).
"""
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
