"""Adaptive micro-batching: concurrent requests to a row-independent model share one predict.

Small requests are dominated by the fixed cost of a predict call (a scikit-learn pipeline's
validation and dispatch, xgboost's DMatrix set-up), not by their rows. When several requests
of one worker reach predict together, the batcher concatenates their decoded 2-D inputs, calls
predict once and hands each request back its own rows. Only predict is shared: every request
is decoded and encoded on its own, with its own Content-Type and Accept.

*Adaptive*: a request that finds no other request on its way to predict goes alone, at once;
the batch waits (at most ``max_delay_s``) only for requests already decoding in this worker,
so an idle server pays no latency for batching.

*Exact*: merging is only offered by runtimes (or scripts) that declare ``row_independent`` —
each output row depends on its input row alone, bit for bit — and only inputs of one shape
family merge (same array type, column count and dtypes). A batch whose predict raises, or
whose output cannot be split back by rows, is re-run request by request, so one bad request
gets its own error and the others their own answers.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: predict for a (possibly merged) input; ``context`` is the first request's (row-independent
#: predicts must not depend on it).
PredictFn = Callable[[Any, Any], Any]


def _is_frame(value: Any) -> bool:
    """A pandas DataFrame (exactly: subclasses may not concatenate like one)."""
    import sys

    module = sys.modules.get("pandas")  # never import pandas just to find out it is not used
    return module is not None and type(value) is module.DataFrame


def merge_key(data: Any) -> Hashable | None:
    """The shape family of a decoded input (inputs with equal keys concatenate), or None when it
    cannot be merged (1-D arrays, sparse matrices, lists, empty inputs)."""
    import numpy as np

    if isinstance(data, np.ndarray):
        if data.ndim != 2 or data.shape[0] == 0 or data.dtype == object:
            return None
        return ("ndarray", data.shape[1], data.dtype.str)
    if _is_frame(data):
        if len(data) == 0 or data.columns.has_duplicates:
            return None
        return ("frame", tuple(data.columns), tuple(str(dtype) for dtype in data.dtypes))
    return None


def row_count(data: Any) -> int:
    return int(data.shape[0])


def concatenate(parts: list[Any]) -> Any:
    import numpy as np

    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts, axis=0)
    import pandas as pd

    return pd.concat(parts, axis=0, ignore_index=True)


def split_rows(output: Any, counts: list[int]) -> list[Any] | None:
    """``output`` cut into consecutive pieces of ``counts`` rows, each as predict would have
    returned it alone; None when the output does not have one entry per input row."""
    import numpy as np

    total = sum(counts)
    bounds = np.cumsum([0, *counts]).tolist()
    pieces = zip(bounds[:-1], bounds[1:], strict=True)
    if isinstance(output, np.ndarray):
        if output.ndim == 0 or output.shape[0] != total:
            return None
        # Copies: a view would keep the whole batch alive and is not C-contiguous for every slice.
        return [output[start:end].copy() for start, end in pieces]
    if isinstance(output, list):
        return [output[start:end] for start, end in pieces] if len(output) == total else None
    if _is_frame(output):
        if len(output) != total:
            return None
        return [output.iloc[start:end].reset_index(drop=True) for start, end in pieces]
    return None  # sparse matrices, tuples, dicts...: not splittable without guessing


@dataclass
class _Pending:
    data: Any
    context: Any
    rows: int
    future: Future[Any] = field(default_factory=Future)


class MicroBatcher:
    """One worker's batcher: request threads ``predict`` through it; one thread runs the model."""

    def __init__(self, predict: PredictFn, *, max_batch_size: int, max_delay_s: float,
                 name: str = "batcher") -> None:
        self._predict = predict
        self.max_batch_size = max_batch_size
        self.max_delay_s = max_delay_s
        self._name = name
        self._lock = threading.Condition()
        self._queue: list[_Pending] = []
        self._arriving = 0  # requests decoding on their way to predict (worth waiting for)
        self._thread: threading.Thread | None = None
        self._pid = 0
        #: batches run and requests served through them (for logs and tests).
        self.batches = 0
        self.requests = 0

    # ------------------------------------------------------------------ request threads

    def arriving(self) -> None:
        """A request started decoding: a batch forming now may wait for it."""
        with self._lock:
            self._arriving += 1

    def gone(self) -> None:
        """A request announced by ``arriving`` will not reach predict (decode failed)."""
        with self._lock:
            self._arriving -= 1
            self._lock.notify_all()

    def decode_and_predict(self, decode: Callable[[], Any], context: Any) -> Any:
        """``predict(decode())``; a batch forming while this request decodes may wait for it."""
        self.arriving()
        try:
            data = decode()
        except BaseException:
            self.gone()
            raise
        return self.predict(data, context, announced=True)

    def predict(self, data: Any, context: Any, *, announced: bool = False) -> Any:
        """predict(data) — shared with concurrent requests of the same shape family."""
        rows = row_count(data) if merge_key(data) is not None else None
        if rows is None or rows >= self.max_batch_size:
            # Nothing can join it: predict on this thread, without the batching thread's hand-off.
            if announced:
                self.gone()
            return self._predict(data, context)
        pending = _Pending(data, context, rows)
        with self._lock:
            self._ensure_thread()
            if announced:
                self._arriving -= 1
            self._queue.append(pending)
            self._lock.notify_all()
        return pending.future.result()

    # ------------------------------------------------------------------ the batching thread

    def _ensure_thread(self) -> None:
        # Called with the lock held. A forked worker inherits the object, not the thread.
        if self._thread is not None and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                self._serve(batch)
            except BaseException as exc:  # noqa: BLE001 - the waiting requests must always be answered
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)

    def _next_batch(self) -> list[_Pending]:
        """The oldest request plus every queued request of its shape family, up to the batch size;
        waits up to ``max_delay_s`` only while more requests are decoding."""
        with self._lock:
            while not self._queue:
                self._lock.wait()
            first = self._queue[0]
            key = merge_key(first.data)
            deadline = time.monotonic() + self.max_delay_s
            while True:
                batch = self._take(key)
                rows = sum(p.rows for p in batch)
                remaining = deadline - time.monotonic()
                if rows >= self.max_batch_size or self._arriving <= 0 or remaining <= 0:
                    break
                for pending in reversed(batch):  # put them back in order; wait for the arriving ones
                    self._queue.insert(0, pending)
                self._lock.wait(remaining)
            return batch

    def _take(self, key: Hashable | None) -> list[_Pending]:
        batch: list[_Pending] = []
        rows = 0
        kept: list[_Pending] = []
        for pending in self._queue:
            fits = not batch or rows + pending.rows <= self.max_batch_size
            if fits and merge_key(pending.data) == key:
                batch.append(pending)
                rows += pending.rows
            else:
                kept.append(pending)
        self._queue = kept
        return batch

    def _serve(self, batch: list[_Pending]) -> None:
        self.batches += 1
        self.requests += len(batch)
        if len(batch) == 1:
            self._answer_alone(batch[0])
            return
        try:
            output = self._predict(concatenate([p.data for p in batch]), batch[0].context)
            pieces = split_rows(output, [p.rows for p in batch])
        except Exception:  # noqa: BLE001 - someone's rows are bad: let each request find out alone
            pieces = None
        if pieces is None:
            for pending in batch:
                self._answer_alone(pending)
            return
        for pending, piece in zip(batch, pieces, strict=True):
            pending.future.set_result(piece)

    def _answer_alone(self, pending: _Pending) -> None:
        try:
            pending.future.set_result(self._predict(pending.data, pending.context))
        except Exception as exc:  # noqa: BLE001 - raised again on the request's own thread
            pending.future.set_exception(exc)
