"""`inference-pipeline push` against a real registry (Debian's docker-registry on 127.0.0.1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
import requests

from inference_pipeline.build.images import image_names
from tests.support.docker import require_image
from tests.support.net import LOCALHOST, held_port

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    binary = shutil.which("docker-registry")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-registry is not installed (scripts/install-docker.sh installs it)")
        pytest.skip("docker-registry is not installed (apt-get install docker-registry)")
    root = tmp_path_factory.mktemp("registry")
    with held_port() as port:  # until the registry listens on it
        process, address = _start_registry(binary, root, port)
    yield address
    process.terminate()
    process.wait(timeout=10)


def _start_registry(binary: str, root, port: int) -> tuple[subprocess.Popen, str]:
    config = root / "config.yml"
    config.write_text(f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
                      f"http:\n  addr: {LOCALHOST}:{port}\nlog:\n  level: warn\n")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    address = f"{LOCALHOST}:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://{address}/v2/", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    return process, address


def test_push_every_image_and_pull_it_back(registry):
    names = image_names()
    for name in names:
        require_image(name)
    result = subprocess.run([sys.executable, "-c", "from inference_pipeline.cli import main; main()", "push",
                             f"{registry}/team", "--tag", "1.0.0"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    catalog = requests.get(f"http://{registry}/v2/_catalog", timeout=5).json()["repositories"]
    assert sorted(catalog) == sorted(f"team/inference-pipeline/{name}" for name in names)
    for name in names:
        ref = f"{registry}/team/inference-pipeline/{name}:1.0.0"
        assert ref in result.stdout
        subprocess.run(["docker", "rmi", ref], check=True, capture_output=True)
        pulled = subprocess.run(["docker", "pull", ref], capture_output=True, text=True, timeout=300)
        assert pulled.returncode == 0, pulled.stderr
        local_id = subprocess.check_output(["docker", "image", "inspect", "-f", "{{.Id}}",
                                            f"inference-pipeline/{name}:latest"], text=True)
        pulled_id = subprocess.check_output(["docker", "image", "inspect", "-f", "{{.Id}}", ref], text=True)
        assert pulled_id == local_id
        subprocess.run(["docker", "rmi", ref], capture_output=True)


def test_push_refuses_a_scheme():
    from inference_pipeline.build.push import PushError, remote_ref

    with pytest.raises(PushError, match="without a scheme"):
        remote_ref("https://registry.example", "sklearn", "1")
    assert remote_ref("host:5000/x/", "sklearn", "1") == "host:5000/x/inference-pipeline/sklearn:1"
