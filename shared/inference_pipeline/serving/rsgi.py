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

A complete request of a fast app runs on the event loop's own thread instead (:class:`InlineDispatch`):
handing it to a pool thread and back cost more CPU than a small model's predict, and made the loop
and the app's threads take turns at the GIL (measured, wrk against the sklearn image's Ridge and
xgboost models: +40-75% requests per second inline). The loop stays free for ``/ping`` and slow
clients because a request runs inline only while this worker's requests stay within a budget of
CPU and wall time; past it, requests go to the pool until a later probe finds the app fast again.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from inference_pipeline.serving.balance import ConnectionBalancer
from inference_pipeline.serving.batch_trial import BatchingTrial

log = logging.getLogger(__name__)

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]

#: How long a cancelled body read may take to unwind before the 400 is sent anyway.
_UNWIND_S = 0.5
#: How long the runtime gets to drop a cancelled body read before the 400 (see read_body).
_SETTLE_S = 0.02
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


@dataclass
class _Received:
    chunks: list[bytes]
    size: int = 0
    #: granian's body iterator maps a framing error to an empty chunk and ends the body after it:
    #: a complete body ends with one empty chunk, a broken one with two (measured, granian 2.8.9;
    #: tests/reliability/cases.py has the rows that fail if that changes).
    empty: int = 0


async def _receive(protocol: Any, declared: int | None, limit: int | None) -> _Received:
    received = _Received([])
    try:
        async for chunk in protocol:
            if not chunk:
                received.empty += 1
                continue
            received.chunks.append(bytes(chunk))
            received.size += len(chunk)
            if limit is not None and received.size > limit:
                break  # enough to answer 413; the rest is never buffered
            if declared is not None and received.size >= declared:
                break  # all there (the server never reads past Content-Length): no more awaits
    except Exception as exc:  # granian's transport closed under the read: the client went away
        raise RequestBodyError(f"the request body could not be read ({type(exc).__name__})") from None
    return received


