"""The local simulator end to end: compose mode and --no-docker give byte-identical answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
import yaml

from inference_pipeline.pipeline.local import LocalPipeline, SimulatorError, plan_containers, render_compose
from inference_pipeline.spec.model import load_spec
from tests.support.docker import require_image
from tests.support.net import held_ports

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"


def write_spec(tmp_path: Path) -> Path:
    for name in ("first", "second"):
        code = tmp_path / name / "code"
        code.mkdir(parents=True)
        shutil.copy(FIXTURES / "echo_hop.py", code / "echo_hop.py")
    spec = {
        "name": "echo-pipeline",
        "containers": [
            {"name": "first", "image": "repo:sklearn", "model": "first",
             "environment": {"SAGEMAKER_PROGRAM": "echo_hop.py", "HOP_NAME": "first", "HOP_OUTPUT_TYPE": "text/csv"}},
            {"name": "second", "image": "builtin:sklearn:1.2-1", "model": "second",
             "environment": {"SAGEMAKER_PROGRAM": "echo_hop.py", "HOP_NAME": "second",
                             "HOP_OUTPUT_TYPE": "application/json"}},
        ],
    }
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def run_requests(url: str) -> list[tuple[int, bytes, str]]:
    answers = []
    for index, (body, headers) in enumerate([("a,b", {"Content-Type": "text/csv", "Accept": "application/json"}),
                          ("fail-second", {"Content-Type": "text/csv"}),
                          ("x", {"Content-Type": "text/plain; charset=utf-8"})]):
        headers["X-Amzn-SageMaker-Inference-Id"] = f"request-{index}"  # request ids appear in error bodies
        response = requests.post(f"{url}/invocations", data=body, headers=headers, timeout=30)
        payload = response.content
        if response.status_code == 424:  # drop the local log stream name, which names the mode
            data = response.json()
            data.pop("LogStreamArn")
            payload = repr(sorted(data.items())).encode()
        answers.append((response.status_code, payload, response.headers.get("Content-Type", "")))
    return answers


def test_render_compose_uses_host_network_and_read_only_models(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    containers = plan_containers(spec, cache_dir=tmp_path / "cache")
    compose = render_compose(containers, "ip-echo")
    first = compose["services"]["first"]
    assert first["network_mode"] == "host" and first["command"] == ["serve"]
    assert first["image"] == "inference-pipeline/sklearn:latest"
    # builtin:sklearn:1.2-1 runs on the sklearn 1.2 version line of the stand-in image
    assert compose["services"]["second"]["image"] == "inference-pipeline/sklearn:sklearn1.2"
    assert first["volumes"][0]["read_only"] is True and first["volumes"][0]["target"] == "/opt/ml/model"
    assert first["environment"]["SAGEMAKER_BIND_TO_PORT"] == str(containers[0].port)
    assert containers[0].port != containers[1].port
    assert "/ping" in " ".join(first["healthcheck"]["test"])


def test_no_docker_mode_refuses_foreign_images(tmp_path):
    path = write_spec(tmp_path)
    text = path.read_text().replace("repo:sklearn", "example.org/someone/else:1")
    path.write_text(text)
    pipeline = LocalPipeline(load_spec(path), state_dir=tmp_path / "state", port=0, docker=False)
    with pytest.raises(SimulatorError, match="--no-docker cannot run"):
        pipeline.up(timeout=30)


def test_port_zero_is_picked_and_held_by_up_and_needs_a_state_dir(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    with pytest.raises(ValueError, match="needs an explicit state_dir"):
        LocalPipeline(spec, port=0, docker=False)
    pipeline = LocalPipeline(spec, state_dir=tmp_path / "state", port=0, docker=False)
    state = pipeline.up(timeout=120)
    try:
        assert state.front_port == pipeline.port != 0
        assert state.url == f"http://127.0.0.1:{pipeline.port}"
        assert requests.get(f"{state.url}/ping", timeout=5).status_code == 200
    finally:
        pipeline.down()


@pytest.mark.docker
def test_compose_and_no_docker_answers_are_byte_identical(tmp_path):
    require_image("sklearn")
    spec = load_spec(write_spec(tmp_path))
    answers = {}
    for docker in (False, True):
        pipeline = LocalPipeline(spec, state_dir=tmp_path / f"state-{docker}", port=0, docker=docker)
        state = pipeline.up(timeout=120)
        try:
            answers[docker] = run_requests(state.url)
            assert "second" in pipeline.logs("second")
        finally:
            pipeline.down()
        with pytest.raises(requests.ConnectionError):  # down stopped the front door
            requests.get(f"{state.url}/ping", timeout=2)
    assert answers[False] == answers[True]
    status, body, content_type = answers[True][0]
    assert status == 200 and content_type.startswith("application/json")
    assert body == b"a,b>first:text/csv:application/json>second:text/csv:application/json"
    assert answers[True][1][0] == 424


def test_render_compose_command(tmp_path):
    import subprocess
    import sys

    path = write_spec(tmp_path)
    result = subprocess.run([sys.executable, "-c", "from inference_pipeline.cli import main; main()", "render",
                             str(path), "--request", "compose"], capture_output=True, text=True, timeout=60,
                            env={**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert result.returncode == 0, result.stderr
    compose = yaml.safe_load(result.stdout)
    assert set(compose["services"]) == {"first", "second"}
    assert all(s["network_mode"] == "host" for s in compose["services"].values())


@pytest.mark.docker
def test_killed_container_in_compose_is_named_then_recovers(tmp_path):
    import subprocess
    import time

    from tests.support.net import wait_for_ping

    require_image("sklearn")
    spec = load_spec(write_spec(tmp_path))
    pipeline = LocalPipeline(spec, state_dir=tmp_path / "state", port=0, docker=True)
    state = pipeline.up(timeout=120)
    try:
        names = subprocess.check_output(["docker", "ps", "-q", "--filter", f"label=inference-pipeline.project="
                                         f"{state.project}", "--filter", "label=inference-pipeline.container=second"],
                                        text=True).split()
        assert len(names) == 1
        subprocess.run(["docker", "kill", names[0]], check=True, capture_output=True)
        # docker kill returns once the signal is sent; the old process may answer for a moment more
        subprocess.run(["docker", "wait", names[0]], check=True, capture_output=True, timeout=30)
        started = time.monotonic()
        response = requests.post(f"{state.url}/invocations", data="a", headers={"Content-Type": "text/csv"},
                                 timeout=30)
        assert time.monotonic() - started < 10  # nothing hangs
        assert response.status_code == 503 and response.json()["Container"] == "second"
        ping = requests.get(f"{state.url}/ping", timeout=10)
        assert ping.status_code == 503 and "second" in ping.json()["Containers"]
        subprocess.run(["docker", "start", names[0]], check=True, capture_output=True)
        wait_for_ping(f"{state.url}/ping", timeout=60)
        again = requests.post(f"{state.url}/invocations", data="a", headers={"Content-Type": "text/csv"}, timeout=30)
        assert again.status_code == 200
    finally:
        pipeline.down()


def test_port_in_use_is_refused_before_anything_starts(tmp_path):
    import socket

    spec = load_spec(write_spec(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        pipeline = LocalPipeline(spec, state_dir=tmp_path / "state", port=port, docker=False)
        with pytest.raises(SimulatorError, match=f"port {port} on 127.0.0.1 is already in use"):
            pipeline.up(timeout=30)
    assert not (tmp_path / "state" / "state.json").exists()  # nothing was started, nothing to stop


def test_two_pipelines_side_by_side(tmp_path):
    """A pipeline left up keeps its port; a second one on another port works beside it."""
    spec = load_spec(write_spec(tmp_path))
    first = LocalPipeline(spec, state_dir=tmp_path / "one", port=0, docker=False)
    state = first.up(timeout=120)
    try:
        second = LocalPipeline(spec, state_dir=tmp_path / "two", port=0, docker=False)
        other = second.up(timeout=120)
        try:
            body = {"data": "a,b", "headers": {"Content-Type": "text/csv"}, "timeout": 30}
            assert requests.post(f"{state.url}/invocations", **body).content == \
                requests.post(f"{other.url}/invocations", **body).content
        finally:
            second.down()
        assert requests.get(f"{state.url}/ping", timeout=5).status_code == 200  # untouched by the other's down
    finally:
        first.down()


def test_container_ports_are_distinct_and_held_until_released(tmp_path):
    """Planned ports stay bound (SO_REUSEADDR, not listening): nobody else can take one before its
    container listens, while the container's own gunicorn (SO_REUSEADDR) still can."""
    import socket

    from inference_pipeline.pipeline.ports import PortBook

    spec = load_spec(write_spec(tmp_path))
    book = PortBook()
    containers = plan_containers(spec, cache_dir=tmp_path / "cache", ports=book)
    try:
        ports = [c.port for c in containers]
        assert len(set(ports)) == len(ports) and book.held == set(ports)
        with socket.socket() as intruder, pytest.raises(OSError):
            intruder.bind(("127.0.0.1", ports[0]))
        with socket.socket() as server:  # what gunicorn does
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", ports[0]))
            server.listen()
    finally:
        book.release()
    assert book.held == set()


