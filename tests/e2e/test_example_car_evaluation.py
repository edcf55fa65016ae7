"""The car-evaluation example end to end in docker compose: the notebook's answer, and every
one of the 1,728 cars batch-transformed equal to the trained model (both post-processors)."""

from __future__ import annotations

import pytest

from tests.e2e.example_runner import run_example
from tests.support.docker import require_image

pytestmark = [pytest.mark.docker, pytest.mark.spark]


def test_car_evaluation_example(tmp_path):
    for image in ("sparkml", "xgboost", "postprocessing"):
        require_image(image)
    summary, stdout = run_example("sparkml-xgboost-car-evaluation", tmp_path)
    for spec, answer in summary.items():
        assert answer["answer"] in ("unacc", "acc", "good", "vgood"), spec
        assert answer["answer"] == "vgood", spec  # low,low,5more,more,big,high is vgood in the data
        assert answer["rows"] == answer["expected"] == 1728
        assert answer["agree"] == 1728, spec
    assert "xgboost" in stdout and "'3.0\\n'" in stdout  # the per-hop trace
