"""Keep-alive HTTP/1.1 to the pipeline's containers, on the front door's event loop.

The front door calls 2–15 containers per request, so each call must cost little more than the
container's own work:

* calls run on the event loop that received the request: no hand-off to a thread and back per
  request, and no threads taking turns at the GIL with the loop;
* connections are kept alive per container and reused most-recent first, so at low concurrency
  a request goes out on the connection (and reaches the container worker) that served the last;
* a request goes out in **one** write (head and body together): on a busy machine each write that
  wakes the container costs a scheduler round trip;
* answers are parsed by httptools (llhttp, the parser of Node.js and uvicorn), in C: status,
  headers, and Content-Length, chunked or close-delimited bodies. ``http.client``'s header parser
  (the ``email`` package) cost ~60 µs per answer, 4 µs here (measured on this machine).

A connection the container closed while idle (its keep-alive timeout) is replaced once; one
lost before its request was written (a container killed as the front door connected) fails at
once, never waiting for the timeout.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools


class HopUnreachable(Exception):
    """Nothing answered at the container's address (refused, reset, or closed mid-answer)."""


class HopTimeout(Exception):
    """The container did not answer in time."""


class _Closed(HopUnreachable):
    """The connection closed before the answer ended; ``answered``: some of it had arrived."""

    def __init__(self, why: str, answered: bool) -> None:
        super().__init__(why)
        self.answered = answered


@dataclass(frozen=True)
class HopResponse:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header's values joined with ", "
    body: bytes


def _clean(value: str) -> str:
    # Header values come from the client's request or from container answers; never let one
    # split the request head.
    return value.replace("\r", " ").replace("\n", " ")


def request_bytes(method: str, path: str, host: str, body: bytes | None, headers: dict[str, str]) -> bytes:
    """The whole request, head and body, as it goes on the wire."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if body is not None or method == "POST":
        lines.append(f"Content-Length: {len(body or b'')}")
    lines += [f"{name}: {_clean(value)}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class _HopConnection(asyncio.Protocol):
    """One kept-alive connection to a container: one exchange at a time, parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._headers: dict[str, str] = {}
        self._chunks: list[bytes] = []
        self._headers_done = False
        self._answered = False
        self._complete = False
        self._keep_alive = False

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # duck-typed: a loop's own transports (rloop's) need not subclass asyncio.Transport
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._parser is None or self._complete:
            self._end(_Closed("the container sent bytes nobody asked for", True))
            return
        self._answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._end(_Closed(f"malformed HTTP answer ({type(exc).__name__}: {exc})", True))
            return
        if self._complete and self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def eof_received(self) -> bool:
        self._at_close()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._at_close()
        self.closed = True

    # ------------------------------------------------------------------ httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        self._headers[key] = f"{self._headers[key]}, {text}" if key in self._headers else text

    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        assert self._parser is not None
        if 100 <= self._parser.get_status_code() < 200:  # an interim answer (100 Continue): the real one follows
            self._headers, self._chunks, self._headers_done = {}, [], False
            return
        # asked here: once the message is over, the parser answers False for every connection
        self._keep_alive = self._parser.should_keep_alive()
        self._complete = True

    # ------------------------------------------------------------------ exchanges

    @property
    def reusable(self) -> bool:
        return not self.closed and self._complete and self._keep_alive

    async def exchange(self, request: bytes, timeout: float) -> HopResponse:
        assert self.transport is not None
        if self.closed or self.transport.is_closing():
            # Lost before this exchange began: nothing would wake the waiter but the timeout. A new
            # connection to a container being killed gets here (the kernel accepted it into the
            # dying server's backlog, then reset it), as does an idle one whose close just arrived.
            self.closed = True
            raise _Closed("the connection closed before the request was sent", answered=False)
        loop = asyncio.get_running_loop()
        self._parser = httptools.HttpResponseParser(self)
        self._headers, self._chunks = {}, []
        self._headers_done = self._answered = self._complete = self._keep_alive = False
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, self._expire)
        try:
            self.transport.write(request)
            await waiter
        except BaseException:
            self._close()  # timed out, failed or cancelled: whatever arrives later is nobody's
            raise
        finally:
            timer.cancel()
            self._waiter = None
        return HopResponse(self._parser.get_status_code(), self._headers, b"".join(self._chunks))

    def _expire(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(HopTimeout())

    def _at_close(self) -> None:
        if self._waiter is None or self._waiter.done():
            return
        framed = "content-length" in self._headers or "chunked" in self._headers.get("transfer-encoding", "")
        if self._headers_done and not framed and self._parser is not None:
            # no Content-Length, not chunked: the body is everything up to the close (RFC 9112 §6.3)
            self._complete = True
            self._waiter.set_result(None)
            return
        self._waiter.set_exception(_Closed("the container closed the connection before its answer ended",
                                           self._answered))

    def _end(self, error: _Closed) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)
        self._close()

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class HopConnections:
    """Kept-alive connections per container address, used by one event loop (the front door's)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._idle: dict[tuple[str, int], list[_HopConnection]] = {}
        self._addresses: dict[str, tuple[str, int]] = {}

    def _address(self, url: str) -> tuple[str, int]:
        address = self._addresses.get(url)
        if address is None:
            parts = urlsplit(url)
            address = self._addresses[url] = (parts.hostname or "127.0.0.1", parts.port or 80)
        return address

    async def request(self, method: str, url: str, path: str, body: bytes | None, headers: dict[str, str],
                      *, timeout: float | None = None) -> HopResponse:
        address = self._address(url)
        wait = timeout or self.timeout
        data = request_bytes(method, path, f"{address[0]}:{address[1]}", body, headers)
        for attempt in (0, 1):
            connection = self._take(address)
            reused = connection is not None
            if connection is None:
                connection = await self._open(address, wait)
            try:
                answer = await connection.exchange(data, wait)
            except _Closed as exc:
                if reused and not exc.answered and attempt == 0:
                    continue  # the container closed an idle keep-alive connection: once more, fresh
                raise
            if connection.reusable:
                self._idle.setdefault(address, []).append(connection)
            return answer
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _take(self, address: tuple[str, int]) -> _HopConnection | None:
        idle = self._idle.get(address)
        while idle:
            connection = idle.pop()  # the most recently used: its container worker is warm
            if not connection.closed:
                return connection
        return None

    @staticmethod
    async def _open(address: tuple[str, int], timeout: float) -> _HopConnection:
        loop = asyncio.get_running_loop()
        try:
            # asyncio sets TCP_NODELAY on TCP transports: the one write per request leaves at once
            _, connection = await asyncio.wait_for(loop.create_connection(_HopConnection, *address), timeout)
        except TimeoutError:
            raise HopTimeout() from None
        except OSError as exc:  # refused, unreachable
            raise HopUnreachable(type(exc).__name__) from None
        return connection

    def close(self) -> None:
        """Closes the idle connections (the worker is stopping)."""
        for idle in self._idle.values():
            for connection in idle:
                connection._close()
        self._idle.clear()
