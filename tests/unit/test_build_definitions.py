"""docker-bake.hcl and buildspec.yml: resolved definitions, variables, referenced commands."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from inference_pipeline.build.bake import build_command, plan
from inference_pipeline.build.manifest import manifest_from_metadata
from inference_pipeline.catalogue import IMAGES as CATALOGUE
from inference_pipeline.catalogue import bake_targets
from inference_pipeline.catalogue import image as catalogue_image
from tests.support.locks import pins

ROOT = Path(__file__).resolve().parents[2]
TARGETS = bake_targets()


def bake_print(env: dict[str, str]) -> dict:
    if shutil.which("docker") is None or subprocess.run(["docker", "buildx", "version"], capture_output=True,
                                                         check=False).returncode != 0:
        pytest.skip("docker buildx is not installed (scripts/install-docker.sh)")
    from inference_pipeline.build.bake import bake_print as resolve

    return resolve(["default"], cwd=ROOT, env=env)


def test_every_image_has_a_target_and_dockerfile():
    definition = bake_print({"REGISTRY": "", "VERSION": "0.1.0", "GIT_SHA": "dev"})
    assert definition["group"]["default"]["targets"] == TARGETS
    for entry in CATALOGUE:
        target = definition["target"][entry.name]
        assert target["dockerfile"] == entry.dockerfile
        assert (ROOT / target["dockerfile"]).is_file(), target["dockerfile"]
        # the runtime the catalogue names is the one the image's serve runs
        runtime_line = f"ENV INFERENCE_PIPELINE_RUNTIME={entry.name}"
        assert runtime_line in (ROOT / entry.dockerfile).read_text(), f"{entry.dockerfile} lacks {runtime_line}"
        assert target["contexts"] == {"base": "target:base"}
        assert target["labels"]["com.amazonaws.sagemaker.capabilities.accept-bind-to-port"] == "true"


def test_tags_and_labels_resolve_from_variables():
    definition = bake_print({"REGISTRY": "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "VERSION": "2.3.4",
                             "GIT_SHA": "abc1234", "TAG": ""})
    target = definition["target"]["xgboost"]
    repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference-pipeline/xgboost"
    default = catalogue_image("xgboost").default_line
    assert default is not None
    suffix = f"xgboost{default.line}"
    assert target["tags"] == [f"{repo}:2.3.4", f"{repo}:2.3.4-abc1234", f"{repo}:2",
                              f"{repo}:2.3.4-{suffix}", f"{repo}:2.3.4-abc1234-{suffix}", f"{repo}:2-{suffix}"]
    assert target["labels"]["org.opencontainers.image.version"] == "2.3.4"
    assert target["labels"]["org.opencontainers.image.revision"] == "abc1234"
    assert re.match(r"\d{4}-\d\d-\d\dT", target["labels"]["org.opencontainers.image.created"])
    assert target["cache-to"] == [f"type=registry,ref={repo}:buildcache-{suffix},image-manifest=true,oci-mediatypes=true,mode=max"]
    assert definition["target"]["base"]["tags"][0].startswith("123456789012.dkr.ecr.eu-west-1.amazonaws.com/")


def test_no_registry_means_local_tags_and_no_cache():
    definition = bake_print({"REGISTRY": "", "VERSION": "0.1.0", "GIT_SHA": "dev", "TAG": "latest"})
    target = definition["target"]["sklearn"]
    assert "inference-pipeline/sklearn:latest" in target["tags"]
    assert "cache-to" not in target or not target["cache-to"]


def test_local_plan_builds_base_first_with_host_network():
    definition = {"target": {
        "sklearn": {"dockerfile": "images/sklearn/Dockerfile", "contexts": {"base": "target:base"},
                    "tags": ["inference-pipeline/sklearn:latest"], "args": {"BASE_IMAGE": "b"}},
        "base": {"dockerfile": "images/base/Dockerfile", "tags": ["inference-pipeline/base-python:0.1.0"]},
    }}
    ordered = plan(definition)
    assert [t.name for t in ordered] == ["base", "sklearn"]
    cmd = build_command(ordered[1], {"base": ordered[0]})
    assert "--network=host" in cmd
    assert "base=docker-image://inference-pipeline/base-python:0.1.0" in cmd
    assert cmd[-1] == "."


def test_plan_rejects_unknown_context_target():
    from inference_pipeline.build.bake import BakeError

    with pytest.raises(BakeError, match="unknown bake target"):
        plan({"target": {"a": {"contexts": {"base": "target:missing"}}}})


def test_buildspec_is_codebuild_v02_with_all_phases():
    spec = yaml.safe_load((ROOT / "buildspec.yml").read_text())
    assert spec["version"] == 0.2
    assert set(spec["phases"]) == {"install", "pre_build", "build", "post_build"}
    assert spec["artifacts"]["files"] == ["image-manifest.json"]
    commands = "\n".join(c for phase in spec["phases"].values() for c in phase["commands"])
    assert "aws ecr get-login-password" in commands
    assert "docker buildx bake --push" in commands
    assert "CODEBUILD_RESOLVED_SOURCE_VERSION" in commands


def test_buildspec_uses_only_defined_variables():
    spec = yaml.safe_load((ROOT / "buildspec.yml").read_text())
    commands = [c for phase in spec["phases"].values() for c in phase["commands"]]
    defined = set(spec["env"]["variables"]) | {"CODEBUILD_RESOLVED_SOURCE_VERSION", "AWS_DEFAULT_REGION"}
    used: set[str] = set()
    for command in commands:
        defined |= set(re.findall(r"(?:^|\s|;)([A-Z_][A-Z0-9_]*)=", command))
        defined |= set(re.findall(r"for (\w+) in", command))
        used |= set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", command))
    assert used - defined == set(), f"undefined variables: {sorted(used - defined)}"
    assert set(spec["env"]["exported-variables"]) <= defined


def test_buildspec_commands_exist_in_repo():
    text = (ROOT / "buildspec.yml").read_text()
    for module in re.findall(r"python -m (inference_pipeline[\w.]*)", text):
        path = ROOT / "shared" / Path(*module.split("."))
        assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), module
    for test_dir in re.findall(r"\b(tests/\w+)", text):
        assert (ROOT / test_dir).is_dir(), test_dir


def test_manifest_from_bake_metadata():
    metadata = {
        "sklearn": {"image.name": "r/inference-pipeline/sklearn:1.0.0,r/inference-pipeline/sklearn:1",
                    "containerimage.digest": "sha256:abc"},
        "base": {"image.name": "r/inference-pipeline/base-python:1.0.0", "containerimage.digest": "sha256:def"},
        "buildx.build.warnings": [],
    }
    assert manifest_from_metadata(metadata) == {"sklearn": {
        "uri": "r/inference-pipeline/sklearn:1.0.0", "digest": "sha256:abc",
        "pinned_uri": "r/inference-pipeline/sklearn@sha256:abc",
        "tags": ["r/inference-pipeline/sklearn:1.0.0", "r/inference-pipeline/sklearn:1"]}}


def test_bake_matrix_matches_the_catalogue_version_lines():
    """One target per version line, named, argued and tagged from catalogue.py (the single source)."""
    definition = bake_print({"REGISTRY": "", "VERSION": "0.1.0", "GIT_SHA": "dev", "TAG": "latest"})
    for entry in CATALOGUE:
        assert (sum(line.default for line in entry.version_lines) == 1) if entry.version_lines else True, entry.name
        for line in entry.version_lines:
            target = definition["target"][entry.target_name(line)]
            assert target["dockerfile"] == entry.dockerfile
            assert target["args"]["LINE"] == line.line
            suffix = entry.tag_suffix(line)
            repo = f"inference-pipeline/{entry.name}"
            assert f"{repo}:0.1.0-{suffix}" in target["tags"] and f"{repo}:{suffix}" in target["tags"]
            assert (f"{repo}:latest" in target["tags"]) == line.default
            assert target["labels"]["io.github.inference-pipeline.line"] == line.line
            requirements = ROOT / "images" / entry.name / f"requirements-{line.line}.txt"
            pinned_versions = pins(requirements)
            pinned = {name: pinned_versions[name] for name in entry.libraries if name in pinned_versions}
            assert list(pinned.values()) == [line.version], f"{requirements} must pin {entry.libraries[0]}=={line.version}"
            assert "${LINE}" in (ROOT / entry.dockerfile).read_text()
        if not entry.version_lines:
            assert definition["target"][entry.name]["args"]["LINE"] == ""


def test_numpy_1_lines_pin_numpy_below_2():
    """xgboost 1.7 and scikit-learn 1.2 wheels are built against numpy 1.x."""
    for path in ("images/xgboost/requirements-1.7.txt", "images/sklearn/requirements-1.2.txt"):
        assert pins(ROOT / path)["numpy"].startswith("1."), path


def test_parallel_local_build_orders_dependencies(monkeypatch):
    """jobs > 1 still builds base before everything that uses it, and every target once."""
    from inference_pipeline.build import bake

    definition = {"target": {
        name: {"dockerfile": f"images/{name}/Dockerfile", "contexts": {"base": "target:base"},
               "tags": [f"inference-pipeline/{name}:latest"]} for name in ("a", "b", "c")}}
    definition["target"]["base"] = {"dockerfile": "images/base/Dockerfile", "tags": ["inference-pipeline/base:x"]}
    order: list[str] = []
    monkeypatch.setattr(bake, "bake_print", lambda *a, **k: definition)

    def fake_run(target, built, **kwargs):
        assert target.name == "base" or "base" in built, f"{target.name} started before base was built"
        order.append(target.name)
        return 0.0

    monkeypatch.setattr(bake, "_run_build", fake_run)
    bake.build(jobs=2)
    assert order[0] == "base" and sorted(order[1:]) == ["a", "b", "c"]
