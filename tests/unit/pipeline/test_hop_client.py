"""The front door's container client over real sockets: framing, keep-alive, failures.

Each test scripts a raw TCP server: what it answers, byte for byte, and when it closes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from inference_pipeline.pipeline.hop_client import HopConnections, HopTimeout, HopUnreachable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


def _run(handler: Handler, client: Callable[[str], Awaitable[object]]) -> object:
    async def main() -> object:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await client(f"http://127.0.0.1:{port}")
        finally:
            server.close()

    return asyncio.run(main())


def _answers(*replies: bytes, close_after: bool = False) -> tuple[Handler, list[int]]:
    """Answers each request on a connection with the next reply; counts connections."""
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            for reply in replies:
                await _read_request(reader)
                writer.write(reply)
                await writer.drain()
                if close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    return handler, connections


OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 3\r\n\r\n1,2"


def test_content_length_answers_reuse_one_connection() -> None:
    handler, connections = _answers(OK, OK, OK)

    async def client(url: str) -> list[bytes]:
        hops = HopConnections(5)
        return [(await hops.request("POST", url, "/invocations", b"x", {"Content-Type": "text/csv"})).body
                for _ in range(3)]

    assert _run(handler, client) == [b"1,2"] * 3
    assert len(connections) == 1


def test_chunked_answer_is_joined_and_headers_are_lower_case() -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
               b"X-Amzn-SageMaker-Custom-Attributes: a=1\r\n\r\n4;ext=1\r\n[1, \r\n2\r\n2]\r\n0\r\n\r\n")
    handler, _ = _answers(chunked)

    async def client(url: str) -> object:
        return await HopConnections(5).request("POST", url, "/invocations", b"x", {})

    answer = _run(handler, client)
    assert answer.status == 200 and answer.body == b"[1, 2]"  # type: ignore[attr-defined]
    assert answer.headers["x-amzn-sagemaker-custom-attributes"] == "a=1"  # type: ignore[attr-defined]


def test_a_body_ended_by_the_close_is_complete_and_the_connection_is_not_reused() -> None:
    handler, connections = _answers(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", close_after=True)

    async def client(url: str) -> list[bytes]:
        hops = HopConnections(5)
        return [(await hops.request("POST", url, "/invocations", b"x", {})).body for _ in range(2)]

    assert _run(handler, client) == [b"all of it"] * 2
    assert len(connections) == 2


def test_connection_close_answers_open_a_new_connection_next_time() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    handler, connections = _answers(closing, close_after=True)

    async def client(url: str) -> list[int]:
        hops = HopConnections(5)
        return [(await hops.request("GET", url, "/ping", None, {})).status for _ in range(3)]

    assert _run(handler, client) == [200] * 3
    assert len(connections) == 3


def test_an_interim_100_continue_is_skipped() -> None:
    handler, _ = _answers(b"HTTP/1.1 100 Continue\r\n\r\n" + OK)

    async def client(url: str) -> object:
        return await HopConnections(5).request("POST", url, "/invocations", b"x", {})

    answer = _run(handler, client)
    assert (answer.status, answer.body) == (200, b"1,2")  # type: ignore[attr-defined]


def test_an_idle_connection_the_container_closed_is_replaced_once() -> None:
    handler, connections = _answers(OK, close_after=True)  # answers, then closes the kept-alive connection

    async def client(url: str) -> list[bytes]:
        hops = HopConnections(5)
        first = await hops.request("POST", url, "/invocations", b"x", {})
        await asyncio.sleep(0.05)  # the close arrives while the connection is idle
        second = await hops.request("POST", url, "/invocations", b"x", {})
        return [first.body, second.body]

    assert _run(handler, client) == [b"1,2", b"1,2"]
    assert len(connections) == 2


def test_a_close_mid_answer_is_unreachable_and_not_retried() -> None:
    handler, connections = _answers(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n1,2", close_after=True)

    async def client(url: str) -> object:
        return await HopConnections(5).request("POST", url, "/invocations", b"x", {})

    with pytest.raises(HopUnreachable, match="closed the connection before its answer ended"):
        _run(handler, client)
    assert len(connections) == 1


def test_a_malformed_answer_is_unreachable() -> None:
    handler, _ = _answers(b"SMTP ready\r\n\r\n", close_after=True)

    async def client(url: str) -> object:
        return await HopConnections(5).request("POST", url, "/invocations", b"x", {})

    with pytest.raises(HopUnreachable, match="malformed HTTP answer"):
        _run(handler, client)


def test_a_container_that_never_answers_times_out_on_time() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    async def client(url: str) -> float:
        started = time.monotonic()
        with pytest.raises(HopTimeout):
            await HopConnections(0.3).request("POST", url, "/invocations", b"x", {})
        return time.monotonic() - started

    assert 0.3 <= _run(silent, client) < 2  # type: ignore[operator]


def test_nothing_listening_is_unreachable() -> None:
    async def client() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        await HopConnections(1).request("GET", f"http://127.0.0.1:{port}", "/ping", None, {})

    with pytest.raises(HopUnreachable, match="ConnectionRefusedError"):
        asyncio.run(client())


def test_the_request_goes_out_in_one_piece_with_host_length_and_clean_headers() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await reader.read(65536))  # one read: head and body came in one write
        writer.write(OK)
        await writer.drain()
        writer.close()

    async def client(url: str) -> object:
        return await HopConnections(5).request("POST", url, "/invocations", b"a,b",
                                               {"X-Amzn-SageMaker-Custom-Attributes": "x\r\nEvil: 1"})

    _run(handler, client)
    head, _, body = seen[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /invocations HTTP/1.1"
    assert b"Content-Length: 3" in lines and body == b"a,b"
    assert b"X-Amzn-SageMaker-Custom-Attributes: x  Evil: 1" in lines
    assert any(line.startswith(b"Host: 127.0.0.1:") for line in lines)


def test_concurrent_requests_use_their_own_connections() -> None:
    handler, connections = _answers(OK, OK)

    async def client(url: str) -> list[bytes]:
        hops = HopConnections(5)
        answers = await asyncio.gather(*(hops.request("POST", url, "/invocations", b"x", {}) for _ in range(4)))
        return [a.body for a in answers]

    assert _run(handler, client) == [b"1,2"] * 4
    assert len(connections) == 4


def test_a_new_connection_reset_before_its_request_is_unreachable_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container killed while the front door connects: the kernel completed the handshake into
    the dying server's backlog, then reset the connection when its listening socket closed. The
    reset can arrive (and the connection be lost) before the request is written; the call must then
    fail at once, not wait for the hop timeout (seen once per full CI run: a client gave up after 10 s)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # never accepts: the handshake completes in the backlog, as for a dying server
    port = listener.getsockname()[1]
    opened = HopConnections._open

    async def open_then_die(address: tuple[str, int], timeout: float) -> object:
        connection = await opened(address, timeout)
        listener.close()  # the server is gone: the kernel resets the connections in its backlog
        await asyncio.sleep(0.1)  # the reset arrives and the loop sees the connection lost
        return connection

    monkeypatch.setattr(HopConnections, "_open", staticmethod(open_then_die))

    async def client() -> float:
        started = time.monotonic()
        with pytest.raises(HopUnreachable, match="before the request was sent"):
            await HopConnections(3).request("POST", f"http://127.0.0.1:{port}", "/invocations", b"x", {})
        return time.monotonic() - started

    assert asyncio.run(client()) < 1
