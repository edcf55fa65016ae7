"""The CLI's local commands as a user runs them: up → invoke → logs → transform → down."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.net import held_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"
CLI = [sys.executable, "-c", "from inference_pipeline.cli import main; main()"]


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=300)


def spec_file(tmp_path: Path) -> Path:
    containers = []
    for name in ("left", "right"):
        code = tmp_path / name / "code"
        code.mkdir(parents=True)
        shutil.copy(FIXTURES / "csv_hop.py", code / "csv_hop.py")
        containers.append({"name": name, "image": "repo:sklearn", "model": name,
                           "environment": {"SAGEMAKER_PROGRAM": "csv_hop.py", "HOP_NAME": name}})
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"name": "cli-demo", "content_type": "text/csv", "accept": "text/csv",
                                    "containers": containers,
                                    "transform": {"split_type": "Line", "assemble_with": "Line"}}))
    return path


def test_up_invoke_logs_down_without_docker(tmp_path):
    spec = str(spec_file(tmp_path))
    state = str(tmp_path / "state")
    with held_port() as port:
        _up_invoke_logs_down(spec, state, str(port))


def _up_invoke_logs_down(spec: str, state: str, port: str) -> None:
    started = cli("up", spec, "--no-docker", "--port", port, "--state-dir", state)
    assert started.returncode == 0, started.stderr.decode()
    try:
        answer = cli("invoke", spec, "--state-dir", state, "--trace", stdin=b"1,2\n")
        assert answer.returncode == 0, answer.stderr.decode()
        assert answer.stdout == b"1,2,left:false,right:false\n"
        assert b"left" in answer.stderr and b"right" in answer.stderr  # the per-hop trace
        bad = cli("invoke", spec, "--state-dir", state, "-c", "application/json", stdin=b"{}")
        assert bad.returncode == 1 and b"424" in bad.stderr and b"wants text/csv" in bad.stdout
        logs = cli("logs", spec, "right", "--state-dir", state)
        assert logs.returncode == 0 and b"serving runtime sklearn" in logs.stdout
        unknown = cli("logs", spec, "nope", "--state-dir", state)
        assert unknown.returncode == 1 and b"no container 'nope'" in unknown.stderr
    finally:
        stopped = cli("down", spec, "--state-dir", state)
    assert stopped.returncode == 0


def test_local_transform_command(tmp_path):
    spec = str(spec_file(tmp_path))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("1\n2\n3\n")
    with held_port() as port:
        result = cli("transform", spec, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"),
                     "--no-docker", "--port", str(port))
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "out" / "a.csv.out").read_text() == "".join(
        f"{i},left:true,right:true\n" for i in (1, 2, 3))


def test_invalid_spec_is_usage_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ncontainers: []\n")
    result = cli("up", str(path), "--no-docker")
    assert result.returncode == 2 and b"containers" in result.stderr
