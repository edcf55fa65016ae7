"""read_body's one-read path for a body of known length: complete, short, broken, late."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from inference_pipeline.serving.rsgi import BodyPolicy, RequestBodyError, read_body

POLICY = BodyPolicy(max_bytes=1024, timeout_s=0.2)


class _OneRead:
    """``await protocol()`` as granian offers it: a future some later event completes (or never)."""

    def __init__(self, outcome: bytes | Exception | None) -> None:
        self.outcome = outcome
        self.read: asyncio.Future[bytes] | None = None

    def __call__(self) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        self.read = loop.create_future()
        if isinstance(self.outcome, bytes):
            loop.call_later(0.01, self.read.set_result, self.outcome)
        elif isinstance(self.outcome, Exception):
            loop.call_later(0.01, self.read.set_exception, self.outcome)
        return self.read  # None: the client stalls, nothing ever completes it

    def __aiter__(self) -> Any:
        raise AssertionError("a body of known length is read in one call, not chunk by chunk")


def _read(protocol: _OneRead, length: int) -> bytes:
    return asyncio.run(read_body(protocol, str(length), False, POLICY))


def test_a_complete_body_is_returned_whole() -> None:
    assert _read(_OneRead(b"1,2,3"), 5) == b"1,2,3"


def test_a_body_shorter_than_its_content_length_is_refused_with_both_sizes() -> None:
    with pytest.raises(RequestBodyError, match="after 3 of the 5 bytes"):
        _read(_OneRead(b"1,2"), 5)


def test_a_read_the_server_broke_off_is_refused_naming_the_error() -> None:
    with pytest.raises(RequestBodyError, match="could not be read \\(ConnectionResetError\\)"):
        _read(_OneRead(ConnectionResetError()), 5)


def test_a_stalled_body_is_refused_at_the_deadline_and_its_read_cancelled() -> None:
    protocol = _OneRead(None)
    started = time.monotonic()
    with pytest.raises(RequestBodyError, match="no complete body within 0.2 s"):
        _read(protocol, 5)
    assert 0.2 <= time.monotonic() - started < 1.0
    assert protocol.read is not None and protocol.read.cancelled()


def test_a_declared_length_over_the_limit_is_not_read_at_all() -> None:
    assert _read(_OneRead(None), 4096) == b""
