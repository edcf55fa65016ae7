"""scikit-learn featurizer + Linear Learner example in docker compose: a plausible ring count equal
to the host-side prediction (≤ 1e-6), and a JSON Lines batch with one line per row."""

from __future__ import annotations

import pytest

from tests.e2e.example_runner import run_example
from tests.support.docker import require_image

pytestmark = pytest.mark.docker


def test_sklearn_linear_learner_example(tmp_path):
    for image in ("sklearn", "linear-learner"):
        require_image(image)
    summary, stdout = run_example("sklearn-linear-learner-abalone", tmp_path)
    assert summary["status"] == 200 and summary["content_type"].startswith("application/json")
    score = summary["answer"]["predictions"][0]["score"]
    assert 1 <= score <= 29  # a plausible ring count
    assert abs(score - summary["expected_notebook_row"]) <= 1e-6
    assert summary["batch_rows"] == summary["batch_lines"] == 500
    assert summary["batch_max_abs_diff"] <= 1e-6
    assert '{"instances": [{"features": [' in stdout  # what the featurizer handed to Linear Learner
