"""read_body's path for a body of known length: complete, in pieces, short, broken, late."""

from __future__ import annotations

import asyncio
import time

import pytest

from inference_pipeline.serving.rsgi import BodyPolicy, RequestBodyError, read_body

POLICY = BodyPolicy(max_bytes=1024, timeout_s=0.2)
STALL = object()


class _Chunks:
    """granian's body iterator: each ``__anext__`` a future a later event completes (or never)."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.reads: list[asyncio.Future[bytes]] = []

    def __aiter__(self) -> _Chunks:
        return self

    def __anext__(self) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        read: asyncio.Future[bytes] = loop.create_future()
        self.reads.append(read)
        outcome = self.outcomes.pop(0) if self.outcomes else StopAsyncIteration()
        if isinstance(outcome, bytes):
            loop.call_later(0.01, read.set_result, outcome)
        elif isinstance(outcome, BaseException):
            loop.call_later(0.01, read.set_exception, outcome)
        return read  # STALL: the client sends nothing more, nothing completes it


def _read(protocol: _Chunks, length: int) -> bytes:
    return asyncio.run(read_body(protocol, {"content-length": str(length)}, POLICY))


def test_a_complete_body_is_read_in_one_step() -> None:
    protocol = _Chunks(b"1,2,3")
    assert _read(protocol, 5) == b"1,2,3"
    assert len(protocol.reads) == 1  # all there: no wait for the end-of-body marker


def test_a_body_in_pieces_is_joined() -> None:
    assert _read(_Chunks(b"1,2", b",3"), 5) == b"1,2,3"


def test_a_body_shorter_than_its_content_length_is_refused_with_both_sizes() -> None:
    with pytest.raises(RequestBodyError, match="after 3 of the 5 bytes"):
        _read(_Chunks(b"1,2", b""), 5)
    with pytest.raises(RequestBodyError, match="after 3 of the 5 bytes"):
        _read(_Chunks(b"1,2", StopAsyncIteration()), 5)


def test_a_read_the_server_broke_off_is_refused_naming_the_error() -> None:
    with pytest.raises(RequestBodyError, match="could not be read \\(ConnectionResetError\\)"):
        _read(_Chunks(ConnectionResetError()), 5)


def test_a_stalled_body_is_refused_at_the_deadline_and_its_read_cancelled() -> None:
    protocol = _Chunks(b"1,", STALL)
    started = time.monotonic()
    with pytest.raises(RequestBodyError, match="no complete body within 0.2 s"):
        _read(protocol, 5)
    assert 0.2 <= time.monotonic() - started < 1.0
    assert protocol.reads[-1].cancelled()


def test_a_declared_length_over_the_limit_is_not_read_at_all() -> None:
    protocol = _Chunks(STALL)
    assert _read(protocol, 4096) == b""
    assert protocol.reads == []
