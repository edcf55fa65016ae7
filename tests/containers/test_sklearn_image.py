"""The built sklearn image, started as SageMaker starts it (docker run IMAGE serve)."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import requests

from tests.support.docker import require_image, run_container
from tests.support.sklearn_models import build_featurizer

pytestmark = pytest.mark.docker
ROW = "M, 0.44, 0.365, 0.125, 0.516, 0.2155, 0.114, 0.155"
SIZE_BUDGET_MB = 450


def readable(path: Path) -> Path:
    """Pytest's temp dirs are 0700; a container running as another uid must read the model."""
    for root, _dirs, files in os.walk(path):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    parent = path
    while parent != parent.parent and str(parent).startswith("/tmp"):
        os.chmod(parent, os.stat(parent).st_mode | 0o055)
        parent = parent.parent
    return path


@pytest.fixture(scope="module")
def image() -> str:
    return require_image("sklearn")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return readable(build_featurizer(tmp_path_factory.mktemp("sk-image") / "model"))


def _invoke(url: str, accept: str) -> requests.Response:
    return requests.post(f"{url}/invocations", data=ROW, headers={"Content-Type": "text/csv", "Accept": accept},
                         timeout=20)


def test_serves_csv_and_json_as_root(image, model_dir):
    with run_container(image, model_dir, env={"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}) as container:
        csv_response = _invoke(container.url, "text/csv")
        assert csv_response.status_code == 200, csv_response.text
        values = np.loadtxt(io.StringIO(csv_response.text), delimiter=",", ndmin=2)
        assert values.shape == (1, 10)
        json_response = _invoke(container.url, "application/json")
        assert json_response.status_code == 200
        np.testing.assert_allclose(json_response.json()["instances"][0]["features"], values[0])


def test_runs_unprivileged_with_read_only_root(image, model_dir):
    with run_container(image, model_dir, env={"SAGEMAKER_PROGRAM": "sklearn_abalone_featurizer.py"}, user="65534:65534",
                       read_only=True) as container:
        assert _invoke(container.url, "text/csv").status_code == 200


def test_train_is_refused_clearly(image):
    proc = subprocess.run(["docker", "run", "--rm", "--network=host", image, "train"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "only serves" in proc.stderr


def test_failed_requirements_install_stops_the_container_with_one_clear_line(image, tmp_path):
    model = build_featurizer(tmp_path / "model")
    (model / "code" / "requirements.txt").write_text("inference-pipeline-no-such-package-xyz==0.0.1\n")
    proc = subprocess.run(["docker", "run", "--rm", "--network=host", "-v", f"{readable(model)}:/opt/ml/model:ro",
                           "-e", "SAGEMAKER_PROGRAM=sklearn_abalone_featurizer.py", image, "serve"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "requirements.txt failed" in proc.stderr


def test_image_size_within_budget(image):
    size = int(subprocess.check_output(["docker", "image", "inspect", "-f", "{{.Size}}", image], text=True))
    assert size / 1e6 <= SIZE_BUDGET_MB, f"{image} is {size / 1e6:.0f} MB (budget {SIZE_BUDGET_MB} MB)"


def test_declares_bind_to_port_capability(image):
    label = subprocess.check_output(["docker", "image", "inspect", "-f",
        '{{index .Config.Labels "com.amazonaws.sagemaker.capabilities.accept-bind-to-port"}}', image], text=True)
    assert label.strip() == "true"
