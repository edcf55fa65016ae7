"""The car-evaluation example end to end in docker compose: the notebook's answer, and every
one of the 1,728 cars batch-transformed equal to the trained model (both post-processors).

It runs as the README's main command does (``--keep-up``): the pipeline stays serving, and
running the command again replaces it instead of fighting it for the port.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.example_runner import run_example
from tests.support.docker import require_image
from tests.support.net import held_port

pytestmark = [pytest.mark.docker, pytest.mark.spark]
PAYLOAD = "low,low,5more,more,big,high"


def _down(tmp_path: Path) -> None:
    spec = tmp_path / "examples" / "sparkml-xgboost-car-evaluation" / "pipeline.yaml"
    cli = Path(sys.executable).with_name("inference-pipeline")
    subprocess.run([str(cli), "down", str(spec)], env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
                   check=True, capture_output=True, timeout=120)


def _check(summary: dict) -> None:
    for spec, answer in summary.items():
        assert answer["answer"] in ("unacc", "acc", "good", "vgood"), spec
        assert answer["answer"] == "vgood", spec  # low,low,5more,more,big,high is vgood in the data
        assert answer["rows"] == answer["expected"] == 1728
        assert answer["agree"] == 1728, spec


def test_car_evaluation_example_as_the_readme_runs_it(tmp_path):
    for image in ("sparkml", "xgboost", "postprocessing"):
        require_image(image)
    with held_port() as port:
        _readme_run(tmp_path, port)


def _readme_run(tmp_path, port: int) -> None:
    url = f"http://127.0.0.1:{port}/invocations"
    try:
        summary, stdout = run_example("sparkml-xgboost-car-evaluation", tmp_path, "--keep-up", port=port)
        _check(summary)
        assert set(summary) == {"pipeline.yaml", "pipeline.postprocessing.yaml"}
        assert "xgboost" in stdout and "'3.0\\n'" in stdout  # the per-hop trace
        kept = requests.post(url, data=PAYLOAD, headers={"Content-Type": "text/csv"}, timeout=30)
        assert kept.status_code == 200 and kept.text == "vgood"

        again, _ = run_example("sparkml-xgboost-car-evaluation", tmp_path, "--keep-up", "--skip-train", port=port)
        _check(again)
        assert requests.post(url, data=PAYLOAD, headers={"Content-Type": "text/csv"}, timeout=30).text == "vgood"
    finally:
        _down(tmp_path)
    with pytest.raises(requests.ConnectionError):
        requests.post(url, data=PAYLOAD, headers={"Content-Type": "text/csv"}, timeout=5)