async def _receive_declared(protocol: Any, declared: int, policy: BodyPolicy) -> bytes:
    """A body of known length, within the limit, read chunk by chunk until it is all there (one
    chunk, for a small body that arrived with its head). Each read is awaited through a future of
    our own that the read or the deadline completes, not in a task of its own: a task's set-up,
    wake-up and ``asyncio.wait`` cost ~20% of a small request's CPU in the worker (measured,
    granian 2.8.9, 300-byte bodies)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + policy.timeout_s
    chunks = protocol.__aiter__()
    received: list[bytes] = []
    size = 0
    while size < declared:
        read = chunks.__anext__()
        if not read.done() and not await _settled_by(read, loop, deadline):
            read.cancel()
            await asyncio.sleep(_SETTLE_S)  # as read_body: let the runtime drop the abandoned read first
            raise _late(policy)
        try:
            chunk = read.result()
        except StopAsyncIteration:
            break
        except Exception as exc:  # granian's transport closed under the read: the client went away
            raise RequestBodyError(f"the request body could not be read ({type(exc).__name__})") from None
        if chunk:
            received.append(bytes(chunk))
            size += len(chunk)
        # granian ends a body with an empty chunk, then StopAsyncIteration: either way it is over
        elif size < declared:
            break
    if size < declared:
        raise RequestBodyError(f"the request body ended after {size} of the {declared} bytes "
                               "its Content-Length announced")
    return received[0] if len(received) == 1 else b"".join(received)


async def _settled_by(read: Any, loop: asyncio.AbstractEventLoop, deadline: float) -> bool:
    """Whether ``read`` (granian's future) completed before ``deadline`` (the loop's clock)."""
    waiter: asyncio.Future[None] = loop.create_future()

    def wake(_: Any = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    read.add_done_callback(wake)
    if read.done():  # completed between the caller's check and the callback's registration
        wake()
    timer = loop.call_at(deadline, wake)
    try:
        await waiter
    finally:
        timer.cancel()
    return bool(read.done())


def _late(policy: BodyPolicy) -> RequestBodyError:
    return RequestBodyError(f"the client sent no complete body within {policy.timeout_s:g} s "
                            f"({policy.timeout_setting})")


def _discard(task: asyncio.Task[_Received]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a late body's outcome no longer matters


def declared_length(headers: Any) -> int | None:
    """The body size ``headers`` (the RSGI scope's) announce: Content-Length when it is a plain
    number, else None. A declared size over the limit is what ``read_body`` refuses unread."""
    content_length = headers.get("content-length")
    return int(content_length) if content_length and content_length.isdigit() else None


async def read_body(protocol: Any, headers: Any, policy: BodyPolicy) -> bytes:
    """The request body, framed by ``headers`` (the RSGI scope's, lower-case names), at most
    ``max_bytes + 1`` bytes; RequestBodyError when it is incomplete, malformed, or not all there
    within ``timeout_s``."""
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    declared = declared_length(headers)
    limit = policy.max_bytes
    if declared is not None and limit is not None and declared > limit:
        return b""  # refused unread: the app answers 413 from the declared length
    if not chunked and not declared:
        return b""  # no body (GET /ping): nothing to wait for
    if not chunked and declared is not None:
        return await _receive_declared(protocol, declared, policy)
    # The read is a task of its own, cancelled at the deadline. The 400 waits for it a moment only:
    # a cancelled granian body future does not always wake its waiter (asyncio.timeout around the
    # read left 2 of 64 stalled clients with no answer at all). It also waits _SETTLE_S more, for
    # granian's runtime to drop the body read the cancel abandoned: sent while that read is still
    # pending, the 400 leaves but the server keeps the connection open to feed it (measured, front
    # door: 14-47 of 64 stalled connections stayed open after their 400; with 10 ms, none did).
    task = asyncio.ensure_future(_receive(protocol, declared, limit))
    done, _ = await asyncio.wait((task,), timeout=policy.timeout_s)
    if not done:
        task.cancel()
        task.add_done_callback(_discard)
        await asyncio.wait((task,), timeout=_UNWIND_S)
        await asyncio.sleep(_SETTLE_S)
        raise _late(policy)
    received = task.result()
    if limit is not None and received.size > limit:
        return b"".join(received.chunks)
    if declared is not None and received.size < declared:
        raise RequestBodyError(f"the request body ended after {received.size} of the {declared} bytes "
                               "its Content-Length announced")
    if chunked and received.empty > 1:
        # Also what a chunked body with trailer fields looks like here; no SageMaker client sends them.
        raise RequestBodyError("the chunked request body is incomplete or malformed: it ended before its "
                               "last (zero-size) chunk, or a chunk size is not hexadecimal (RFC 9112 §7.1)")
    return b"".join(received.chunks)


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


@dataclass(frozen=True)
class InlinePolicy:
    """Which requests may run on the event loop's thread (see :class:`InlineDispatch`)."""

    #: A request runs inline while this worker's inline requests took at most this much CPU time
    #: (0: never) ...
    budget_s: float = 0.0
    #: ... and at most this many times as much wall time (an app waiting on I/O uses no CPU, but
    #: must not hold the loop; the factor leaves room for the OS preempting a busy worker).
    wall_factor: float = 2.0
    #: Bodies larger than this always go to the pool: their cost grows with their size.
    max_body_bytes: int = 64 * 1024
    #: Paths answered inline whatever the app's speed (constant-time health checks: ``/ping`` must
    #: not queue behind slow requests for a pool thread).
    always: frozenset[str] = frozenset()
    #: Set when the app merges concurrent requests into one predict (serving.batching): once the
    #: app's predict (``InlineDispatch.predict_cpu_s``) takes at least this much CPU, a request
    #: with company in its worker may go to the pool, where it can join a batch, and the worker's
    #: :class:`~inference_pipeline.serving.batch_trial.BatchingTrial` measures whether that costs
    #: less CPU than running it inline. Inline requests run one after another and never merge:
    #: the abalone featurizer (~3 ms a request, 2.2 of them a predict whatever its rows) ran
    #: inline at 595-621 req/s at 32 clients, on the pool at 1,326-1,376. Below it a shared
    #: predict cannot save what the hand-off to a thread costs, so no trial is run.
    batch_over_s: float | None = None
    #: Requests sent to the pool before the first probe, and after an inline one overran the
    #: budget before the next; doubles after every slow probe, up to ``max_probe_interval``.
    probe_interval: int = 64
    max_probe_interval: int = 8192


def _no_time() -> float:
    return 0.0


class InlineDispatch:
    """Runs a request inline when the app is fast, on the pool when it is not.

    "Fast" is measured, per worker, by running a request inline as a probe: requests go to the
    pool until the ``interval``-th, the probe; one within the budget makes every request after it
    inline, until their running times overrun the budget (the model got slower, the script waits
    on I/O, large batches). The first probe comes after ``probe_interval`` requests, not at the
    first (a model's first predicts are its slowest: lazy set-up, cold caches), and each slow probe
    doubles the interval, so a slow app blocks the loop for one request at the 64th, the 192nd,
    the 448th..."""

    #: Weight of the newest inline request in the running CPU and wall times: a lone request
    #: preempted by the OS does not end inline dispatch, a slow phase does within a few requests,
    #: one far over the budget at once.
    SMOOTHING = 0.25

    def __init__(self, policy: InlinePolicy) -> None:
        self.policy = policy
        self.fast = False
        self.interval = policy.probe_interval
        self._until_probe = policy.probe_interval
        self._cpu_s = self._wall_s = 0.0
        #: The CPU time of the app's predict, when it micro-batches (set by the server).
        self.predict_cpu_s: Callable[[], float] = _no_time
        #: Whether requests with company go to the pool, when the predict is worth sharing.
        self.trial = BatchingTrial()
        self._inline_thread: int | None = None  # the thread running an app request inline, if any

    def runs_inline(self, path: str, body_size: int, company: bool = False) -> bool:
        """``company``: other requests of the app are in flight in this worker."""
        policy = self.policy
        if path in policy.always:
            return True
        if policy.budget_s <= 0 or body_size > policy.max_body_bytes:
            return False
        if self.fast:
            if policy.batch_over_s is None or self.predict_cpu_s() < policy.batch_over_s:
                return True
            return not (self.trial.count() and company)  # counts every request of the trial's phases
        self._until_probe -= 1
        return self._until_probe <= 0

    def observe(self, cpu_s: float, wall_s: float) -> None:
        """What a request that ``runs_inline`` chose (not an ``always`` path) took."""
        policy = self.policy
        if self.fast:
            self._cpu_s += (cpu_s - self._cpu_s) * self.SMOOTHING
            self._wall_s += (wall_s - self._wall_s) * self.SMOOTHING
        else:  # a probe: its own times decide
            self._cpu_s, self._wall_s = cpu_s, wall_s
        if self._cpu_s <= policy.budget_s and self._wall_s <= policy.budget_s * policy.wall_factor:
            self.fast, self.interval = True, policy.probe_interval
            return
        if not self.fast:  # a slow probe: wait longer before the next
            self.interval = min(self.interval * 2, policy.max_probe_interval)
        self.fast = False
        self._until_probe = self.interval

    def call(self, app: WSGIApp, environ: Environ, path: str) -> tuple[int, Headers, bytes]:
        """Run a request ``runs_inline`` chose, here; its times count unless its path is ``always``."""
        if path in self.policy.always:
            return call_inline(app, environ)
        started, started_cpu = time.perf_counter(), time.thread_time()
        self._inline_thread = threading.get_ident()
        try:
            answer = call_inline(app, environ)
        finally:
            self._inline_thread = None
        self.observe(time.thread_time() - started_cpu, time.perf_counter() - started)
        return answer

    def off_loop(self) -> bool:
        """False on the event loop's thread while it runs an app request inline: the loop reads
        no body and dispatches no request until that one returns, so nothing can join it."""
        return self._inline_thread != threading.get_ident()


def call_inline(app: WSGIApp, environ: Environ) -> tuple[int, Headers, bytes]:
    """``call_wsgi`` on the event loop's thread, with no running loop visible to the app: a script
    that calls ``asyncio.run`` works as it does on a pool thread."""
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        return call_wsgi(app, environ)
    finally:
        asyncio.events._set_running_loop(loop)


class RequestThreads:
    """Threads that run complete requests, handing each result back to the event loop.

    Not ``loop.run_in_executor``: its concurrent.futures plumbing cost ~30% of the requests per
    second of a small model at 8 concurrent clients (measured, wrk against the sklearn image's
    app); a queue and one ``call_soon_threadsafe`` per request is all the hand-off needs."""

    def __init__(self, count: int) -> None:
        self._jobs: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[[], Any]]
                                      | None] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._run, name=f"request-{index}", daemon=True)
                         for index in range(count)]
        for thread in self._threads:
            thread.start()

    def queued(self) -> int:
        """Jobs waiting for a thread."""
        return self._jobs.qsize()

    def run(self, job: Callable[[], Any]) -> asyncio.Future[Any]:
        """``job()`` on one of the threads; its result (or exception) as a future of this loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((loop, future, job))
        return future

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            loop, future, job = item
            try:
                result = job()
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                loop.call_soon_threadsafe(_settle, future, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)

    def shutdown(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():  # the request was cancelled (its worker is shutting down)
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


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
    # PEP 3333 headers are native strings already: granian takes the list as it is.
    return int(str(status).split(" ", 1)[0]), list(headers), b"".join(written)


class RSGIBridge:
    """The RSGI app of one granian worker around a WSGI ``app``: body first, then a thread."""

    def __init__(self, app: WSGIApp, policy: BodyPolicy, threads: int, inline: InlinePolicy | None = None,
                 balancer: ConnectionBalancer | None = None) -> None:
        """A request whose body could not be read reaches the app, whose ``wsgi.input.read`` raises
        the RequestBodyError saying why. Without ``inline`` every request runs on the pool; without
        ``balancer`` no connection is closed to move load to a sibling worker."""
        self.app = app
        self.policy = policy
        self.balancer = balancer
        self.dispatch = InlineDispatch(inline or InlinePolicy())
        # The WSGI app's threads: requests that are complete, never clients still sending.
        self.threads = RequestThreads(threads)
        # App requests (not ``always`` paths) in this worker: all of them, and those whose body is
        # being read. Changed on the event loop's thread only.
        self._in_flight = 0
        self._reading = 0

    def upcoming(self) -> int:
        """App requests accepted that no thread has started yet: their bodies are being read, or
        they wait for a pool thread (what a forming micro-batch may wait for)."""
        return self._reading + self.threads.queued()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        counted = scope.path not in self.dispatch.policy.always
        balancer = self.balancer if counted else None
        if counted:
            self._in_flight += 1
            if balancer is not None:
                balancer.started(self._in_flight)
        try:
            status, response_headers, body, body_input = await self._answer(scope, protocol, counted)
        finally:
            if counted:
                self._in_flight -= 1
        # Whatever is left of a broken or late body must not be read as the next request; a worker
        # more loaded than its siblings lets a client go elsewhere (serving.balance).
        if (isinstance(body_input, _UnreadableBody) or (balancer is not None and balancer.close_this_connection())) \
                and not any(k.lower() == "connection" for k, _ in response_headers):
            response_headers.append(("Connection", "close"))
        protocol.response_bytes(status, response_headers, body)

    async def _answer(self, scope: Any, protocol: Any, counted: bool) -> tuple[int, Headers, bytes, Any]:
        """The app's answer to the request, and the ``wsgi.input`` it was given."""
        size = 0
        if counted:
            self._reading += 1
        try:
            received = await read_body(protocol, scope.headers, self.policy)
            size = len(received)
            body_input: Any = io.BytesIO(received)
        except RequestBodyError as exc:
            body_input = _UnreadableBody(exc)
        finally:
            if counted:
                self._reading -= 1
        environ = wsgi_environ(scope, body_input)
        try:
            if self.dispatch.runs_inline(scope.path, size, company=self._in_flight > 1):
                status, response_headers, body = self.dispatch.call(self.app, environ, scope.path)
            else:
                status, response_headers, body = await self.threads.run(functools.partial(call_wsgi, self.app, environ))
        except Exception:  # the app's own bug: its handlers answer every request error themselves
            log.exception("%s %s failed", scope.method, scope.path)
            status, response_headers, body = 500, [("Content-Type", "application/json")], _INTERNAL
        return status, response_headers, body, body_input

    def __rsgi_del__(self, loop: Any) -> None:
        self.threads.shutdown()
