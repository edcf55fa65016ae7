"""The built linear-learner stand-in image with a model fitted by scikit-learn."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
from sklearn.linear_model import LinearRegression

from inference_pipeline.runtimes.linear_learner.model import save_linear_learner_model
from tests.support.docker import require_image, run_container

pytestmark = pytest.mark.docker


def test_regressor_json_and_errors(tmp_path):
    image = require_image("linear-learner")
    x = np.random.default_rng(2).normal(size=(40, 10))
    model = LinearRegression().fit(x, x.sum(axis=1))
    save_linear_learner_model(tmp_path / "model", model)
    with run_container(image, tmp_path / "model") as container:
        body = json.dumps({"instances": [{"features": row.tolist()} for row in x[:5]]})
        response = requests.post(f"{container.url}/invocations", data=body,
                                 headers={"Content-Type": "application/json"}, timeout=10)
        assert response.status_code == 200
        np.testing.assert_allclose([p["score"] for p in response.json()["predictions"]], model.predict(x[:5]))
        bad = requests.post(f"{container.url}/invocations", data="1,2", headers={"Content-Type": "text/csv"},
                            timeout=10)
        assert bad.status_code == 400
        xml = requests.post(f"{container.url}/invocations", data="<a/>", headers={"Content-Type": "text/xml"},
                            timeout=10)
        assert xml.status_code == 415