def variant_spec(tmp_path: Path, capture: Path | None = None) -> Path:
    path = write_spec(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["endpoint"] = {"name": "echo-endpoint", "variants": [
        {"name": "blue", "initial_instance_count": 2, "initial_variant_weight": 1},
        {"name": "green", "initial_instance_count": 1, "initial_variant_weight": 1}]}
    if capture is not None:
        spec["endpoint"]["data_capture"] = {"destination": str(capture), "json_content_types": ["application/json"]}
    path.write_text(yaml.safe_dump(spec))
    return path


def test_variants_plan_one_pipeline_copy_per_instance(tmp_path):
    spec = load_spec(variant_spec(tmp_path))
    containers = plan_containers(spec, cache_dir=tmp_path / "cache")
    assert [(c.variant, c.instance, c.name) for c in containers] == [
        ("blue", 0, "first"), ("blue", 0, "second"), ("blue", 1, "first"), ("blue", 1, "second"),
        ("green", 0, "first"), ("green", 0, "second")]
    assert len({c.port for c in containers}) == 6
    compose = render_compose(containers, "ip-echo")
    assert set(compose["services"]) == {"blue-0-first", "blue-0-second", "blue-1-first", "blue-1-second",
                                        "green-0-first", "green-0-second"}
    single = plan_containers(spec, cache_dir=tmp_path / "cache", copies=False)
    assert [(c.variant, c.service) for c in single] == [("blue", "first"), ("blue", "second")]


def test_variants_and_data_capture_through_boto3(tmp_path):
    """Two variants (one with two instances) behind one front door, driven by boto3; every request is
    captured as SageMaker writes it, and each record matches its request."""
    import json

    import boto3
    from botocore.config import Config

    capture = tmp_path / "capture"
    spec = load_spec(variant_spec(tmp_path, capture))
    pipeline = LocalPipeline(spec, state_dir=tmp_path / "state", port=0, docker=False)
    state = pipeline.up(timeout=120)
    try:
        client = boto3.client("sagemaker-runtime", endpoint_url=state.url, region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local",
                              config=Config(retries={"total_max_attempts": 1}))
        sent = {}
        for index in range(6):
            answer = client.invoke_endpoint(EndpointName="echo-endpoint", Body=f"{index},x".encode(),
                                            ContentType="text/csv", Accept="application/json",
                                            InferenceId=f"req-{index}")
            sent[f"req-{index}"] = (f"{index},x", answer["Body"].read().decode(), answer["InvokedProductionVariant"])
        assert sorted(v for _, _, v in sent.values()) == ["blue"] * 3 + ["green"] * 3  # weights 1:1
        targeted = client.invoke_endpoint(EndpointName="echo-endpoint", Body=b"t", ContentType="text/csv",
                                          TargetVariant="green", InferenceId="req-t")
        assert targeted["InvokedProductionVariant"] == "green"
        sent["req-t"] = ("t", targeted["Body"].read().decode(), "green")
        traces = requests.get(f"{state.url}/traces", timeout=5).json()
        assert {t["instance"] for t in traces if t["variant"] == "blue"} == {0, 1}
    finally:
        pipeline.down()
    files = sorted(capture.glob("echo-endpoint/*/*/*/*/*/*.jsonl"))
    assert {f.relative_to(capture).parts[1] for f in files} == {"blue", "green"}
    records = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert len(records) == len(sent)
    for record in records:
        assert record["eventVersion"] == "0"
        request, response, variant = sent[record["eventMetadata"]["inferenceId"]]
        data = record["captureData"]
        assert data["endpointInput"] == {"observedContentType": "text/csv", "mode": "INPUT", "data": request,
                                         "encoding": "CSV"}
        assert data["endpointOutput"]["mode"] == "OUTPUT" and data["endpointOutput"]["data"] == response
        assert data["endpointOutput"]["encoding"] == "JSON"
        assert record["eventMetadata"]["eventId"] and record["eventMetadata"]["inferenceTime"].endswith("Z")
    for f in files:  # the hour folder is the record's own
        parts = f.relative_to(capture).parts
        first = json.loads(f.read_text().splitlines()[0])["eventMetadata"]["inferenceTime"]
        assert "/".join(parts[2:6]) == first[:13].replace("-", "/").replace("T", "/")


def test_failed_model_load_stops_the_wait_at_once_with_its_reason(tmp_path):
    import time

    path = write_spec(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["containers"][1]["environment"]["SAGEMAKER_PROGRAM"] = "missing_script.py"
    path.write_text(yaml.safe_dump(spec))
    pipeline = LocalPipeline(load_spec(path), state_dir=tmp_path / "state", port=0, docker=False)
    started = time.monotonic()
    with pytest.raises(SimulatorError, match="failed to load") as caught:
        pipeline.up(timeout=200)
    assert time.monotonic() - started < 60, "up waited for the timeout instead of the failed load"
    assert "container second" in str(caught.value)
    assert not (tmp_path / "state" / "state.json").exists()  # what started was stopped


def test_same_spec_on_two_ports_keeps_both_and_down_needs_the_port(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    spec = load_spec(write_spec(tmp_path))
    with held_ports(2) as (one, two):
        _two_pipelines(spec, one, two)


def _two_pipelines(spec, one: int, two: int) -> None:
    from inference_pipeline.pipeline.local import find_state_dir

    first = LocalPipeline(spec, port=one, docker=False)
    first.up(timeout=120)
    try:
        second = LocalPipeline(spec, port=two, docker=False)  # default state dirs: per name and port
        second.up(timeout=120)
        try:
            assert requests.get(f"http://127.0.0.1:{one}/ping", timeout=5).status_code == 200
            with pytest.raises(SimulatorError, match="2 local pipelines named echo-pipeline are up"):
                find_state_dir("echo-pipeline")
            assert find_state_dir("echo-pipeline", two) == second.state_dir
        finally:
            second.down()
        assert find_state_dir("echo-pipeline") == first.state_dir
    finally:
        first.down()


def test_unsupported_settings_are_refused_before_anything_starts(tmp_path):
    path = write_spec(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["endpoint"] = {"variants": [{"name": "big", "initial_instance_count": 20}]}
    path.write_text(yaml.safe_dump(spec))
    pipeline = LocalPipeline(load_spec(path), state_dir=tmp_path / "state", port=0, docker=False)
    with pytest.raises(SimulatorError, match="runs at most 32"):
        pipeline.up(timeout=30)
    assert not (tmp_path / "state").exists()
