"""Reliability-suite hooks: record the statuses the hostile table saw, and re-render
RELIABILITY.md at the end of any session that produced reliability results."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator

import pytest

from tests.reliability import results

#: (variant, runtime) -> case name -> statuses seen; variant is "process" or "image"
_SEEN: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
_VARIANTS = {"test_hostile_requests": "process", "test_hostile_images": "image"}


@functools.cache
def _case_names(runtime: str) -> dict[bytes, str]:
    from tests.reliability.cases import cases
    from tests.reliability.runtimes import specs

    return {case.raw: case.name for case in cases(specs()[runtime])}


@pytest.fixture(autouse=True)
def _record_hostile_statuses(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Wraps the table modules' ``send`` to note each row's status; the rows' own checks are untouched."""
    module = request.module
    variant = _VARIANTS.get(module.__name__.rsplit(".", 1)[-1])
    callspec = getattr(request.node, "callspec", None)
    runtime = callspec.params.get("runtime") or callspec.params.get("image") if callspec else None
    if variant is None or runtime is None or not hasattr(module, "send"):
        yield
        return
    names = _case_names(runtime)
    original = module.send

    def send(url, raw, **kwargs):  # type: ignore[no-untyped-def]
        response = original(url, raw, **kwargs)
        _SEEN[(variant, runtime)][names.get(raw, "(other)")].add(response.status)
        return response

    monkeypatch.setattr(module, "send", send)
    yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for (variant, runtime), seen in _SEEN.items():
        results.record("hostile", f"{variant}-{runtime}", {
            "variant": variant, "runtime": runtime, "seen": {case: sorted(s) for case, s in seen.items()}})
    if results.written_this_session:
        from tests.reliability.report import write_report

        write_report()
