"""The fuzz runner itself, CI-sized: a few seconds over every parser, no finding, and a planted
bug is reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_fuzz_runner_finds_nothing_in_a_short_run():
    """Every parser for a fraction of a second (hypothesis engine: no instrumentation start-up;
    the atheris engine is for on-demand runs, see fuzz_parsers' docstring)."""
    pytest.importorskip("hypothesis")
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.fuzz_parsers", "--engine", "hypothesis",
                           "--seconds", "0.2"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("no finding") >= 15, proc.stdout


def test_fuzz_runner_reports_a_finding(tmp_path, monkeypatch):
    """A parser that crashes on some input is reported (exit 1), so a clean run means something."""
    pytest.importorskip("hypothesis")
    from tests.reliability import fuzz_parsers
    from tests.reliability.parsers import run_one

    def fragile(body: bytes) -> None:
        if b"[" in body:
            raise IndexError("a bug")

    assert fuzz_parsers._fuzz_with_hypothesis("fragile", fragile, 10, run_one, shrink=False) == 1
