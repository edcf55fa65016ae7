"""Adaptive micro-batching: concurrent requests to a row-independent model share one predict.

Small requests are dominated by the fixed cost of a predict call (a scikit-learn pipeline's
validation and dispatch, xgboost's DMatrix set-up), not by their rows. When several requests
of one worker reach predict together, the batcher concatenates their decoded 2-D inputs, calls
predict once and hands each request back its own rows. Only predict is shared: every request
is decoded and encoded on its own, with its own Content-Type and Accept.

*Adaptive*: a request that finds no other request on its way to predict goes alone, at once;
the batch waits only for requests already decoding in this worker, so an idle server pays no
latency for batching, and for at most half of what a predict takes (and never more than
``max_delay_s``): waiting is worth it for a model whose predict has a large fixed cost (a
pandas-based scikit-learn pipeline: ~8 ms whether for 1 row or 4,000), not for one whose
predict is a fraction of a millisecond.

*Exact*: merging is only offered by runtimes (or scripts) that declare ``row_independent`` —
each output row depends on its input row alone, bit for bit — and only inputs of one shape
family merge (same array type, column count and dtypes). A batch whose predict raises, or
whose output cannot be split back by rows, is re-run request by request, so one bad request
gets its own error and the others their own answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
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
        # The dtypes themselves, not their names: two categoricals of different categories are
        # both "category" but do not concatenate into either.
        return ("frame", tuple(data.columns), tuple(data.dtypes.tolist()))
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


def _none() -> int:
    return 0


def _yes() -> bool:
    return True


class _Pending:
    """One request's input on its way to predict, and the lock its thread sleeps on until its
    answer is in or it is asked to lead the next batch (a released lock is the cheapest wake-up
    there is: no Condition, no Future callbacks)."""

    __slots__ = ("data", "context", "key", "rows", "answered", "result", "error", "_wake")

    def __init__(self, data: Any, context: Any, key: Hashable, rows: int) -> None:
        # The key is computed once: a DataFrame's (its dtypes) costs tens of microseconds, and a
        # forming batch compares every queued request's key each time it looks at the queue.
        self.data, self.context, self.key, self.rows = data, context, key, rows
        self.answered = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._wake = threading.Lock()
        self._wake.acquire()

    def answer(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.answered = result, error, True

    def wake(self) -> None:
        self._wake.release()

    def sleep(self) -> None:
        self._wake.acquire()

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class MicroBatcher:
    """One worker's batcher: request threads ``predict`` through it, and one of them at a time
    (the *leader*) runs the model for the batch at the head of the queue.

    Leader/followers rather than a batching thread: a request that finds nobody predicting runs
    its own predict on its own thread at once, with no hand-off to another thread and back. Two
    thread wake-ups per request cost the xgboost image 0.67 ms of CPU per 100-row request at one
    client (measured: 1.92 -> 2.59 ms when such requests went through a batching thread). Requests
    that arrive while a leader predicts queue up; when the leader is done it answers the batch it
    ran and hands leadership to the oldest request still queued, which runs the next batch."""

    #: The longest a forming batch waits for arriving requests, as a share of a predict's
    #: running time (smoothed over batches).
    WAIT_SHARE = 0.5
    SMOOTHING = 0.2

    def __init__(self, predict: PredictFn, *, max_batch_size: int, max_delay_s: float) -> None:
        self._predict = predict
        self.max_batch_size = max_batch_size
        self.max_delay_s = max_delay_s
        self._predict_s = 0.0  # smoothed wall time of a batch's predict; 0 until the first one
        self._predict_cpu_s = 0.0  # and its CPU time on the predicting thread
        self._lock = threading.Condition()
        self._queue: list[_Pending] = []
        self._arriving = 0  # requests decoding on their way to predict (worth waiting for)
        #: Requests this worker accepted that have not started decoding yet (their bodies are
        #: being read, or they wait for a thread): set by the server, which alone sees them. A
        #: forming batch waits for them too: with the worker's threads and event loop taking
        #: turns at the GIL, most of a featurizer's concurrent requests were there, not decoding
        #: (4-5 requests a batch with 13 in flight; counted, 5-8 and +25% req/s at 32 clients).
        self.upcoming: Callable[[], int] = _none
        #: Requests the next batch expects: the last batch's plus those that were on their way
        #: when it started. Clients that send again once answered are nowhere in the worker while
        #: their answer travels, so counting only the requests in sight, 4 clients of one worker
        #: settled into batches of 1 and 3 by turns (the 1's client returned while the 3 ran) and
        #: paid the featurizer's fixed cost twice per 4 requests; waiting for the expected
        #: number (within the same deadline), batches averaged 2.9-3.8 of 4 (counted). A wait
        #: that times out resets it to what was there, so a load that went away costs one
        #: deadline, once.
        self._expected = 1
        #: False on a thread whose waiting would hold up the very requests it waits for: the
        #: worker's event loop thread running a request inline (set by the server). Such a batch
        #: takes what is queued and goes: an xgboost worker's inline requests each waited out the
        #: deadline for bodies its own blocked loop was to read (1 row, 8 clients: 2,071-2,277
        #: req/s with batching on, 3,230-3,905 with it off).
        self.may_wait: Callable[[], bool] = _yes
        # True from the moment a request leads until the queue is empty: while it is, every new
        # request queues, so a request that leads is always the oldest in the queue.
        self._leading = False
        #: batches run and requests served through them (for logs and tests).
        self.batches = 0
        self.requests = 0

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
        key = merge_key(data)
        rows = row_count(data) if key is not None else None
        if key is None or rows is None or rows >= self.max_batch_size:
            # Nothing can join it: predict on this thread, outside the queue.
            if announced:
                self.gone()
            return self._predict(data, context)
        pending = _Pending(data, context, key, rows)
        with self._lock:
            if announced:
                self._arriving -= 1
            self._queue.append(pending)
            self._lock.notify_all()  # a leader waiting for arriving requests
            leads = not self._leading
            self._leading = True
        if not leads:
            pending.sleep()
            if pending.answered:
                return pending.outcome()
        # Leading: this request is the oldest queued, so the batch taken next includes it.
        self._lead(pending)
        return pending.outcome()

    def _lead(self, own: _Pending) -> None:
        batch: list[_Pending] = []
        try:
            batch = self._next_batch()
            self._serve(batch)
        except BaseException as exc:  # noqa: BLE001 - every request of the batch must be answered
            for pending in batch:
                if not pending.answered:
                    pending.answer(error=exc)
            raise
        finally:
            with self._lock:
                if not own.answered and own in self._queue:  # interrupted before taking its batch
                    self._queue.remove(own)
                successor = self._queue[0] if self._queue else None
                self._leading = successor is not None
            # Wake the others of the batch with their answers, and the successor to lead.
            for pending in batch:
                if pending is not own:
                    pending.wake()
            if successor is not None:
                successor.wake()

    def _next_batch(self) -> list[_Pending]:
        """The oldest request plus every queued request of its shape family, up to the batch size;
        waits (see the module's doc) only while more requests are decoding, and only where
        ``may_wait``."""
        if not self.may_wait():
            with self._lock:
                return self._take(self._queue[0].key)
        with self._lock:
            key = self._queue[0].key
            deadline = time.monotonic() + min(self.max_delay_s, self.WAIT_SHARE * self._predict_s)
            while True:
                batch = self._take(key)
                rows = sum(p.rows for p in batch)
                coming = self._arriving + self.upcoming()
                remaining = deadline - time.monotonic()
                if rows >= self.max_batch_size or remaining <= 0 or (coming <= 0 and len(batch) >= self._expected):
                    break
                self._queue[:0] = batch  # put them back in order; wait for the arriving ones
                self._lock.wait(remaining)
            self._expected = len(batch) + coming
            return batch

    def _take(self, key: Hashable) -> list[_Pending]:
        batch: list[_Pending] = []
        rows = 0
        kept: list[_Pending] = []
        for pending in self._queue:
            fits = not batch or rows + pending.rows <= self.max_batch_size
            if fits and pending.key == key:
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
            output = self._timed_predict(concatenate([p.data for p in batch]), batch[0].context)
            pieces = split_rows(output, [p.rows for p in batch])
        except Exception:  # noqa: BLE001 - someone's rows are bad: let each request find out alone
            pieces = None
        if pieces is None:
            for pending in batch:
                self._answer_alone(pending)
            return
        for pending, piece in zip(batch, pieces, strict=True):
            pending.answer(piece)

    def predict_cpu_s(self) -> float:
        """CPU time of a predict (smoothed; 0 before the first): what requests sharing one save.
        CPU, not wall time: other threads holding the GIL stretch the latter, not the former."""
        return self._predict_cpu_s

    def _timed_predict(self, data: Any, context: Any) -> Any:
        started, started_cpu = time.perf_counter(), time.thread_time()
        output = self._predict(data, context)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - started_cpu
        self._predict_s = self._smoothed(self._predict_s, elapsed)
        self._predict_cpu_s = self._smoothed(self._predict_cpu_s, cpu)
        return output

    def _smoothed(self, running: float, newest: float) -> float:
        return newest if not running else running + (newest - running) * self.SMOOTHING

    def _answer_alone(self, pending: _Pending) -> None:
        try:
            pending.answer(self._timed_predict(pending.data, pending.context))
        except Exception as exc:  # noqa: BLE001 - raised again on the request's own thread
            pending.answer(error=exc)
