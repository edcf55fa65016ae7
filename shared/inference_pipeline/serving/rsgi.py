"""Serves a WSGI app through granian's RSGI interface: the body is read on the event loop first.

Under granian's WSGI interface (2.8.9) the app runs on a blocking thread as soon as the request
head is parsed, and ``wsgi.input`` hides how the body ended:

- a chunked body the client cut short (no ``0`` chunk) reads as the chunks received so far,
  then end of body: the app cannot tell it from a complete one (RFC 9112 §7.1 wants a 400);
- a client that stalls mid-body holds that thread, and ``blocking_threads`` of them leave the
  worker unable to answer ``/ping``.

Here the body is awaited on the worker's event loop, under one deadline and a size bound, so a
stalled or slow client costs a coroutine, not a thread; only a complete request (or one already
refused) is handed to the WSGI app, on a thread of its own pool. The app itself is unchanged:
it gets a ``wsgi.input`` holding the whole body, or one whose ``read`` raises
:class:`RequestBodyError` saying why there is none, which it answers as a 400 of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]
#: Answers a request whose body could not be read: (status, headers, body).
BodyErrorResponder = Callable[["RequestBodyError", Environ], tuple[int, Headers, bytes]]

_INTERNAL = b'{"error": "InternalError", "message": "internal error while serving the request"}\n'


class RequestBodyError(Exception):
    """The request body is incomplete, malformed or late; the message says which, for the client."""


@dataclass(frozen=True)
class BodyPolicy:
    """How much body a request may have and how long its client may take to send it."""

    #: Bytes kept at most; one more is read so the app can answer 413 (None: no limit).
    max_bytes: int | None
    #: Seconds from the request head to the body's last byte.
    timeout_s: float
    #: Names the setting of ``timeout_s`` in the 400 a late body gets.
    timeout_setting: str = "INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS"


class _UnreadableBody:
    """``wsgi.input`` of a request whose body could not be read: every read says why."""

    def __init__(self, error: RequestBodyError) -> None:
        self.error = error

    def read(self, size: int | None = -1) -> bytes:
        raise self.error

    readline = read

    def __iter__(self) -> _UnreadableBody:
        return self

    def __next__(self) -> bytes:
        raise self.error


async def read_body(protocol: Any, content_length: str | None, chunked: bool, policy: BodyPolicy) -> bytes:
    """The request body, at most ``max_bytes + 1`` bytes; RequestBodyError when it is incomplete,
    malformed, or not all there within ``timeout_s``."""
    declared = int(content_length) if content_length and content_length.isdigit() else None
    limit = policy.max_bytes
    if declared is not None and limit is not None and declared > limit:
        return b""  # refused unread: the app answers 413 from the declared length
    chunks: list[bytes] = []
    received = 0
    # granian's body iterator maps a framing error to an empty chunk and ends the body after it:
    # a complete body ends with one empty chunk, a broken one with two (measured, granian 2.8.9;
    # tests/reliability/cases.py has the rows that fail if that changes).
    empty = 0
    try:
        async with asyncio.timeout(policy.timeout_s):
            async for chunk in protocol:
                if not chunk:
                    empty += 1
                    continue
                chunks.append(bytes(chunk))
                received += len(chunk)
                if limit is not None and received > limit:
                    break  # enough to answer 413; the rest is never buffered
    except TimeoutError:
        raise RequestBodyError(f"the client sent no complete body within {policy.timeout_s:g} s "
                               f"({policy.timeout_setting})") from None
    except Exception as exc:  # granian's transport closed under the read: the client went away
        raise RequestBodyError(f"the request body could not be read ({type(exc).__name__})") from None
    if limit is not None and received > limit:
        return b"".join(chunks)
    if declared is not None and received < declared:
        raise RequestBodyError(f"the request body ended after {received} of the {declared} bytes "
                               "its Content-Length announced")
    if chunked and empty > 1:
        # Also what a chunked body with trailer fields looks like here; no SageMaker client sends them.
        raise RequestBodyError("the chunked request body is incomplete or malformed: it ended before its "
                               "last (zero-size) chunk, or a chunk size is not hexadecimal (RFC 9112 §7.1)")
    return b"".join(chunks)


def wsgi_environ(scope: Any, body_input: Any) -> Environ:
    """PEP 3333 environ of an RSGI scope, as granian's WSGI interface builds it."""
    server_host, _, server_port = str(scope.server).rpartition(":")
    client_host = str(scope.client).rpartition(":")[0]
    environ: Environ = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # WSGI strings are bytes decoded as latin-1 (PEP 3333); the scope's path is decoded UTF-8.
        "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "SERVER_NAME": server_host.strip("[]"),
        "SERVER_PORT": server_port,
        "REMOTE_ADDR": client_host.strip("[]"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": body_input,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        if name == "content-type":
            key = "CONTENT_TYPE"
        elif name == "content-length":
            key = "CONTENT_LENGTH"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:  # a repeated header: one value, comma-joined (cookies: ';')
            environ[key] += (";" if name == "cookie" else ",") + value
        else:
            environ[key] = value
    if "HTTP_HOST" not in environ and scope.authority:
        environ["HTTP_HOST"] = scope.authority
    return environ


def call_wsgi(app: WSGIApp, environ: Environ) -> tuple[int, Headers, bytes]:
    """Run ``app`` on ``environ`` to completion: (status, headers, body)."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, headers]
        return written.append

    result = app(environ, start_response)
    try:
        written.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(str(status).split(" ", 1)[0]), [(str(k), str(v)) for k, v in headers], b"".join(written)


class RSGIBridge:
    """The RSGI app of one granian worker around a WSGI ``app``: body first, then a thread."""

    def __init__(self, app: WSGIApp, policy: BodyPolicy, threads: int,
                 on_body_error: BodyErrorResponder | None = None) -> None:
        """``on_body_error`` answers requests whose body could not be read; without it the app
        does, from the RequestBodyError its ``wsgi.input.read`` raises."""
        self.app = app
        self.policy = policy
        self.on_body_error = on_body_error
        # The WSGI app's threads: requests that are complete, never clients still sending.
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        headers = scope.headers
        try:
            body_input: Any = io.BytesIO(await read_body(
                protocol, headers.get("content-length"), "chunked" in headers.get("transfer-encoding", "").lower(),
                self.policy))
        except RequestBodyError as exc:
            body_input = _UnreadableBody(exc)
        environ = wsgi_environ(scope, body_input)
        loop = asyncio.get_running_loop()
        try:
            if isinstance(body_input, _UnreadableBody) and self.on_body_error is not None:
                status, response_headers, body = self.on_body_error(body_input.error, environ)
            else:
                status, response_headers, body = await loop.run_in_executor(self.pool, call_wsgi, self.app, environ)
        except Exception:  # the app's own bug: its handlers answer every request error themselves
            log.exception("%s %s failed", scope.method, scope.path)
            status, response_headers, body = 500, [("Content-Type", "application/json")], _INTERNAL
        if isinstance(body_input, _UnreadableBody) and not any(k.lower() == "connection" for k, _ in response_headers):
            # Whatever is left of a broken or late body must not be read as the next request.
            response_headers.append(("Connection", "close"))
        protocol.response_bytes(status, response_headers, body)

    def __rsgi_del__(self, loop: Any) -> None:
        self.pool.shutdown(wait=True)
