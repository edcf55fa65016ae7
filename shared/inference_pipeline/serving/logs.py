"""Logging: plain lines for events, one JSON line per request for machines.

The per-request line must not cost the request: with a StreamHandler every request thread
formats a record and then queues on the handler's lock while another writes to stderr (a lock
convoy under concurrency). ``log_request`` instead puts the fields on a queue; one writer
thread formats them and writes whatever has accumulated in a single ``write`` call. The writer
wakes at most every ``_GATHER_S``: woken per request, it took the GIL from the request it was
logging once per request (measured: ~3% of a small model's CPU time per request).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import sys
import threading
import time
from typing import Any, TextIO

REQUEST_LOGGER = "inference_pipeline.access"
#: How long the writer lets lines gather after the first one before it writes them.
_GATHER_S = 0.01


def configure_logging(level: int) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_inference_pipeline", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        handler._inference_pipeline = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)


class AccessLogWriter:
    """Formats and writes access-log lines on its own thread, in batches; ``name`` is the logger
    name their prefix shows."""

    def __init__(self, stream: TextIO | None = None, name: str = REQUEST_LOGGER) -> None:
        self._stream = stream
        self._name = name
        self._queue: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._pid = 0

    def put(self, fields: dict[str, Any]) -> None:
        self._ensure_thread()
        self._queue.put(fields)

    def _ensure_thread(self) -> None:
        # A forked worker inherits the object but not the thread: start one per process.
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._thread is None or self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
                self._thread.start()
                atexit.register(self.flush)

    def _run(self) -> None:
        get, get_nowait = self._queue.get, self._queue.get_nowait
        while True:
            item = get()
            if item is not None:
                time.sleep(_GATHER_S)  # a put while this sleeps wakes no thread
            lines = []
            while item is not None:
                lines.append(json.dumps(item, separators=(",", ":"), default=str))
                if len(lines) >= 1024:
                    break
                try:
                    item = get_nowait()
                except queue.Empty:
                    break
            if lines:
                # Same prefix as the event lines (asctime, level, pid, logger), stamped at write time.
                now = time.time()
                prefix = (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
                          + f",{int(now % 1 * 1000):03d} INFO [{self._pid}] {self._name}: ")
                self._write("".join(f"{prefix}{line}\n" for line in lines))
            if item is None:
                return

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):  # stderr closed at shutdown: the lines are lost, not the request
            pass

    def flush(self, timeout: float = 2.0) -> None:
        """Write everything queued so far and stop the thread (at exit and in tests)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(None)
        thread.join(timeout)
        self._thread = None


_writer = AccessLogWriter()


def log_request(**fields: Any) -> None:
    """One structured line per request: path, method, status, latency, bytes, request id, types."""
    if logging.getLogger(REQUEST_LOGGER).isEnabledFor(logging.INFO):
        _writer.put(fields)


def flush_access_log() -> None:
    _writer.flush()
