"""MicroBatcher: merging, splitting, error isolation and the adaptive wait, without HTTP."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from inference_pipeline.serving.batching import MicroBatcher, merge_key, split_rows


class RecordingModel:
    """Row-independent: doubles each row and sums it; records the row counts it was called with.
    A row whose first value is negative makes the whole call fail, as a model rejecting input."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls: list[int] = []
        self.delay_s = delay_s
        self.lock = threading.Lock()

    def __call__(self, data, context):
        with self.lock:
            self.calls.append(len(data))
        if self.delay_s:
            time.sleep(self.delay_s)
        values = np.asarray(data, dtype=float)
        if (values[:, 0] < 0).any():
            raise ValueError(f"negative input in request {context}")
        return np.column_stack([values.sum(axis=1) * 2, values[:, 0]])


def _rows(i: int) -> np.ndarray:
    return np.arange(i % 5 + 1, dtype=float).repeat(3).reshape(-1, 3) + i


def test_concurrent_requests_share_predict_and_get_their_own_rows():
    model = RecordingModel(delay_s=0.02)
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.005)
    inputs = [_rows(i) for i in range(24)]
    expected = [model(x, i) for i, x in enumerate(inputs)]
    model.calls.clear()
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda i: batcher.decode_and_predict(lambda: inputs[i], i), range(24)))
    for got, want in zip(results, expected, strict=True):
        assert got.tobytes() == want.tobytes() and got.shape == want.shape
    assert len(model.calls) < 24, "no request shared a predict call"
    assert sum(model.calls) == sum(len(x) for x in inputs)


def test_one_bad_request_fails_alone():
    model = RecordingModel(delay_s=0.02)
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.005)
    inputs = [_rows(i) for i in range(12)]
    inputs[5] = -inputs[5]

    def call(i):
        try:
            return batcher.predict(inputs[i], i)
        except ValueError as exc:
            return exc

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(call, range(12)))
    assert isinstance(results[5], ValueError) and "request 5" in str(results[5])
    for i, result in enumerate(results):
        if i != 5:
            np.testing.assert_array_equal(result, model(inputs[i], i))


def test_batches_respect_max_rows_and_shape_families():
    model = RecordingModel(delay_s=0.01)
    batcher = MicroBatcher(model, max_batch_size=4, max_delay_s=0.005)
    narrow = [np.ones((1, 2)) * i for i in range(8)]
    wide = [np.ones((1, 3)) * i for i in range(8)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda x: batcher.predict(x, None), narrow + wide))
    assert max(model.calls) <= 4
    for data, result in zip(narrow + wide, results, strict=True):
        np.testing.assert_array_equal(result, model(data, None))


def test_predict_cpu_time_is_measured_on_the_predicting_thread():
    model = RecordingModel(delay_s=0.05)  # sleeping: wall time, no CPU
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.005)
    assert batcher.predict_cpu_s() == 0.0
    batcher.predict(np.ones((1, 3)), None)
    assert 0.0 < batcher.predict_cpu_s() < 0.02


def test_a_lone_request_does_not_wait_for_the_delay():
    model = RecordingModel()
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.5)
    batcher.predict(np.ones((1, 3)), None)  # thread start-up
    started = time.perf_counter()
    batcher.decode_and_predict(lambda: np.ones((1, 3)), None)
    assert time.perf_counter() - started < 0.25


def test_decode_error_does_not_hold_the_batch():
    model = RecordingModel()
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.5)

    def failing_decode():
        raise KeyError("bad body")

    with pytest.raises(KeyError):
        batcher.decode_and_predict(failing_decode, None)
    started = time.perf_counter()
    batcher.decode_and_predict(lambda: np.ones((1, 3)), None)
    assert time.perf_counter() - started < 0.25


def test_unmergeable_inputs_bypass_the_batcher():
    assert merge_key(np.ones(3)) is None  # 1-D
    assert merge_key(np.empty((0, 3))) is None
    assert merge_key(np.array([["a", 1]], dtype=object)) is None
    assert merge_key([[1, 2]]) is None
    frame = pd.DataFrame({"a": [1.0], "b": ["x"]})
    assert merge_key(frame) == merge_key(pd.DataFrame({"a": [2.0], "b": ["y"]}))
    assert merge_key(frame) != merge_key(pd.DataFrame({"a": [2], "b": ["y"]}))  # int64 vs float64


