"""Coverage-guided fuzzing of every request parser (tests/reliability/parsers.py), on demand.

    .venv/bin/python -m tests.reliability.fuzz_parsers --seconds 60          # every parser in turn
    .venv/bin/python -m tests.reliability.fuzz_parsers --seconds 60 --only xgboost-libsvm

With atheris installed (``pip install atheris``) it runs libFuzzer over the instrumented
parsers, ``--seconds`` per parser; without it, hypothesis with a large example budget. A
finding is any exception other than a client error: the input is printed (repr) and the exit
status is 1. Bounded in time and purely in-process (no network).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


def _fuzz_with_atheris(name: str, parse: Callable[[bytes], Any], seconds: float, run_one: Any) -> int:
    import atheris

    deadline = time.monotonic() + seconds
    runs = 0

    def target(data: bytes) -> None:
        nonlocal runs
        runs += 1
        if time.monotonic() > deadline:
            # libFuzzer's own exit can hang in interpreter teardown; leave directly.
            print(f"{name}: {runs} runs in {seconds:.0f} s, no finding", flush=True)
            os._exit(0)
        run_one(parse, data)

    # libFuzzer exits the process on a finding, so each parser runs in its own process.
    atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds) + 5}", "-rss_limit_mb=4096",
                   "-max_len=4096", "-print_final_stats=1"], target)
    print(f"fuzzing {name} with atheris for {seconds:.0f} s", flush=True)
    atheris.Fuzz()
    return 0  # only reached when atheris returns instead of exiting


def _fuzz_with_hypothesis(name: str, parse: Callable[[bytes], Any], seconds: float, run_one: Any, *,
                          shrink: bool = True) -> int:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from tests.reliability.test_codec_properties import BODIES

    deadline = time.monotonic() + seconds
    count = 0

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]

    @settings(max_examples=10**9, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=phases)
    @given(body=st.one_of(BODIES, st.binary(max_size=4096)))
    def target(body: bytes) -> None:
        nonlocal count
        count += 1
        if time.monotonic() > deadline:
            raise _TimeUp
        run_one(parse, body)

    try:
        target()
    except _TimeUp:
        print(f"{name}: {count} examples in {seconds:.0f} s, no finding")
        return 0
    except Exception:  # noqa: BLE001 - a finding: report it
        traceback.print_exc()
        return 1
    return 0


class _TimeUp(BaseException):
    """Not an Exception, so hypothesis stops at once instead of shrinking it as a failure."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="time per parser")
    parser.add_argument("--only", help="one parser name (default: each in turn, one process each)")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    options = parser.parse_args(argv)

    engine = options.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    if engine == "atheris" and options.only is None:
        return _each_in_a_process(options.seconds)
    if engine == "atheris":
        import atheris
        import numpy  # noqa: F401 - third-party code is imported uninstrumented (instrumenting numpy takes minutes)
        import scipy.sparse  # noqa: F401

        with atheris.instrument_imports(include=["inference_pipeline", "tests.reliability.parsers"]):
            from tests.reliability.parsers import parsers, run_one
            found = parsers()
        return _fuzz_with_atheris(options.only, found[options.only], options.seconds, run_one)
    from tests.reliability.parsers import parsers, run_one

    found = parsers()
    names = [options.only] if options.only else sorted(found)
    return max(_fuzz_with_hypothesis(name, found[name], options.seconds, run_one) for name in names)


def _each_in_a_process(seconds: float) -> int:
    import subprocess

    from tests.reliability.parsers import parsers

    status = 0
    for name in sorted(parsers()):
        proc = subprocess.run([sys.executable, "-m", "tests.reliability.fuzz_parsers", "--only", name,
                               "--seconds", str(seconds), "--engine", "atheris"], check=False,
                              capture_output=True, text=True, timeout=seconds * 3 + 60)
        summary = (proc.stdout.strip().splitlines() or ["no summary"])[-1]
        coverage = [line for line in proc.stderr.splitlines() if " DONE " in line or "pulse" in line][-1:]
        print(f"exit {proc.returncode}: {summary} {' '.join(coverage)}", flush=True)
        if proc.returncode != 0:
            print(proc.stderr[-4000:])
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
