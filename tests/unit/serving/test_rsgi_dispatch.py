"""Which requests the RSGI bridge runs on the event loop's thread and which on its pool."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from inference_pipeline.serving.batch_trial import BatchingTrial
from inference_pipeline.serving.rsgi import BodyPolicy, InlineDispatch, InlinePolicy, RSGIBridge

BUDGET = InlinePolicy(budget_s=0.002, max_body_bytes=100, always=frozenset({"/ping"}), probe_interval=4,
                      max_probe_interval=16)


def _probed(dispatch: InlineDispatch) -> int:
    """How many requests went to the pool before the next probe, the probe included."""
    count = 1
    while not dispatch.runs_inline("/invocations", 10):
        count += 1
    return count


def test_the_first_requests_go_to_the_pool_until_a_probe_finds_the_app_fast() -> None:
    dispatch = InlineDispatch(BUDGET)
    assert _probed(dispatch) == 4
    dispatch.observe(0.001, 0.001)
    assert all(dispatch.runs_inline("/invocations", 10) for _ in range(5))


def test_a_fast_app_runs_inline_until_a_request_overruns_the_budget() -> None:
    dispatch = InlineDispatch(BUDGET)
    _probed(dispatch)
    dispatch.observe(0.001, 0.001)
    assert dispatch.runs_inline("/invocations", 10)
    dispatch.observe(0.001, 0.001)
    assert dispatch.runs_inline("/invocations", 10)
    dispatch.observe(0.05, 0.05)  # far over the CPU budget
    assert [dispatch.runs_inline("/invocations", 10) for _ in range(4)] == [False, False, False, True]


def test_one_preempted_request_keeps_inline_dispatch_a_slow_phase_ends_it() -> None:
    dispatch = InlineDispatch(BUDGET)
    _probed(dispatch)
    dispatch.observe(0.001, 0.001)
    dispatch.observe(0.001, 0.009)  # descheduled for 8 ms
    assert dispatch.runs_inline("/invocations", 10)
    for _ in range(3):
        dispatch.observe(0.003, 0.003)  # over the 2 ms CPU budget, request after request
    assert not dispatch.runs_inline("/invocations", 10)


def test_waiting_on_io_counts_as_slow_although_it_uses_no_cpu() -> None:
    dispatch = InlineDispatch(BUDGET)
    _probed(dispatch)
    dispatch.observe(0.0001, 0.0041)  # the probe: more than wall_factor (2) x the budget
    assert not dispatch.runs_inline("/invocations", 10)


def test_slow_probes_wait_longer_each_time_and_a_fast_one_brings_inline_back() -> None:
    dispatch = InlineDispatch(BUDGET)
    gaps = []
    for _ in range(5):
        gaps.append(_probed(dispatch))
        dispatch.observe(0.01, 0.01)  # a slow probe
    assert gaps == [4, 8, 16, 16, 16]
    _probed(dispatch)
    dispatch.observe(0.001, 0.001)
    assert all(dispatch.runs_inline("/invocations", 10) for _ in range(5))
    dispatch.observe(0.01, 0.01)
    assert sum(not dispatch.runs_inline("/invocations", 10) for _ in range(4)) == 3  # interval reset to 4


def test_large_bodies_and_a_zero_budget_go_to_the_pool_health_checks_never_do() -> None:
    dispatch = InlineDispatch(BUDGET)
    _probed(dispatch)
    dispatch.observe(0.001, 0.001)
    assert not dispatch.runs_inline("/invocations", 101)
    never = InlineDispatch(InlinePolicy(budget_s=0.0, always=frozenset({"/ping"})))
    assert not never.runs_inline("/invocations", 0)
    assert never.runs_inline("/ping", 0)
    dispatch.observe(1.0, 1.0)
    assert dispatch.runs_inline("/ping", 0)


def _pool_trial(phase: int = 2) -> BatchingTrial:
    """A trial that settles on the pool at its first decision: pool phases cost half the CPU."""
    clock = [0.0]
    trial = BatchingTrial(phase_requests=phase, settle_requests=0, rounds=1, hold_requests=4,
                          clock=lambda: clock[0])
    original = trial.count

    def count() -> bool:
        clock[0] += 0.0005 if trial.pool else 0.001
        return original()

    trial.count = count  # type: ignore[method-assign]
    return trial


def test_a_batching_app_sends_requests_with_company_to_the_pool_when_its_trial_finds_that_cheaper() -> None:
    dispatch = InlineDispatch(replace(BUDGET, batch_over_s=0.0001))
    predict_cpu_s = [0.0003]  # worth a trial
    dispatch.predict_cpu_s = lambda: predict_cpu_s[0]
    dispatch.trial = _pool_trial()
    _probed(dispatch)
    dispatch.observe(0.0008, 0.0008)  # within the 2 ms budget
    # The trial's inline phase, then its pool phase, then the pool it chose.
    assert [dispatch.runs_inline("/invocations", 10, company=True) for _ in range(6)] == [
        True, False, False, False, False, False]
    assert dispatch.runs_inline("/invocations", 10)  # alone: nothing to share, no hand-off
    assert dispatch.runs_inline("/ping", 0, company=True)
    predict_cpu_s[0] = 0.00005  # a shared predict would save less than the hand-off costs
    assert dispatch.runs_inline("/invocations", 10, company=True)


def test_a_predict_too_cheap_to_share_runs_no_trial() -> None:
    dispatch = InlineDispatch(replace(BUDGET, batch_over_s=0.0001))
    dispatch.predict_cpu_s = lambda: 0.00005
    trial = dispatch.trial = _pool_trial()
    _probed(dispatch)
    dispatch.observe(0.0003, 0.0003)
    assert all(dispatch.runs_inline("/invocations", 10, company=True) for _ in range(20))
    assert trial.chosen is None and not trial.pool


def test_off_loop_is_false_only_on_the_thread_running_a_request_inline() -> None:
    dispatch = InlineDispatch(BUDGET)
    seen: list[tuple[bool, bool]] = []

    def app(environ, start_response):
        elsewhere: list[bool] = []
        other = threading.Thread(target=lambda: elsewhere.append(dispatch.off_loop()))
        other.start()
        other.join()
        seen.append((dispatch.off_loop(), elsewhere[0]))
        start_response("200 OK", [])
        return [b""]

    assert dispatch.off_loop()
    dispatch.call(app, {"REQUEST_METHOD": "POST", "PATH_INFO": "/invocations"}, "/invocations")
    assert seen == [(False, True)] and dispatch.off_loop()


@pytest.mark.parametrize("loop,trial_from_s", [("rloop", 0.0001), ("asyncio", 0.001)])
def test_the_servers_policy_trials_batching_from_a_dearer_predict_under_asyncio(loop, trial_from_s) -> None:
    from inference_pipeline.runtimes.sklearn.runtime import SklearnRuntime
    from inference_pipeline.runtimes.xgboost.runtime import XGBoostRuntime
    from inference_pipeline.serving.server import inline_policy, worker_event_loop
    from inference_pipeline.serving.settings import load_settings

    assert inline_policy(load_settings(), loop).batch_over_s == trial_from_s
    assert (worker_event_loop(load_settings(), SklearnRuntime), worker_event_loop(load_settings(), XGBoostRuntime)) == (
        "rloop", "asyncio")


def test_without_batching_company_does_not_change_inline_dispatch() -> None:
    dispatch = InlineDispatch(BUDGET)
    dispatch.predict_cpu_s = lambda: 0.0015
    dispatch.trial = _pool_trial()
    _probed(dispatch)
    dispatch.observe(0.0015, 0.0015)
    assert all(dispatch.runs_inline("/invocations", 10, company=True) for _ in range(20))


def test_the_servers_policy_keeps_a_runtime_without_a_batcher_inline_with_company() -> None:
    from inference_pipeline.serving.server import inline_policy
    from inference_pipeline.serving.settings import load_settings

    dispatch = InlineDispatch(inline_policy(load_settings()))  # no batcher: predict_cpu_s stays 0
    dispatch.trial = _pool_trial()
    while not dispatch.runs_inline("/invocations", 10):
        pass
    dispatch.observe(0.004, 0.004)  # within the 5 ms budget
    assert all(dispatch.runs_inline("/invocations", 10, company=True) for _ in range(20))
    dispatch.predict_cpu_s = lambda: 0.004  # with a batcher whose predict costs that much
    assert not all(dispatch.runs_inline("/invocations", 10, company=True) for _ in range(20))


@dataclass
class _Scope:
    path: str
    method: str = "POST"
    proto: str = "http"
    query_string: str = ""
    http_version: str = "1.1"
    server: str = "127.0.0.1:8080"
    client: str = "127.0.0.1:5000"
    scheme: str = "http"
    authority: str = "127.0.0.1:8080"
    headers: dict[str, str] = field(default_factory=lambda: {"content-length": "2"})


class _Protocol:
    """granian's body iterator: each ``__anext__`` a future that a later loop callback completes."""

    def __init__(self, body: bytes) -> None:
        self._chunks = [body, b""]
        self.response: tuple[int, list[tuple[str, str]], bytes] | None = None

    def __aiter__(self) -> _Protocol:
        return self

    def __anext__(self) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        if self._chunks:
            loop.call_soon(future.set_result, self._chunks.pop(0))
        else:
            loop.call_soon(future.set_exception, StopAsyncIteration())
        return future

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = (status, headers, body)


