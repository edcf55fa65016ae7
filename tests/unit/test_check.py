"""inference-pipeline check: each rule fails on a crafted spec; the examples' specs pass."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from inference_pipeline.cli import app
from inference_pipeline.pipeline.check import check_spec

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def _spec(tmp_path: Path, containers: list[dict[str, Any]], **top: Any) -> Path:
    data = {"name": "p", "role": ROLE, "region": "us-east-1", "content_type": "text/csv",
            "containers": containers, **top}
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _problems(path: Path) -> list[str]:
    return [str(f) for f in check_spec(path, cache_dir=path.parent / "cache", docker=False) if f.problem]


XGB = {"name": "xgb", "image": "repo:xgboost"}
POST = {"name": "post", "image": "repo:postprocessing"}


def test_a_good_spec_has_no_problem(tmp_path: Path) -> None:
    assert _problems(_spec(tmp_path, [{"name": "feat", "image": "repo:sparkml"}, XGB, POST])) == []


def test_more_than_15_containers(tmp_path: Path) -> None:
    containers = [{"name": f"c{i}", "image": "repo:postprocessing"} for i in range(16)]
    (problem,) = _problems(_spec(tmp_path, containers))
    assert problem.startswith("containers:") and "15" in problem


def test_invalid_container_hostname(tmp_path: Path) -> None:
    (problem,) = _problems(_spec(tmp_path, [{"name": "bad_name!", "image": "repo:xgboost"}, POST]))
    assert problem.startswith("containers[0].name:")


def test_env_value_over_1024(tmp_path: Path) -> None:
    (problem,) = _problems(_spec(tmp_path, [{**XGB, "environment": {"X": "a" * 1025}}, POST]))
    assert "containers[0].environment.X" in problem and "1024" in problem


@pytest.mark.parametrize(("image", "hint"), [("repo:sparkml", "sagemaker-sparkml-schema.json"),
                                             ("builtin:sparkml-serving:3.3", "each JSON request's 'schema'")])
def test_long_sparkml_schema_names_the_way_out(tmp_path: Path, image: str, hint: str) -> None:
    schema = json.dumps({"input": [{"name": f"column_{i}", "type": "double"} for i in range(60)],
                         "output": {"name": "features", "type": "double", "struct": "vector"}})
    (problem,) = _problems(_spec(tmp_path, [{"name": "feat", "image": image,
                                            "environment": {"SAGEMAKER_SPARKML_SCHEMA": schema}}, XGB]))
    assert problem.startswith("feat: SAGEMAKER_SPARKML_SCHEMA is") and hint in problem


def test_s3_model_data_must_be_a_tarball(tmp_path: Path) -> None:
    (problem,) = _problems(_spec(tmp_path, [{**XGB, "model": "s3://b/models/xgboost-model"}, POST]))
    assert problem.startswith("xgb: ModelDataUrl s3://b/models/xgboost-model is not a .tar.gz")


def test_tarball_with_everything_under_one_directory(tmp_path: Path) -> None:
    inner = tmp_path / "model"
    inner.mkdir()
    (inner / "xgboost-model").write_bytes(b"{}")
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as tar:
        tar.add(inner, arcname="model")
    problems = _problems(_spec(tmp_path, [{**XGB, "model": "model.tar.gz"}, POST]))
    assert any(p.startswith("xgb: everything in model.tar.gz is under model/") for p in problems), problems


def test_handoff_type_the_next_container_refuses(tmp_path: Path) -> None:
    # xgboost answers text/csv; blazingtext reads only JSON / JSON Lines.
    (problem,) = _problems(_spec(tmp_path, [XGB, {"name": "bt", "image": "repo:blazingtext"}]))
    assert problem.startswith("bt: receives text/csv (xgb's output)") and "application/jsonlines" in problem


def test_handoff_follows_default_invocations_accept(tmp_path: Path) -> None:
    feat = {"name": "feat", "image": "repo:sparkml",
            "environment": {"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/jsonlines"}}
    assert _problems(_spec(tmp_path, [feat, {"name": "bt", "image": "repo:blazingtext"}])) == []
    bad = {**feat, "environment": {"SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-npy"}}
    problems = _problems(_spec(tmp_path, [bad, {"name": "bt", "image": "repo:blazingtext"}]))
    assert problems[0].startswith("feat: SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=application/x-npy is not a type")


def test_first_container_refuses_the_pipeline_content_type(tmp_path: Path) -> None:
    (problem,) = _problems(_spec(tmp_path, [{"name": "bt", "image": "repo:blazingtext"}, POST]))
    assert problem.startswith("bt: receives text/csv (the pipeline's content_type)")


def test_last_container_does_not_offer_the_accept(tmp_path: Path) -> None:
    (problem,) = _problems(_spec(tmp_path, [{"name": "feat", "image": "repo:sparkml"}, XGB], accept="image/png"))
    assert problem.startswith("xgb: the pipeline's accept image/png is not offered")


def test_training_versions_against_the_target_line(tmp_path: Path) -> None:
    model = tmp_path / "feat"
    model.mkdir()
    (model / "training-versions.json").write_text(json.dumps({"scikit-learn": "1.2.2"}))
    containers = [{"name": "feat", "image": "repo:sklearn", "model": "feat"}, XGB]
    (problem,) = _problems(_spec(tmp_path, containers))
    assert problem.startswith("feat: trained with scikit-learn 1.2.2") and "sklearn1.2" in problem
    assert "builtin:sklearn:1.2-1" in problem
    containers[0]["image"] = "builtin:sklearn:1.2-1"  # AWS's 1.2-1 and our sklearn 1.2 line load it
    assert _problems(_spec(tmp_path, containers)) == []
    containers[0]["image"] = {"repo": "sklearn", "version": "0.1.0-sklearn1.2"}
    assert _problems(_spec(tmp_path, containers)) == []


def test_missing_local_artifact(tmp_path: Path) -> None:
    (problem,) = _problems(_spec(tmp_path, [{**XGB, "model": "nowhere"}, POST]))
    assert problem.startswith("xgb:") and "does not exist" in problem


EXAMPLES = sorted(ROOT.glob("examples/*/pipeline*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT / "examples")))
def test_the_examples_pass(path: Path, tmp_path: Path) -> None:
    """Every rule but the artifact's existence (the examples' run.py trains them into work/)."""
    problems = [p for p in check_spec(path, cache_dir=tmp_path, docker=False)
                if p.problem and "does not exist" not in p.message]
    assert problems == []


def test_four_examples_are_covered() -> None:
    assert len({p.parent for p in EXAMPLES}) == 4


runner = CliRunner()


def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFERENCE_PIPELINE_NO_CHECK", raising=False)
    good = _spec(tmp_path, [{"name": "feat", "image": "repo:sparkml"}, XGB])
    result = runner.invoke(app, ["check", str(good), "--no-docker"])
    assert result.exit_code == 0 and "ok" in result.stdout
    bad = _spec(tmp_path, [XGB, {"name": "bt", "image": "repo:blazingtext"}])
    result = runner.invoke(app, ["check", str(bad), "--no-docker"])
    assert result.exit_code == 2 and "error: bt: receives text/csv" in result.stderr


def test_deploy_and_render_check_before_any_aws_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFERENCE_PIPELINE_NO_CHECK", raising=False)
    # No credentials and an unreachable endpoint: any AWS call would fail with exit 1, not 2.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    bad = _spec(tmp_path, [XGB, {"name": "bt", "image": "repo:blazingtext"}])
    for command in (["deploy", str(bad), "--bucket", "b"], ["render", str(bad), "--bucket", "b"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "error: bt: receives text/csv" in result.stderr
    result = runner.invoke(app, ["render", str(bad), "--no-check", "--model-data", "xgb=s3://b/m.tar.gz"])
    assert "receives text/csv" not in result.stderr
