"""The built postprocessing image, started as SageMaker starts it: lean, and every format."""

from __future__ import annotations

import json
import subprocess
import textwrap
import time

import pytest
import requests

from tests.support.docker import require_image, run_container

pytestmark = pytest.mark.docker
# The base layer (Python, numpy, granian, flask) is ~199 MB of it; 205 since rloop (0.9 MB, the
# event loop: 20% less CPU per request than asyncio's, benchmarks/results/server-choice.md).
SIZE_BUDGET_MB = 205
CAR_LABELS = ["unacc", "acc", "good", "vgood"]


@pytest.fixture(scope="module")
def image() -> str:
    return require_image("postprocessing")


@pytest.fixture(scope="module")
def car(image, tmp_path_factory):
    """The car-evaluation label map from a mounted model dir (config file + labels file)."""
    model = tmp_path_factory.mktemp("car") / "model"
    model.mkdir()
    (model / "labels.txt").write_text("".join(f"{label}\n" for label in CAR_LABELS))
    (model / "postprocessing.json").write_text(json.dumps({"postprocessor": "label"}))
    with run_container(image, model, read_only=True) as container:
        yield container


def post(url, body, content_type="text/csv", accept=None):
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    return requests.post(f"{url}/invocations", data=body, headers=headers, timeout=10)


def test_ping_and_execution_parameters(car):
    assert requests.get(f"{car.url}/ping", timeout=5).status_code == 200
    params = requests.get(f"{car.url}/execution-parameters", timeout=5).json()
    assert params["BatchStrategy"] == "MULTI_RECORD"


def test_car_example_matches_the_sparkml_index_to_string_body(car):
    response = post(car.url, "3.0")
    assert response.status_code == 200 and response.text == "vgood"
    assert response.headers["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("content_type,body,accept,expected", [
    ("text/csv", "3.0\n1.0\n", "application/json", '{"predictions": [{"label": "vgood"}, {"label": "acc"}]}'),
    ("application/json", '{"predictions": [{"score": 2.0}]}', "text/csv", "good"),
    ("application/json", '{"predictions": [{"predicted_label": 0}]}', "application/jsonlines",
     '{"label": "unacc"}\n'),
    ("application/jsonlines", "0\n3\n", None, "unacc\nvgood"),
])
def test_request_and_response_formats(car, content_type, body, accept, expected):
    response = post(car.url, body, content_type, accept)
    assert response.status_code == 200, response.text
    assert response.text == expected
    assert response.headers["Content-Type"].startswith(accept or "text/csv")


@pytest.mark.parametrize("body,content_type,accept,status,message", [
    ("3.0\n9.0", "text/csv", None, 400, "row 2: 9.0 is not a class index (0..3)"),
    ("2.5", "text/csv", None, 400, "row 1: 2.5 is not a class index"),
    ("{", "application/json", None, 400, "not valid JSON"),
    ("1", "application/x-npy", None, 415, "application/x-npy"),
    ("1", "text/csv", "image/png", 406, "image/png"),
    ("", "text/csv", None, 204, ""),
])
def test_error_cases(car, body, content_type, accept, status, message):
    response = post(car.url, body, content_type, accept)
    assert response.status_code == status
    assert message in response.text


def test_env_only_configuration_needs_no_model_data(image):
    env = {"POSTPROCESSOR": "topk", "POSTPROCESSING_TOP_K": "2", "POSTPROCESSING_LABELS": '["a", "b", "c"]',
           "POSTPROCESSING_ID_COLUMN": "true"}
    with run_container(image, None, env=env) as container:
        assert post(container.url, "r1,0.2,0.5,0.3").text == "r1,b,c,0.5,0.3"


def test_user_script_with_default_hooks(image, tmp_path):
    model = tmp_path / "model"
    (model / "code").mkdir(parents=True)
    (model / "code" / "post.py").write_text(textwrap.dedent("""
        def output_fn(prediction, accept):
            return "|".join(row["label"] for row in prediction), "text/plain"
    """))
    env = {"SAGEMAKER_PROGRAM": "post.py", "POSTPROCESSOR": "threshold", "POSTPROCESSING_LABELS": "no,yes"}
    with run_container(image, model, env=env) as container:
        response = post(container.url, "0.9\n0.1")
        assert response.text == "yes|no" and response.headers["Content-Type"].startswith("text/plain")


def test_bad_configuration_keeps_ping_failing_with_the_reason(image):
    with run_container(image, None, env={"POSTPROCESSOR": "label"}, wait_for=503) as container:
        deadline = time.monotonic() + 30
        while "model is loading" in (ping := requests.get(f"{container.url}/ping", timeout=5)).text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert ping.status_code == 503 and "needs labels" in ping.text


def test_image_is_lean(image):
    probe = subprocess.run(["docker", "run", "--rm", "--entrypoint", "python3", image, "-c",
                            "import importlib.util as u; print([m for m in ('sklearn', 'pandas', 'pyspark', 'scipy') "
                            "if u.find_spec(m)])"], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "[]", probe.stderr
    size = int(subprocess.check_output(["docker", "image", "inspect", "-f", "{{.Size}}", image], text=True))
    assert size / 1e6 <= SIZE_BUDGET_MB, f"{image} is {size / 1e6:.0f} MB (budget {SIZE_BUDGET_MB} MB)"
