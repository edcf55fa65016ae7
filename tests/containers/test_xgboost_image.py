"""The built xgboost image with a model trained here, over HTTP, as SageMaker starts it."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
import requests

from tests.support.docker import require_image, run_container
from tests.support.xgboost_models import save, train, training_data

pytestmark = pytest.mark.docker
SIZE_BUDGET_MB = 400


@pytest.fixture(scope="module")
def container(tmp_path_factory):
    import xgboost as xgb

    image = require_image("xgboost")
    booster = train("multi:softprob")
    model = save(booster, tmp_path_factory.mktemp("xgb") / "model", "ubj")
    with run_container(image, model) as running:
        yield running, booster, xgb


def post(url, body, headers):
    return requests.post(f"{url}/invocations", data=body, headers=headers, timeout=20)


def test_csv_and_libsvm_match_booster_predict(container):
    running, booster, xgb = container
    x, _ = training_data("multi:softprob", n=100, seed=11)
    x = np.nan_to_num(x)
    csv_body = "\n".join(",".join(repr(float(v)) for v in row) for row in x)
    got = np.loadtxt(io.StringIO(post(running.url, csv_body, {"Content-Type": "text/csv"}).text), delimiter=",")
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(x)), rtol=1e-6)
    libsvm = "\n".join(" ".join(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row)) for row in x)
    response = post(running.url, libsvm, {})  # no Content-Type: libsvm, as SageMaker's container
    assert response.status_code == 200
    np.testing.assert_allclose(np.loadtxt(io.StringIO(response.text), delimiter=","),
                               booster.predict(xgb.DMatrix(x)), rtol=1e-6)
    as_json = post(running.url, csv_body, {"Content-Type": "text/csv", "Accept": "application/json"}).json()
    assert len(as_json["predictions"]) == 100


def test_error_statuses(container):
    running, _, _ = container
    assert post(running.url, "", {"Content-Type": "text/csv"}).status_code == 204
    assert post(running.url, "[1]", {"Content-Type": "application/json"}).status_code == 415
    assert post(running.url, "1,2,3,4,5", {"Content-Type": "text/csv", "Accept": "image/png"}).status_code == 406
    mismatch = post(running.url, "1,2", {"Content-Type": "text/csv"})
    assert mismatch.status_code == 400
    assert "5 features" in mismatch.text and "has 2" in mismatch.text  # names both counts


def test_size_and_label():
    image = require_image("xgboost")
    size = int(subprocess.check_output(["docker", "image", "inspect", "-f", "{{.Size}}", image], text=True))
    assert size / 1e6 <= SIZE_BUDGET_MB, f"{image} is {size / 1e6:.0f} MB (budget {SIZE_BUDGET_MB} MB)"
    label = subprocess.check_output(["docker", "image", "inspect", "-f",
        '{{index .Config.Labels "com.amazonaws.sagemaker.capabilities.accept-bind-to-port"}}', image], text=True)
    assert label.strip() == "true"
