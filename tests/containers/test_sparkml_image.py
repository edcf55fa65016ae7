"""The built sparkml image: no JVM, no pyspark, fast start, AWS's contract."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import requests

from inference_pipeline.mleap import load_bundle
from tests.support.docker import require_image, run_container
from tests.support.mleap_bundles import ABALONE_SCHEMA, abalone_pipeline, index_to_string, write

pytestmark = pytest.mark.docker
SIZE_BUDGET_MB = 250
ROW = "F,0.515,0.425,0.14,0.766,0.304,0.1725,0.255"


@pytest.fixture(scope="module")
def image() -> str:
    return require_image("sparkml")


def test_serves_abalone_bundle_from_a_tarball_layout(image, tmp_path):
    archive = write(abalone_pipeline(), tmp_path / "model.tar.gz", archive="tar.gz")
    model = tmp_path / "model"
    model.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(model)], check=True)  # as SageMaker unpacks it
    assert (model / "bundle.json").is_file()
    with run_container(image, model, env={"SAGEMAKER_SPARKML_SCHEMA": json.dumps(ABALONE_SCHEMA)}) as c:
        response = requests.post(f"{c.url}/invocations", data=ROW, headers={"Content-Type": "text/csv"}, timeout=10)
        assert response.status_code == 200
        assert response.text == "0.0,0.0,0.515,0.425,0.14,0.766,0.304,0.1725,0.255"
        lines = requests.post(f"{c.url}/invocations", data=ROW, timeout=10,
                              headers={"Content-Type": "text/csv", "Accept": "application/jsonlines"})
        assert lines.text.startswith('{"features":[0.0,0.0,0.515')


def test_serves_mleap_projects_own_airbnb_sample(image, tmp_path):
    """A bundle MLeap itself wrote (0.x attribute encoding), unzipped as SageMaker unpacks a tarball."""
    samples = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mleap-samples"
    if not (samples / "airbnb.model.lr.zip").is_file():
        pytest.skip(f"MLeap sample data not found in {samples} (shared data folder beside the repo)")
    model = tmp_path / "model"
    with zipfile.ZipFile(samples / "airbnb.model.lr.zip") as archive:
        archive.extractall(model)
    frame = json.loads((samples / "frame.airbnb.json").read_text())
    schema = {"input": frame["schema"]["fields"], "output": {"name": "price_prediction", "type": "double"}}
    columns = [field["name"] for field in frame["schema"]["fields"]]
    expected = load_bundle(model).transform({c: [v] for c, v in zip(columns, frame["rows"][0], strict=True)})
    price = float(expected.to_dict()["price_prediction"][0])
    with run_container(image, model, env={"SAGEMAKER_SPARKML_SCHEMA": json.dumps(schema)}) as c:
        csv = ",".join(str(v) for v in frame["rows"][0])
        response = requests.post(f"{c.url}/invocations", data=csv, headers={"Content-Type": "text/csv"}, timeout=10)
        assert response.status_code == 200, response.text
        assert float(response.text) == price
        as_json = requests.post(f"{c.url}/invocations", json={"data": frame["rows"][0]}, timeout=10,
                                headers={"Accept": "application/jsonlines"})
        assert as_json.status_code == 200, as_json.text
        assert float(as_json.text) == price  # a basic (non-vector) output comes back bare, as AWS's


def test_first_request_right_after_ping(image, tmp_path):
    """The first /ping 200 means the model is loaded: the very next request is answered. (Start-up
    time is a benchmark, benchmarks/bench_startup.py, not a timed test.)"""
    model = write(index_to_string(["unacc", "acc", "good", "vgood"]), tmp_path / "post")
    env = {"SAGEMAKER_SPARKML_SCHEMA": '{"input": [{"type": "double", "name": "label"}], '
                                       '"output": {"type": "string", "name": "cat"}}'}
    with run_container(image, model, env=env, timeout=30) as c:
        assert requests.post(f"{c.url}/invocations", data="3.0", headers={"Content-Type": "text/csv"},
                             timeout=10).text == "vgood"


def test_no_jvm_and_no_pyspark(image):
    probe = subprocess.run(["docker", "run", "--rm", "--network=host", "--entrypoint", "sh", image, "-c",
                            "command -v java || true; python3 -c 'import importlib.util as u; "
                            "print(u.find_spec(\"pyspark\") is None)'"], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "True", probe.stdout + probe.stderr


def test_image_size_within_budget(image):
    size = int(subprocess.check_output(["docker", "image", "inspect", "-f", "{{.Size}}", image], text=True))
    assert size / 1e6 <= SIZE_BUDGET_MB, f"{image} is {size / 1e6:.0f} MB (budget {SIZE_BUDGET_MB} MB)"
