"""Why a chain of containers is slower than the sum of the containers called back to back.

One keep-alive client calls one server at a time and sleeps ``gap`` ms between its requests, as a
container in a 3-container pipeline sits idle while the other two work. Three servers, the same
client, the same 1-row xgboost CSV body, alternating rounds (medians over the rounds):

* a raw socket server (one blocking Python thread, a fixed answer): what the machine charges for
  waking two idle processes per request, with no HTTP server in the way;
* a bare granian RSGI app (the fixed answer, on rloop): the HTTP server our images run on;
* our xgboost image serving the bench's 100-tree model;
* the same image's runtime with no HTTP at all: ``runtime.invoke`` on the same body in a loop with
  the same sleeps, inside a container of the image (what the model itself pays for running cold).

If the latency at a 5 ms gap exceeds the back-to-back latency even for the raw socket server, the
difference is the cost of waking idle threads on this machine, not anything a server can skip.

    .venv/bin/python benchmarks/bench_idle_gap.py [--requests 600] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _bench_support import connect, post  # noqa: E402

from benchmarks.harness import inprocess, models, servers  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "idle_gap.md"
GAPS_MS = (0.0, 0.5, 2.0, 5.0)
LOCALHOST = "127.0.0.1"
IMAGE = "inference-pipeline/xgboost:latest"

RAW_SERVER = r"""
import socket, sys
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen()
answer = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/csv\r\n\r\n1.0\n"
while True:
    connection, _ = listener.accept()
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = b""
    while data := connection.recv(65536):
        pending += data
        while b"\r\n\r\n" in pending:
            head, _, rest = pending.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if len(rest) < length:
                break
            pending = rest[length:]
            connection.sendall(answer)
"""

# Runs in a container of the image; argv: gaps in ms (JSON), calls per gap; the body on stdin.
IN_PROCESS = r"""
import json, statistics, sys, time
body, content_type, accept = sys.stdin.buffer.read(), "text/csv", "text/csv"
""" + inprocess.RUNTIME_SETUP + r"""
for _ in range(50):
    once()
p50s = {}
for gap in json.loads(sys.argv[1]):
    measured = []
    for _ in range(int(sys.argv[2])):
        if gap:
            time.sleep(gap / 1000)
        started = time.perf_counter()
        once()
        measured.append((time.perf_counter() - started) * 1000)
    p50s[str(gap)] = statistics.median(measured)
print(json.dumps(p50s))
"""

BARE_RSGI_APP = """
class App:
    async def __rsgi__(self, scope, protocol):
        await protocol()
        protocol.response_bytes(200, [("content-type", "text/csv")], b"1.0\\n")

app = App()
"""


@contextmanager
def script_server(work: Path, name: str, source: str, command: Callable[[int], list[str]]) -> Iterator[tuple[str, int]]:
    """``source`` written to ``work/name`` and started (in ``work``) by ``command(port)``: its URL and
    pid while it runs. Each server here answers any path, the readiness probe's GET /ping too."""
    port = servers.kernel_port()
    (work / name).write_text(source)
    with servers.host_process(command(port), {}, "/ping", port, work, work / f"{name}.log") as (proc, _):
        yield f"http://{LOCALHOST}:{port}", proc.pid


def raw_socket(work: Path) -> AbstractContextManager[tuple[str, int]]:
    return script_server(work, "raw_server.py", RAW_SERVER, lambda port: [sys.executable, "raw_server.py", str(port)])


def bare_granian(work: Path) -> AbstractContextManager[tuple[str, int]]:
    return script_server(work, "bare_app.py", BARE_RSGI_APP, lambda port: [
        sys.executable, "-m", "granian", "--interface", "rsgi", "--host", LOCALHOST, "--port", str(port),
        "--workers", "1", "--loop", "rloop", "bare_app:app"])


@contextmanager
def xgboost_image(model: models.Model) -> Iterator[tuple[str, int]]:
    with servers.ours(IMAGE, model) as server:
        yield server.url, server.root_pid


def in_process_p50s(model: models.Model, body: bytes, count: int) -> dict[float, float]:
    result = subprocess.run(["docker", "run", "--rm", "-i", "--network=host", "-v",
                             f"{model.directory.resolve()}:/opt/ml/model:ro", "--entrypoint", "python3", IMAGE,
                             "-c", IN_PROCESS, json.dumps(GAPS_MS), str(count)],
                            input=body, capture_output=True, timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"in-process probe failed: {result.stderr.decode()[-800:]}")
    return {float(gap): p50 for gap, p50 in json.loads(result.stdout.decode().strip().splitlines()[-1]).items()}


def http_p50s(url: str, body: bytes, count: int) -> dict[float, float]:
    return {gap: statistics.median(latencies_ms(url, body, gap, count)) for gap in GAPS_MS}


def latencies_ms(url: str, body: bytes, gap_ms: float, count: int) -> list[float]:
    connection = connect(url)
    headers = {"Content-Type": "text/csv"}
    for _ in range(50):
        post(connection, "/invocations", body, headers)
    measured = []
    for _ in range(count):
        if gap_ms:
            time.sleep(gap_ms / 1000)
        started = time.perf_counter()
        post(connection, "/invocations", body, headers)
        measured.append((time.perf_counter() - started) * 1000)
    connection.close()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=600, help="requests per gap per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = models.build(work / "models")["xgboost"]
        body = model.rows_csv(1)
        servers_to_call: dict[str, Callable[[], AbstractContextManager[tuple[str, int]]]] = {
            "raw socket server (one Python thread)": lambda: raw_socket(work),
            "bare granian RSGI app (rloop)": lambda: bare_granian(work),
            "our xgboost image (100 trees)": lambda: xgboost_image(model),
        }
        p50s: dict[tuple[str, float], list[float]] = {}
        for _ in range(args.rounds):
            rounds: dict[str, dict[float, float]] = {}
            for name, start in servers_to_call.items():
                with start() as (url, _pid):
                    rounds[name] = http_p50s(url, body, args.requests)
            rounds["the image's runtime.invoke, no HTTP (same model, same body)"] = in_process_p50s(
                model, body, args.requests)
            for name, by_gap in rounds.items():
                for gap, p50 in by_gap.items():
                    p50s.setdefault((name, gap), []).append(p50)
        write_report(p50s, args)


def write_report(p50s: dict[tuple[str, float], list[float]], args: argparse.Namespace) -> None:
    names = list(dict.fromkeys(name for name, _ in p50s))
    header = "| server | " + " | ".join(f"gap {gap:g} ms" for gap in GAPS_MS) + " | added at 5 ms |"
    lines = [header, "|---|" + "---:|" * (len(GAPS_MS) + 1)]
    for name in names:
        medians = [statistics.median(p50s[(name, gap)]) for gap in GAPS_MS]
        lines.append(f"| {name} | " + " | ".join(f"{value:.3f}" for value in medians)
                     + f" | **+{medians[-1] - medians[0]:.3f}** |")
    text = f"""# Idle gaps: what waking an idle server costs on this machine

`python benchmarks/bench_idle_gap.py --requests {args.requests} --rounds {args.rounds}`: one keep-alive
client, 1-row xgboost CSV body, sleeping the gap between requests; p50 latency in ms (median over
{args.rounds} alternating rounds); 2 shared cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.

{chr(10).join(lines)}

A container inside a pipeline called at one client is idle while the other containers work, so
each of its requests pays the "added" column; `frontdoor.md`'s plain chain (no front door) is
slower than the sum of the containers called back to back by about that much per container.
The raw socket server and the bare granian app run on the benchmark's own interpreter; the
image and its runtime on the image's.
"""
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