def test_categorical_frames_merge_only_with_the_same_categories():
    def frame(categories: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"sex": pd.Categorical(["M"], categories=categories), "length": [0.4]})

    # Concatenated, categoricals of different categories become object columns: neither
    # request's own predict would have seen that.
    assert merge_key(frame(["M", "F"])) == merge_key(frame(["M", "F"]))
    assert merge_key(frame(["M", "F"])) != merge_key(frame(["M", "F", "I"]))


def test_split_rows_refuses_outputs_without_one_entry_per_row():
    assert split_rows(np.ones(3), [1, 1]) is None
    assert split_rows(np.float64(1.0), [1]) is None
    assert split_rows({"a": 1}, [1]) is None
    pieces = split_rows(pd.DataFrame({"a": [1, 2, 3]}), [1, 2])
    assert pieces is not None
    assert pieces[1].index.tolist() == [0, 1]  # as if predicted alone
    assert split_rows([1, 2, 3], [2, 1]) == [[1, 2], [3]]


def test_unsplittable_output_is_recomputed_per_request():
    calls: list[int] = []

    def summary(data, _context):
        calls.append(len(data))
        time.sleep(0.01)
        return {"rows": len(data)}

    batcher = MicroBatcher(summary, max_batch_size=64, max_delay_s=0.005)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: batcher.predict(np.ones((n, 2)), None), [1, 2, 3, 4, 1, 2, 3, 4]))
    assert results == [{"rows": n} for n in [1, 2, 3, 4, 1, 2, 3, 4]]


def test_a_request_as_large_as_a_batch_predicts_outside_the_queue():
    model = RecordingModel()
    batcher = MicroBatcher(model, max_batch_size=4, max_delay_s=0.0)
    assert (batcher.predict(np.ones((4, 2)), None)[:, 0] == 4).all()
    assert batcher.batches == 0
    batcher.predict(np.ones((3, 2)), None)  # small: a batch of its own
    assert batcher.batches == 1


def test_a_lone_request_predicts_on_its_own_thread():
    threads: list[str] = []

    def model(data, context):
        threads.append(threading.current_thread().name)
        return data * 2

    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.0)
    for _ in range(3):
        assert (batcher.predict(np.ones((1, 2)), None) == 2).all()
    assert threads == [threading.current_thread().name] * 3 and batcher.batches == 3


def test_requests_queued_behind_a_predict_are_led_by_one_of_them():
    started, release = threading.Event(), threading.Event()
    calls: list[tuple[str, int]] = []

    def model(data, context):
        calls.append((threading.current_thread().name, len(data)))
        if context == "first":
            started.set()
            release.wait(5)
        return data * 2

    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.0)
    with ThreadPoolExecutor(6, thread_name_prefix="request") as pool:
        first = pool.submit(batcher.predict, np.ones((1, 2)), "first")
        assert started.wait(5)
        later = [pool.submit(batcher.predict, np.full((1, 2), i), i) for i in range(5)]
        deadline = time.monotonic() + 5
        while len(batcher._queue) < 5 and time.monotonic() < deadline:
            time.sleep(0.001)
        release.set()
        assert (first.result(5) == 2).all()
        for i, future in enumerate(later):
            assert (future.result(5) == 2 * i).all()
    assert [rows for _, rows in calls] == [1, 5]  # the five queued requests shared one predict
    assert calls[1][0] != calls[0][0] and calls[1][0].startswith("request")
    assert not batcher._leading and not batcher._queue


def test_a_leader_interrupted_by_a_base_exception_answers_its_batch_and_passes_on():
    def model(data, context):
        if context == "interrupt":
            raise KeyboardInterrupt
        return data * 2

    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.0)
    with pytest.raises(KeyboardInterrupt):
        batcher.predict(np.ones((1, 2)), "interrupt")
    assert not batcher._leading and not batcher._queue
    assert (batcher.predict(np.ones((1, 2)), None) == 2).all()


