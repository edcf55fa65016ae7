"""The local pipeline front door over real HTTP, in front of real serving processes."""

from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
import requests

from tests.support.frontdoor import frontdoor
from tests.support.net import wait_for_ping
from tests.support.server import serve

SCRIPT_DIR = os.path.join(os.path.dirname(__file__), "..", "fixtures", "scripts")


def hop_model(tmp_path, name):
    model = tmp_path / name
    (model / "code").mkdir(parents=True)
    shutil.copy(os.path.join(SCRIPT_DIR, "echo_hop.py"), model / "code" / "echo_hop.py")
    return model


def hop_env(name, output_type):
    return {"SAGEMAKER_PROGRAM": "echo_hop.py", "HOP_NAME": name, "HOP_OUTPUT_TYPE": output_type,
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": f"default/{name}"}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("frontdoor")
    with serve("sklearn", hop_model(tmp, "first"), env=hop_env("first", "text/csv"), tmp_path=tmp) as first, \
         serve("sklearn", hop_model(tmp, "second"), env=hop_env("second", "application/jsonlines"),
               tmp_path=tmp) as second:
        with frontdoor([("first", first.url), ("second", second.url)], tmp) as url:
            yield url, first, second


def test_headers_hand_off_like_sagemaker(pipeline):
    url, _, _ = pipeline
    response = requests.post(f"{url}/invocations", data="in",
                             headers={"Content-Type": "application/x-test", "Accept": "text/x-final"}, timeout=10)
    assert response.status_code == 200, response.text
    # first: client's Content-Type, its own default accept; second: first's output type, client's Accept
    assert response.text == "in>first:application/x-test:default/first>second:text/csv:text/x-final"
    assert response.headers["Content-Type"].startswith("application/jsonlines")
    hops = response.headers["X-Inference-Pipeline-Hops"]
    assert hops.startswith("first=") and ";second=" in hops


def test_container_error_is_424_model_error_naming_it(pipeline):
    url, _, _ = pipeline
    response = requests.post(f"{url}/invocations", data="fail-second", headers={"Content-Type": "text/plain"},
                             timeout=10)
    assert response.status_code == 424
    body = response.json()
    assert body["ErrorCode"] == "ModelError" and body["Container"] == "second"
    assert body["OriginalStatusCode"] == 400
    assert "second cannot read" in body["OriginalMessage"]
    assert "Received client error (400) from second" in body["Message"]
    crash = requests.post(f"{url}/invocations", data="crash-first", headers={"Content-Type": "text/plain"},
                          timeout=10).json()
    assert crash["OriginalStatusCode"] == 500 and crash["Container"] == "first"
    assert "server error (500) from first" in crash["Message"]


def test_payload_limits(pipeline):
    url, _, _ = pipeline
    too_big = requests.post(f"{url}/invocations", data=b"x" * (6 * 1024 * 1024 + 1),
                            headers={"Content-Type": "text/plain"}, timeout=20)
    assert too_big.status_code == 413
    between = requests.post(f"{url}/invocations", data="big-first", headers={"Content-Type": "text/plain"},
                            timeout=20)
    assert between.status_code == 424
    assert "from first to second" in between.json()["Message"] and "5 MB" in between.json()["Message"]


def test_traces_show_each_hop(pipeline):
    url, _, _ = pipeline
    requests.post(f"{url}/invocations", data="traced", headers={"Content-Type": "text/csv"}, timeout=10)
    trace = requests.get(f"{url}/traces", timeout=5).json()[-1]
    assert [hop["container"] for hop in trace["hops"]] == ["first", "second"]
    assert trace["hops"][0]["request_body"] == "traced"
    assert trace["hops"][1]["content_type"].startswith("text/csv")


def test_killed_container_answers_503_naming_it_then_recovers(tmp_path):
    with serve("sklearn", hop_model(tmp_path, "a"), env=hop_env("a", "text/csv"), tmp_path=tmp_path) as a:
        with serve("sklearn", hop_model(tmp_path, "b"), env=hop_env("b", "text/csv"), tmp_path=tmp_path) as b:
            port = b.url.rsplit(":", 1)[1]
            with frontdoor([("a", a.url), ("b", b.url)], tmp_path, timeout=5) as url:
                os.killpg(b.process.pid, signal.SIGKILL)
                b.process.wait()
                started = time.monotonic()
                response = requests.post(f"{url}/invocations", data="x", headers={"Content-Type": "text/csv"},
                                         timeout=20)
                assert time.monotonic() - started < 10
                assert response.status_code == 503
                assert response.json()["Container"] == "b"
                ping = requests.get(f"{url}/ping", timeout=10)
                assert ping.status_code == 503 and "b" in ping.json()["Containers"]
                # restart "b" on the same port: the front door recovers without a restart
                with serve("sklearn", hop_model(tmp_path, "b2"), env=hop_env("b", "text/csv"),
                           tmp_path=tmp_path, port=int(port)):
                    wait_for_ping(f"{url}/ping", timeout=30)
                    again = requests.post(f"{url}/invocations", data="x", headers={"Content-Type": "text/csv"},
                                          timeout=10)
                    assert again.status_code == 200 and again.text.endswith(">b:text/csv:default/b")
