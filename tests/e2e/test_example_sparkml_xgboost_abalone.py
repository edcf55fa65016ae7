"""SparkML + XGBoost abalone example in docker compose: the notebook's three requests agree with
the host-side model and the batch transform equals it (≤ 1e-6)."""

from __future__ import annotations

import pytest

from tests.e2e.example_runner import run_example
from tests.support.docker import require_image

pytestmark = [pytest.mark.docker, pytest.mark.spark]


def test_sparkml_xgboost_abalone_example(tmp_path):
    for image in ("sparkml", "xgboost"):
        require_image(image)
    summary, stdout = run_example("sparkml-xgboost-abalone", tmp_path)
    assert summary["statuses"] == [200, 200, 200]
    answers = [float(a) for a in summary["answers"]]
    assert all(abs(a - summary["expected_notebook_row"]) <= 1e-6 for a in answers)
    assert 1 <= answers[0] <= 29  # a plausible ring count
    assert summary["batch_rows"] == 300 and summary["batch_max_abs_diff"] <= 1e-6