class _App:
    """Answers with the name of the thread it ran on; ``delay_s`` of sleep (I/O) per call."""

    def __init__(self, delay_s: float = 0.0, use_asyncio: bool = False) -> None:
        self.delay_s = delay_s
        self.use_asyncio = use_asyncio

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if self.use_asyncio:
            asyncio.run(asyncio.sleep(0))  # what a script calling an async client does
        time.sleep(self.delay_s)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [threading.current_thread().name.encode()]


def _serve(app: _App, paths: list[str], policy: InlinePolicy = BUDGET) -> list[str]:
    async def run() -> list[str]:
        bridge = RSGIBridge(app, BodyPolicy(max_bytes=1000, timeout_s=5), threads=2, inline=policy)
        answers = []
        try:
            for path in paths:
                protocol = _Protocol(b"{}")
                await bridge.__rsgi__(_Scope(path), protocol)
                assert protocol.response is not None and protocol.response[0] == 200
                answers.append(protocol.response[2].decode())
        finally:
            bridge.__rsgi_del__(None)
        return answers

    return asyncio.run(run())


def _on_pool(names: list[str]) -> bool:
    return all(name.startswith("request-") for name in names)


def test_a_fast_app_answers_on_the_loop_thread_from_the_first_probe_on() -> None:
    answers = _serve(_App(), ["/invocations"] * 6)
    assert _on_pool(answers[:3])
    assert answers[3:] == [threading.current_thread().name] * 3


