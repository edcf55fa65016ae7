"""Every bundle the exporter writes in these tests must pass the MLeap 0.20 JVM checker."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from .jvm_guard import JvmGuard

CHECKED_BUNDLES: list[str] = []  # paths checked this session (test_jvm_conformance reports the count)


@pytest.fixture(autouse=True)
def _jvm_checked_exports(monkeypatch: pytest.MonkeyPatch) -> Iterator[JvmGuard]:
    guard = JvmGuard()
    if importlib.util.find_spec("pyspark") is not None:
        from inference_pipeline.mleap.export import exporter

        monkeypatch.setattr(exporter, "write_bundle", guard.wrap(exporter.write_bundle))
    yield guard
    CHECKED_BUNDLES.extend(str(p) for p in guard.checked)
    report = guard.report()
    if report:
        pytest.fail(f"the exporter wrote a bundle MLeap 0.20 would not load:\n{report}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if CHECKED_BUNDLES:
        terminalreporter.write_line(f"MLeap 0.20 JVM checker: {len(CHECKED_BUNDLES)} exported bundle(s) checked")
