"""Keep-alive HTTP to the pipeline's containers: one ``http.client`` connection per thread and host.

The front door calls 2–15 containers per request; opening a TCP connection (or building a
``requests`` session, ~10× slower per call) for each hop would cost more than the hop itself.
A connection the container closed while idle (its keep-alive timeout) is reopened once.
"""

from __future__ import annotations

import http.client
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
_STALE = (http.client.RemoteDisconnected, http.client.CannotSendRequest, http.client.BadStatusLine,
          BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class HopConnections:
    """Pooled connections, one per (thread, host:port): ``http.client`` objects are not thread-safe."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()

    def _pool(self) -> dict[tuple[str, int], http.client.HTTPConnection]:
        pool: dict[tuple[str, int], http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def request(self, method: str, url: str, path: str, body: bytes | None, headers: dict[str, str],
                *, timeout: float | None = None) -> HopResponse:
        parts = urlsplit(url)
        key = (parts.hostname or "127.0.0.1", parts.port or 80)
        pool = self._pool()
        for attempt in (0, 1):
            connection = pool.get(key)
            reused = connection is not None
            if connection is None:
                connection = pool[key] = http.client.HTTPConnection(key[0], key[1], timeout=timeout or self.timeout)
            elif timeout is not None:
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except TimeoutError:
                self._drop(key)
                raise HopTimeout() from None
            except _STALE as exc:
                self._drop(key)
                if reused and attempt == 0:
                    continue  # the container closed an idle keep-alive connection: once more, fresh
                raise HopUnreachable(type(exc).__name__) from None
            except OSError as exc:  # refused, unreachable, ...
                self._drop(key)
                raise HopUnreachable(type(exc).__name__) from None
            if answer.will_close:
                self._drop(key)
            return HopResponse(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _drop(self, key: tuple[str, int]) -> None:
        connection = self._pool().pop(key, None)
        if connection is not None:
            connection.close()

