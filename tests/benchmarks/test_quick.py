"""benchmarks/run.py --quick: every scenario runs against the built images and yields numbers.

No timing assertions (speed targets live in benchmarks/results/); this only keeps the harness
working: each server started, gave the model's answers, and every cell has requests and percentiles.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.docker import require_image

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {"ridge", "featurizer", "xgboost", "sparkml"}


@pytest.mark.docker
def test_quick_benchmark_runs_every_scenario(tmp_path: Path) -> None:
    for image in ("sklearn", "xgboost", "sparkml"):
        require_image(image)
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    [results_file] = tmp_path.glob("*-quick.json")
    results = json.loads(results_file.read_text())
    servers = results["servers"]
    assert {s["scenario"] for s in servers} == SCENARIOS
    assert not [s for s in servers if "error" in s]
    ours = {s["scenario"] for s in servers if s["side"] == "ours"}
    floors = {s["scenario"] for s in servers if s["side"] == "floor"}
    assert ours == SCENARIOS and floors == SCENARIOS - {"sparkml"}
    for server in servers:
        assert server["cold_start_s"] > 0
        assert len(server["cells"]) == len(results["protocol"]["rows"]) * len(results["protocol"]["concurrency"])
        for cell in server["cells"]:
            assert cell["requests"] > 0 and cell["req_per_s"] > 0, (server["name"], cell)
            assert 0 < cell["p50_ms"] <= cell["p90_ms"] <= cell["p99_ms"], (server["name"], cell)
            assert cell["rss_peak_mib"] > 0 and cell["cpu_ms_per_req"] is not None
            if server["side"] == "ours":  # serving overhead = server CPU - in-process cost, per cell
                assert cell["in_process_ms"] > 0 and "overhead_ms_per_req" in cell, (server["name"], cell)
    report = (tmp_path / "serving-quick.md").read_text()
    assert report.count("| ridge |") >= 2 and "## Serving overhead (ours)" in report
    assert (tmp_path / "serving-throughput-quick.png").stat().st_size > 0
    assert (tmp_path / "serving-latency-quick.png").stat().st_size > 0
