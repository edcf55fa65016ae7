"""Local Batch Transform through a whole pipeline (acceptance: 100k rows, 3 containers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from inference_pipeline.pipeline.local_transform import run_local_transform
from inference_pipeline.spec.model import load_spec
from tests.support.docker import require_image

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"
HOPS = ("features", "model", "labels")


def three_hop_spec(tmp_path: Path, transform: dict) -> Path:
    containers = []
    for name in HOPS:
        code = tmp_path / name / "code"
        code.mkdir(parents=True)
        shutil.copy(FIXTURES / "csv_hop.py", code / "csv_hop.py")
        containers.append({"name": name, "image": "repo:sklearn", "model": name,
                           "environment": {"SAGEMAKER_PROGRAM": "csv_hop.py", "HOP_NAME": name,
                                           "SAGEMAKER_MODEL_SERVER_WORKERS": "1"}})
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"name": "csv-three", "content_type": "text/csv", "accept": "text/csv",
                                    "containers": containers, "transform": transform}))
    return path


@pytest.mark.parametrize("docker", [False, pytest.param(True, marks=pytest.mark.docker)])
def test_100k_rows_multirecord_line_join_input(tmp_path, docker):
    if docker:
        require_image("sklearn")
    spec = load_spec(three_hop_spec(tmp_path, {
        "split_type": "Line", "batch_strategy": "MultiRecord", "assemble_with": "Line", "max_payload_in_mb": 1,
        "max_concurrent_transforms": 4,
        "data_processing": {"input_filter": "$[1:]", "join_source": "Input", "output_filter": "$[0,-3:]"}}))
    data = tmp_path / "in" / "nested"
    data.mkdir(parents=True)
    rows = [f"id{i},{i},{i * 2}" for i in range(100_000)]
    (data / "rows.csv").write_text("\n".join(rows) + "\n")
    report = run_local_transform(spec, tmp_path / "in", tmp_path / "out", docker=docker, port=0,
                                 state_dir=tmp_path / "state")
    assert report.succeeded, [f.describe() for f in report.failures]
    lines = (tmp_path / "out" / "nested" / "rows.csv.out").read_text().splitlines()
    assert len(lines) == 100_000
    # joined: input id, then the model output's last three columns (one per hop, batch env seen)
    for i in (0, 1, 54_321, 99_999):
        assert lines[i] == f"id{i},features:true,model:true,labels:true"
    assert report.requests > 1  # 1 MB payloads split the file into several mini-batches


def test_failing_record_reports_container_and_keeps_other_files(tmp_path):
    spec = load_spec(three_hop_spec(tmp_path, {"split_type": "Line", "batch_strategy": "SingleRecord",
                                               "assemble_with": "Line"}))
    data = tmp_path / "in"
    data.mkdir()
    (data / "good.csv").write_text("1,2\n3,4\n")
    (data / "bad.csv").write_text("1,2\n")
    (tmp_path / "pipeline.yaml").write_text((tmp_path / "pipeline.yaml").read_text())
    spec = load_spec(tmp_path / "pipeline.yaml")
    object.__setattr__(spec, "content_type", "text/plain")  # every hop refuses text/plain
    report = run_local_transform(spec, data, tmp_path / "out", docker=False, port=0,
                                 state_dir=tmp_path / "state")
    assert not report.succeeded and report.files_failed == 2
    failure = report.failures[0]
    assert failure.container == "features" and "wants text/csv" in failure.describe()
    assert not (tmp_path / "out" / "good.csv.out").exists()


def test_mini_batches_up_to_max_payload_pass_the_front_door(tmp_path):
    # SageMaker sizes batch requests by MaxPayloadInMB, not InvokeEndpoint's 6 MiB: a job with
    # max_payload_in_mb 8 sends a 6.67 MB file as one mini-batch, which every hop must accept
    # (each hop adds a short column, so the last one gets ~7.2 MB: still within 8 MiB).
    spec = load_spec(three_hop_spec(tmp_path, {"split_type": "Line", "batch_strategy": "MultiRecord",
                                               "assemble_with": "Line", "max_payload_in_mb": 8}))
    data = tmp_path / "in"
    data.mkdir()
    row = "x" * 200
    rows = 6_670_000 // (len(row) + 10)
    (data / "big.csv").write_text("".join(f"{i:08d},{row}\n" for i in range(rows)))
    assert 6 * 1024 * 1024 < (data / "big.csv").stat().st_size <= 6_670_000
    report = run_local_transform(spec, data, tmp_path / "out", docker=False, port=0,
                                 state_dir=tmp_path / "state")
    assert report.succeeded, [f.describe() for f in report.failures]
    assert report.requests == 1
    lines = (tmp_path / "out" / "big.csv.out").read_text().splitlines()
    assert len(lines) == rows and lines[-1] == f"{rows - 1:08d},{row},features:true,model:true,labels:true"
