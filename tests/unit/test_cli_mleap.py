"""``inference-pipeline mleap check-jvm``: a bundle MLeap 0.20's JVM loader would refuse is named."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from inference_pipeline.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from inference_pipeline.mleap import NodeSpec
from inference_pipeline.mleap.attributes import attr_double
from tests.support.mleap_bundles import abalone_pipeline, write

runner = CliRunner()


def test_a_conforming_bundle_passes(tmp_path: Path) -> None:
    bundle = write(abalone_pipeline(), tmp_path / "ok")
    result = runner.invoke(app, ["mleap", "check-jvm", str(bundle)])
    assert result.exit_code == EXIT_OK, result.output
    assert "no problems" in result.output


def test_a_normalizer_without_input_size_is_refused_naming_the_op_and_field(tmp_path: Path) -> None:
    # What the exporter wrote before: MLeap 0.20's NormalizerOp also reads input_size.
    node = NodeSpec("normalizer", "normalizer", {"p_norm": attr_double(2.0)},
                    inputs=[("input", "features")], outputs=[("output", "normalized")])
    bundle = write(node, tmp_path / "bad.zip", archive="zip")
    result = runner.invoke(app, ["mleap", "check-jvm", str(bundle)])
    assert result.exit_code == EXIT_FAILURE
    assert "normalizer" in result.output and "input_size" in result.output

    as_json = runner.invoke(app, ["mleap", "check-jvm", "--json", str(bundle)])
    assert as_json.exit_code == EXIT_FAILURE
    problems = json.loads(as_json.stdout)
    assert any(p["op"] == "normalizer" and p["field"] == "input_size" for p in problems), problems


def test_a_missing_bundle_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mleap", "check-jvm", str(tmp_path / "nothing.zip")])
    assert result.exit_code == EXIT_USAGE
