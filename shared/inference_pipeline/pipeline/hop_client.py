"""Keep-alive HTTP/1.1 to the pipeline's containers: one connection per thread and container.

The front door calls 2–15 containers per request, so each call must cost little more than the
container's own work:

* connections are kept alive, one per (thread, host:port) — no per-request connect or session;
* a request goes out in **one** ``sendall`` (head and body together). ``http.client`` sends them
  in two, and on a busy machine each send that wakes the container costs a scheduler round trip:
  profiling showed ``sendall`` as 70 % of the front door's time with two sends per call;
* the answer is parsed by ``http.client.HTTPResponse`` (status line, headers, Content-Length or
  chunked body), so framing stays correct without a hand-written parser.

A connection the container closed while idle (its keep-alive timeout) is reopened once.
"""

from __future__ import annotations

import http.client
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit


class HopUnreachable(Exception):
    """Nothing answered at the container's address (refused, reset, or closed mid-answer)."""


class HopTimeout(Exception):
    """The container did not answer in time."""


@dataclass(frozen=True)
class HopResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


# Errors that mean "this kept-alive connection is dead", worth one retry on a fresh one.
_STALE = (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, ConnectionResetError,
          ConnectionAbortedError)


def _clean(value: str) -> str:
    # Header values come from WSGI (no CR/LF possible) or from container answers; never let one
    # split the request head.
    return value.replace("\r", " ").replace("\n", " ")


class _Connection:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host_header = f"{host}:{port}"
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def exchange(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
                 timeout: float) -> tuple[HopResponse, bool]:
        self.sock.settimeout(timeout)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}"]
        if body is not None or method == "POST":
            lines.append(f"Content-Length: {len(body or b'')}")
        lines += [f"{name}: {_clean(value)}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        answer = http.client.HTTPResponse(self.sock, method=method)
        try:
            answer.begin()
            data = answer.read()
        finally:
            answer.close()  # closes the file wrapper only; the socket stays ours
        headers_out = {k.lower(): v for k, v in answer.getheaders()}
        return HopResponse(answer.status, headers_out, data), bool(answer.will_close)

    def close(self) -> None:
        self.sock.close()


class HopConnections:
    """Pooled connections, one per (thread, host:port): a connection serves one request at a time."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()

    def _pool(self) -> dict[tuple[str, int], _Connection]:
        pool: dict[tuple[str, int], _Connection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def request(self, method: str, url: str, path: str, body: bytes | None, headers: dict[str, str],
                *, timeout: float | None = None) -> HopResponse:
        parts = urlsplit(url)
        key = (parts.hostname or "127.0.0.1", parts.port or 80)
        wait = timeout or self.timeout
        pool = self._pool()
        for attempt in (0, 1):
            connection = pool.get(key)
            reused = connection is not None
            try:
                if connection is None:
                    connection = pool[key] = _Connection(key[0], key[1], wait)
                answer, will_close = connection.exchange(method, path, body, headers, wait)
            except TimeoutError:
                self._drop(key)
                raise HopTimeout() from None
            except _STALE as exc:
                self._drop(key)
                if reused and attempt == 0:
                    continue  # the container closed an idle keep-alive connection: once more, fresh
                raise HopUnreachable(type(exc).__name__) from None
            except (OSError, http.client.HTTPException) as exc:  # refused, unreachable, bad framing
                self._drop(key)
                raise HopUnreachable(type(exc).__name__) from None
            if will_close:
                self._drop(key)
            return answer
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _drop(self, key: tuple[str, int]) -> None:
        connection = self._pool().pop(key, None)
        if connection is not None:
            connection.close()
