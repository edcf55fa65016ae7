"""Load from wrk (a C client in its own process, so the client is not the bottleneck), one POST body.

A Lua script sets method, body and headers and prints wrk's summary as one JSON line at the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = """
wrk.method = "POST"
local file = io.open("%(body)s", "rb")
wrk.body = file:read("*a")
file:close()
%(headers)s
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "errors": {"connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d}, "p50_us": %%.1f, "p90_us": %%.1f, "p99_us": %%.1f, ' ..
    '"max_us": %%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return path


def run_wrk(url: str, body: bytes, headers: dict[str, str], *, connections: int, seconds: float) -> LoadResult:
    """``connections`` keep-alive connections for ``seconds`` on one wrk thread (the server gets the cores)."""
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "body"
        body_file.write_bytes(body)
        header_lines = "\n".join(f'wrk.headers["{key}"] = "{value}"' for key, value in headers.items())
        script = Path(tmp) / "post.lua"
        script.write_text(LUA % {"body": body_file, "headers": header_lines})
        proc = subprocess.run([wrk_path(), "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                               "--timeout", "10s", "-s", str(script), url],
                              capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result (exit {proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-500:]}")
    raw = json.loads(line.removeprefix("RESULT "))
    return LoadResult(requests=raw["requests"], seconds=raw["duration_us"] / 1e6, errors=sum(raw["errors"].values()),
                      p50_ms=raw["p50_us"] / 1e3, p90_ms=raw["p90_us"] / 1e3, p99_ms=raw["p99_us"] / 1e3)