def test_a_slow_app_stays_on_the_pool_after_its_probe() -> None:
    answers = _serve(_App(delay_s=0.03), ["/invocations"] * 8)
    assert answers[3] == threading.current_thread().name  # the probe
    assert _on_pool(answers[:3]) and _on_pool(answers[4:])


def test_without_an_inline_policy_every_request_runs_on_the_pool() -> None:
    assert _on_pool(_serve(_App(), ["/invocations"] * 70 + ["/ping"], policy=InlinePolicy()))


def test_an_app_calling_asyncio_run_works_inline() -> None:
    answers = _serve(_App(use_asyncio=True), ["/invocations"] * 5 + ["/ping"])
    assert answers[4:] == [threading.current_thread().name] * 2


class _HeldBody(_Protocol):
    """A client whose body arrives only when the test releases it."""

    def __init__(self, release: asyncio.Future[bytes]) -> None:
        super().__init__(b"")
        self._release = release

    def __anext__(self) -> asyncio.Future[bytes]:
        return self._release  # the whole (2-byte) body, once released


def test_upcoming_counts_app_requests_whose_bodies_are_still_being_read() -> None:
    async def run() -> tuple[list[int], int]:
        policy = InlinePolicy(always=frozenset({"/ping"}))
        bridge = RSGIBridge(_App(), BodyPolicy(max_bytes=1000, timeout_s=5), threads=2, inline=policy)
        loop = asyncio.get_running_loop()
        seen = []
        try:
            releases = [loop.create_future(), loop.create_future()]
            invocation = asyncio.ensure_future(bridge.__rsgi__(_Scope("/invocations"), _HeldBody(releases[0])))
            ping = asyncio.ensure_future(bridge.__rsgi__(_Scope("/ping"), _HeldBody(releases[1])))
            await asyncio.sleep(0.01)
            seen.append(bridge.upcoming())  # the invocation only: /ping is not the app's work
            releases[1].set_result(b"{}")
            await ping
            seen.append(bridge.upcoming())
            releases[0].set_result(b"{}")
            await invocation
            return seen, bridge.upcoming()
        finally:
            bridge.__rsgi_del__(None)

    seen, after = asyncio.run(run())
    assert seen == [1, 1] and after == 0
