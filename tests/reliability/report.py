"""Render RELIABILITY.md from the latest results of the reliability suite.

    .venv/bin/python -m tests.reliability.report

The tests write their findings under tests/reliability/.results/ (see ``results``); the session
hook in this package's conftest calls ``write_report`` after any run that produced some. The
hostile-request rows and the archive cases are read from the test modules themselves, so the
report lists what the suite really tries.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from tests.reliability import results

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "RELIABILITY.md"

#: Faults of issue 13 tested where they belong: (fault, test file, test names).
COVERED_ELSEWHERE = [
    ("corrupt, truncated or missing model, per image: the load fails with a clear error "
     "instead of serving a broken model", "tests/unit/hardening/test_model_integrity.py", None),
    ("SIGTERM with requests in flight: they finish, the server exits 0 within 30 s",
     "tests/contract/test_http_robustness.py", ["test_sigterm_finishes_in_flight_requests_and_exits_0"]),
    ("kill -9 of a worker: replaced with no 503 on /ping", "tests/contract/test_http_robustness.py",
     ["test_killed_worker_is_replaced_without_503"]),
    ("a killed container behind the front door: 503 naming it, then recovery",
     "tests/contract/test_frontdoor.py", ["test_killed_container_answers_503_naming_it_then_recovers"]),
    ("a batch file with failing records: the failure names the record, the other files go on",
     "tests/unit/batch/test_engine.py", None),
]
ARCHIVE_TESTS = "tests/unit/test_archives.py"
REFUSAL_WORDS = ("refuse", "reject", "limit", "corrupt", "bomb", "must", "cap", "escap")


def _case_names(cases: ast.List | ast.Tuple) -> list[str]:
    """The archive member names each parametrized case builds (the string arguments of ``entry``)."""
    names = []
    for case in cases.elts:
        members = [_describe_entry(node) for node in ast.walk(case) if isinstance(node, ast.Call)
                   and getattr(node.func, "id", "") == "entry" and node.args]
        names.append(" + ".join(members))
    return names


_KINDS = {"SYMTYPE": "symlink", "LNKTYPE": "hard link", "CHRTYPE": "char device", "BLKTYPE": "block device",
          "FIFOTYPE": "FIFO", "DIRTYPE": "dir"}


def _describe_entry(call: ast.Call) -> str:
    """``entry("link", tarfile.SYMTYPE, "/etc/passwd")`` -> ``link (symlink → /etc/passwd)``."""
    values = [arg.value if isinstance(arg, ast.Constant) else _KINDS.get(getattr(arg, "attr", ""), "?")
              for arg in call.args]
    name, details = str(values[0]), [str(v) for v in values[1:]]
    if not details:
        return name
    return f"{name} ({details[0]}" + (f" → {details[1]}" if len(details) > 1 else "") + ")"


def _tests_in(path: str) -> dict[str, tuple[str, list[str]]]:
    """Test functions of a file: name -> (first sentence of the docstring, parametrized case names)."""
    tree = ast.parse((ROOT / path).read_text())
    found: dict[str, tuple[str, list[str]]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            cases: list[str] = []
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "parametrize"
                        and len(decorator.args) > 1 and isinstance(decorator.args[1], ast.List | ast.Tuple)):
                    cases = _case_names(decorator.args[1])
            doc = (ast.get_docstring(node) or "").split(". ")[0].split("\n\n")[0].replace("\n", " ")
            found[node.name] = (doc, cases)
    return found


def _statuses(values: list[int]) -> str:
    return " ".join(str(v) if v else "closed" for v in values)


def _hostile_section() -> list[str]:
    from tests.reliability.cases import cases
    from tests.reliability.runtimes import specs

    seen = {(r["variant"], r["runtime"]): r["seen"] for r in results.load("hostile")}
    when = sorted({r["recorded"] for r in results.load("hostile")})
    all_specs = specs()
    rows: dict[str, dict[str, Any]] = {}
    for name, spec in all_specs.items():
        for case in cases(spec):
            row = rows.setdefault(case.name, {"allowed": sorted(case.statuses), "cells": {}})
            process, image = (seen.get((v, name), {}).get(case.name) for v in ("process", "image"))
            if process is None and image is None:
                cell = "not run"
            elif process == image or image is None:
                cell = _statuses(process or [])
            else:
                cell = (_statuses(process) + " / " if process is not None else "") + f"img {_statuses(image)}"
            row["cells"][name] = cell
    lines = ["## Hostile inputs per image", "",
             f"{len(rows)} kinds of request (tests/reliability/cases.py), raw HTTP to the real `serve` process "
             "of each image (test_hostile_requests) and to the built image (test_hostile_images). A cell is "
             "the statuses seen, the same for both unless marked `img`; every row must also get an X-Request-Id "
             "and a non-empty, encodable error body; `/ping` must answer 200 after the table. "
             f"Last run: {', '.join(when) or 'never'}.", "",
             "| request | allowed | " + " | ".join(all_specs) + " |",
             "|---|---|" + "---|" * len(all_specs)]
    for case_name, row in rows.items():
        cells = [row["cells"].get(name, "—") for name in all_specs]
        lines.append(f"| {case_name} | {_statuses(row['allowed'])} | " + " | ".join(cells) + " |")
    return lines + [""]


def _fault_section() -> list[str]:
    lines = ["## Faults survived", "", "tests/reliability/test_faults.py, bounded traffic to 127.0.0.1:", "",
             "| fault | requests | statuses seen | hung | afterwards | run |", "|---|---|---|---|---|---|"]
    for r in results.load("fault"):
        statuses = ", ".join(f"{'no answer' if k == '0' else k}: {v}" for k, v in sorted(r["statuses"].items()))
        lines.append(f"| {r['fault']} | {r['requests']} | {statuses} | {r['hung']} | {r['after']} | {r['recorded']} |")
    lines += ["", "Tested where they belong (not repeated here):", ""]
    for fault, path, names in COVERED_ELSEWHERE:
        tests = _tests_in(path)
        chosen = names if names is not None else [n for n in tests if any(w in n for w in
                                                                          ("fail", "truncat", "corrupt", "garbage"))]
        missing = [n for n in chosen if n not in tests]
        if missing:
            raise SystemExit(f"{path} has no {', '.join(missing)}: update report.COVERED_ELSEWHERE")
        lines.append(f"- {fault}: `{path}` — " + ", ".join(f"`{n}`" for n in chosen))
    return lines + [""]


def _soak_section() -> list[str]:
    lines = ["## Soak", ""]
    runs = results.load("soak")
    if not runs:
        return lines + ["Not run yet (tests/reliability/test_soak.py needs the car example trained).", ""]
    for r in runs:
        lines += [f"The car-evaluation pipeline ({' → '.join(r['containers'])}, local processes) "
                  f"for {r['seconds']} s with {r['clients']} closed-loop clients, {r['recorded']}:", "",
                  f"- peak measured over 3 s: {r['peak_rps']} requests/s; held at 80%: target {r['target_rps']}, "
                  f"achieved {r['achieved_rps']} requests/s",
                  f"- {r['requests']} requests, {r['errors']} errors",
                  f"- latency p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms", "",
                  f"| container | RSS at start (MB) | RSS at end (MB) | bound: {r['rss_bound']} |",
                  "|---|---|---|---|"]
        for name in r["containers"]:
            start, end = r["rss_start_mb"][name], r["rss_end_mb"][name]
            lines.append(f"| {name} | {start} | {end} | {'within' if end <= 1.5 * start + 20 else 'EXCEEDED'} |")
        lines += ["", "RSS is the server process and its workers, measured after the peak phase warmed them. "
                  "The bound allows allocator arenas and first-use imports to settle; a per-request leak of a "
                  "few KB exceeds it in the 600 s run (`RELIABILITY_SOAK_SECONDS=600`).", ""]
    return lines


def _archive_section() -> list[str]:
    tests = _tests_in(ARCHIVE_TESTS)
    refusing = {n: v for n, v in tests.items() if any(w in n for w in REFUSAL_WORDS)}
    total = sum(max(1, len(cases)) for _, cases in refusing.values())
    lines = ["## Artifacts refused", "", f"`{ARCHIVE_TESTS}`: {len(refusing)} tests, {total} cases, of model "
             "archives the extractor refuses (or bounds):", ""]
    for name, (doc, cases) in refusing.items():
        lines.append(f"- `{name}`" + (f": {doc}" if doc else ""))
        lines += [f"  - `{case}`" for case in cases]
    return lines + [""]


def render() -> str:
    lines = ["# Reliability", "",
             "Generated by the reliability suite (`pytest tests/reliability`, or "
             "`python -m tests.reliability.report` from its last results); do not edit by hand.", ""]
    lines += _hostile_section() + _fault_section() + _soak_section() + _archive_section()
    return "\n".join(lines).rstrip() + "\n"


def write_report() -> Path:
    REPORT.write_text(render())
    return REPORT


if __name__ == "__main__":
    print(write_report())
