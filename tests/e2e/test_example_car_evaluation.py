"""The car-evaluation example end to end in docker compose: the notebook's answer, and every
one of the 1,728 cars batch-transformed equal to the trained model (both post-processors)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.docker import require_image
from tests.support.net import free_port

pytestmark = [pytest.mark.docker, pytest.mark.spark]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sparkml-xgboost-car-evaluation"


def test_car_evaluation_example(tmp_path):
    for image in ("sparkml", "xgboost", "postprocessing"):
        require_image(image)
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("work"))
    result = subprocess.run([sys.executable, str(copy / "run.py"), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout[result.stdout.index("{\n"):])
    for spec, answer in summary.items():
        assert answer["answer"] in ("unacc", "acc", "good", "vgood"), spec
        assert answer["answer"] == "vgood", spec  # low,low,5more,more,big,high is vgood in the data
        assert answer["rows"] == answer["expected"] == 1728
        assert answer["agree"] == 1728, spec
    assert "xgboost" in result.stdout and "→ text/csv   '3.0" in result.stdout  # the per-hop trace