def test_a_forming_batch_waits_for_requests_the_server_accepted_but_has_not_decoded():
    model = RecordingModel(delay_s=0.4)
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=1.0)
    batcher.predict(np.ones((1, 3)), None)  # a 0.4 s predict: a batch may wait up to 0.2 s for company
    model.delay_s = 0.0
    model.calls.clear()
    accepted = [1]  # one request whose body the server is still reading
    asked = threading.Event()

    def upcoming() -> int:
        asked.set()
        return accepted[0]

    batcher.upcoming = upcoming
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batcher.predict, np.ones((1, 3)), 1)
        assert asked.wait(5)  # the leader looked, saw one coming, and waits
        accepted[0] = 0
        second = pool.submit(batcher.predict, np.full((1, 3), 2.0), 2)
        np.testing.assert_array_equal(first.result(5), [[6.0, 1.0]])
        np.testing.assert_array_equal(second.result(5), [[12.0, 2.0]])
    assert model.calls == [2]


def test_a_forming_batch_waits_for_upcoming_requests_no_longer_than_its_bound():
    model = RecordingModel(delay_s=0.2)
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=0.05)
    batcher.predict(np.ones((1, 3)), None)
    batcher.upcoming = lambda: 1  # never arrives (its client went away)
    started = time.perf_counter()
    batcher.predict(np.ones((1, 3)), None)
    assert 0.04 <= time.perf_counter() - started - 0.2 < 0.5


def test_a_batch_waits_for_as_many_requests_as_the_last_one_had_then_forgets_a_load_that_left():
    """Clients that send again once answered are invisible while their answers travel: a batch
    waits (within its bound) for as many requests as the one before it had."""
    model = RecordingModel(delay_s=0.3)
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=1.0)
    batcher.predict(np.ones((1, 3)), None)  # a 0.3 s predict: a batch may wait up to 0.15 s
    model.delay_s = 0.0
    model.calls.clear()
    coming = [2]
    batcher.upcoming = lambda: coming[0]
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(batcher.predict, np.ones((1, 3)), 1)]
        for i in (2, 3):  # each of the announced two arrives
            time.sleep(0.02)
            coming[0] -= 1
            futures.append(pool.submit(batcher.predict, np.full((1, 3), float(i)), i))
        for future in futures:
            future.result(5)
    assert model.calls == [3]  # a batch of 3, announced
    # The next batch expects 3 although none is in sight: the two that join late still merge.
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(batcher.predict, np.ones((1, 3)), 1)
        time.sleep(0.05)
        rest = [pool.submit(batcher.predict, np.full((1, 3), float(i)), i) for i in (2, 3)]
        np.testing.assert_array_equal(first.result(5), [[6.0, 1.0]])
        np.testing.assert_array_equal(rest[1].result(5), [[18.0, 3.0]])
    assert model.calls == [3, 3]
    # The load left: one lone request waits out the bound, the next one does not wait.
    started = time.perf_counter()
    batcher.predict(np.ones((1, 3)), None)
    waited = time.perf_counter() - started
    started = time.perf_counter()
    batcher.predict(np.ones((1, 3)), None)
    assert waited >= 0.01 and time.perf_counter() - started < waited
    assert model.calls == [3, 3, 1, 1]


def test_a_batch_formed_where_it_may_not_wait_takes_what_is_queued_and_goes():
    """The event loop's thread running a request inline reads no body meanwhile: its batch must
    not wait for the requests the server counts as upcoming, nor for the size the last had."""
    model = RecordingModel(delay_s=0.4)
    batcher = MicroBatcher(model, max_batch_size=64, max_delay_s=1.0)
    batcher.predict(np.ones((1, 3)), None)  # a 0.4 s predict: a batch may wait up to 0.2 s
    model.delay_s = 0.0
    batcher.upcoming = lambda: 3  # bodies that only the blocked thread would read
    started = time.perf_counter()
    batcher.predict(np.ones((1, 3)), None)  # a pool thread's batch waits for them
    assert time.perf_counter() - started >= 0.15
    batcher.may_wait = lambda: False  # now expecting 4 requests, 3 of them upcoming
    started = time.perf_counter()
    for _ in range(3):
        np.testing.assert_array_equal(batcher.predict(np.ones((1, 3)), None), [[6.0, 1.0]])
    assert time.perf_counter() - started < 0.1  # three waits would take 0.3 s or more
