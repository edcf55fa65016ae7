"""In-process fake models for the batch engine: they parse what they get and do real work."""

from __future__ import annotations

import json
import random
import struct
import threading
import time
from dataclasses import dataclass, field

import pytest

from inference_pipeline.pipeline.batch import InvokeResult

MAGIC = 0xCED7230A


def recordio_frame(payload: bytes, flag: int = 0) -> bytes:
    header = struct.pack("<II", MAGIC, (flag << 29) | len(payload))
    return header + payload + b"\x00" * (-len(payload) % 4)


def recordio_payloads(body: bytes) -> list[bytes]:
    """Parse a request body as RecordIO frames (padding optional on the last one)."""
    out, pos = [], 0
    while pos < len(body):
        magic, length = struct.unpack_from("<II", body, pos)
        assert magic == MAGIC
        out.append(body[pos + 8 : pos + 8 + length])
        pos += 8 + length + (-length % 4)
    return out


@dataclass
class FakeModel:
    """Doubles the first CSV column of each line, or wraps each JSON line as {"echo": ...}.

    ``fail_on``: a request containing this byte string gets a 500 naming it.
    ``jitter``: random sleep per call so concurrent calls finish out of order.
    ``trailing_newline``: end each response with a newline (as most containers do).
    """

    fail_on: bytes | None = None
    jitter: float = 0.0
    container: str | None = None
    trailing_newline: bool = True
    calls: list[tuple[bytes, str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, body: bytes, content_type: str, accept: str) -> InvokeResult:
        with self._lock:
            self.calls.append((body, content_type, accept))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.jitter:
                time.sleep(random.uniform(0, self.jitter))
            if self.fail_on is not None and self.fail_on in body:
                return InvokeResult(500, b"cannot score " + self.fail_on, "text/plain", container=self.container)
            return self._answer(body, content_type, accept)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, body: bytes, content_type: str, accept: str) -> InvokeResult:
        end = "\n" if self.trailing_newline else ""
        if content_type == "application/x-recordio":
            out = [p.decode().upper() for p in recordio_payloads(body)]
            return InvokeResult(200, ("\n".join(out) + end).encode(), "text/plain")
        lines = [line for line in body.decode().split("\n") if line]
        if content_type == "text/csv":
            try:
                out = [str(float(line.split(",")[0]) * 2) for line in lines]
            except ValueError as exc:
                return InvokeResult(415, f"bad csv: {exc}".encode(), "text/plain")
            return InvokeResult(200, ("\n".join(out) + end).encode(), "text/csv")
        if accept == "application/json" and len(lines) > 1:
            items = [{"echo": json.loads(line)} for line in lines]
            return InvokeResult(200, json.dumps(items).encode(), "application/json")
        out = [json.dumps({"echo": json.loads(line)}) for line in lines]
        return InvokeResult(200, ("\n".join(out) + end).encode(), accept or "application/jsonlines")

    def payload_records(self) -> list[int]:
        """Records (lines) per request, in call order."""
        return [body.count(b"\n") for body, _, _ in self.calls]


@pytest.fixture
def model() -> FakeModel:
    return FakeModel()
