"""`inference-pipeline invoke` sends SageMaker Runtime's optional headers to the local front door."""

from __future__ import annotations

import subprocess
import sys

from tests.support.fake_hop import fake_hop
from tests.support.frontdoor import frontdoor

CLI = [sys.executable, "-c", "from inference_pipeline.cli import main; main()"]


def invoke(url: str, *args: str, body: bytes = b"1,2") -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "invoke", "--url", url, *args], input=body, capture_output=True, timeout=120)


def test_custom_attributes_and_target_container(tmp_path):
    with fake_hop("first") as first, fake_hop("second") as second:
        with frontdoor([("first", first), ("second", second)], tmp_path, mode="Direct") as url:
            answer = invoke(url, "--target-container", "second", "--custom-attributes", "trace=7")
            assert answer.returncode == 0, answer.stderr.decode()
            assert answer.stdout == b"1,2>second:text/csv:None\n"
            assert b"custom attributes trace=7>second" in answer.stderr
            assert b"variant AllTraffic" in answer.stderr
            missing = invoke(url)
            assert missing.returncode == 1 and b"400" in missing.stderr
            assert b"configured for direct invocation" in missing.stdout


def test_target_variant(tmp_path):
    with fake_hop("a") as a, fake_hop("b") as b:
        config = {"endpoint": "ab", "mode": "Serial", "timeout": 10, "data_capture": None, "variants": [
            {"name": "A", "weight": 1.0, "instances": [[{"name": "m", "url": a}]]},
            {"name": "B", "weight": 0.0, "instances": [[{"name": "m", "url": b}]]}]}
        with frontdoor(None, tmp_path, config=config) as url:
            answer = invoke(url, "--target-variant", "B")
            assert answer.returncode == 0, answer.stderr.decode()
            assert b"variant B" in answer.stderr
            unknown = invoke(url, "--target-variant", "C")
            assert unknown.returncode == 1 and b"variant 'C' does not exist" in unknown.stdout
