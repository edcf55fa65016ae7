"""Every framework version line: a smoke test (a model saved by that line's own library, made
inside the image itself, loads and answers a 1-row request), ``docker run IMAGE check``, and
the one-line refusal naming the line that loads a model. The full suites run on the default lines."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import requests
import yaml

from inference_pipeline.catalogue import IMAGES, ImageEntry, VersionLine
from tests.support.docker import IMAGE_PREFIX, IMAGE_TAG, require_ref, run_container

pytestmark = pytest.mark.docker
ROW = "0.5,1.5,-0.25,2.0,0.75"

MAKE_MODEL = {
    # Saved without a file extension: XGBoost 1.7 writes its legacy binary format, as SageMaker's
    # XGBoost 1.x training does; later lines write UBJSON.
    "xgboost": """
        import json, numpy as np, xgboost as xgb
        import os
        from inference_pipeline.runtimes.versions import record_versions
        os.makedirs("/out/model")
        rng = np.random.default_rng(3)
        x = rng.normal(size=(200, 5)); y = (x[:, 0] + x[:, 1] > 0).astype(float)
        booster = xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(x, label=y), 8)
        booster.save_model("/out/model/xgboost-model" if xgb.__version__.startswith("1.") else "/out/model/xgboost-model.ubj")
        record_versions("/out/model", ["xgboost", "xgboost-cpu"])
        row = np.array([[float(v) for v in "{row}".split(",")]])
        json.dump([float(p) for p in booster.predict(xgb.DMatrix(row))], open("/out/expected.json", "w"))
    """,
    "sklearn": """
        import json, joblib, numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        import os
        from inference_pipeline.runtimes.versions import record_versions
        os.makedirs("/out/model")
        rng = np.random.default_rng(3)
        x = rng.normal(size=(200, 5)); y = (x[:, 0] - x[:, 2] > 0).astype(int)
        model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
        joblib.dump(model, "/out/model/model.joblib")
        record_versions("/out/model", ["scikit-learn", "numpy"])
        row = np.array([[float(v) for v in "{row}".split(",")]])
        json.dump([int(p) for p in model.predict(row)], open("/out/expected.json", "w"))
    """,
}


def line_ref(entry: ImageEntry, line: VersionLine) -> str:
    suffix = entry.tag_suffix(line)
    return f"{IMAGE_PREFIX}/{entry.name}:{suffix if IMAGE_TAG == 'latest' else f'{IMAGE_TAG}-{suffix}'}"


LINES = [(entry, line) for entry in IMAGES for line in entry.version_lines]


def make_model(ref: str, image: str, out: Path) -> Path:
    """A model saved by the image's own library version, made inside the image (no host venv)."""
    out.mkdir(parents=True, exist_ok=True)
    script = textwrap.dedent(MAKE_MODEL[image]).replace("{row}", ROW)
    subprocess.run(["docker", "run", "--rm", "--network=none", "--entrypoint", "python3", "-v", f"{out}:/out",
                    ref, "-c", script], check=True, capture_output=True, text=True, timeout=120)
    return out / "model"  # expected.json beside it: the xgboost image serves every file as an ensemble


def docker_check(ref: str, model: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "run", "--rm", "--network=none", "-v", f"{model}:/opt/ml/model:ro", ref, "check"],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One model per line, keyed by tag suffix (made lazily: a missing image skips only its tests)."""
    return {}


def model_for(models: dict[str, Path], entry: ImageEntry, line: VersionLine, tmp: Path) -> Path:
    key = entry.tag_suffix(line)
    if key not in models:
        models[key] = make_model(require_ref(line_ref(entry, line)), entry.name, tmp / key)
    return models[key]


@pytest.mark.parametrize(("entry", "line"), LINES, ids=[e.tag_suffix(v) for e, v in LINES])
def test_line_serves_a_model_of_its_own_library(entry: ImageEntry, line: VersionLine, models: dict[str, Path],
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    ref = require_ref(line_ref(entry, line))
    model = model_for(models, entry, line, tmp_path_factory.getbasetemp())
    recorded = json.loads((model / "training-versions.json").read_text())
    assert line.version in recorded.values()  # the image really has the pinned library
    assert docker_check(ref, model).returncode == 0
    with run_container(ref, model) as running:
        response = requests.post(f"{running.url}/invocations", data=ROW, headers={"Content-Type": "text/csv", "Accept": "text/csv"},
                                 timeout=20)
    assert response.status_code == 200, response.text
    got = [float(v) for v in response.text.strip().split(",")]
    assert got == pytest.approx(json.loads((model.parent / "expected.json").read_text()), rel=1e-6)


@pytest.mark.parametrize("name", ["xgboost", "sklearn"])
def test_a_model_of_another_line_fails_in_one_line_naming_its_tag(name: str, models: dict[str, Path],
                                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    entry = next(e for e in IMAGES if e.name == name)
    oldest = min(entry.version_lines, key=lambda v: v.minor)
    default = entry.default_line
    assert default is not None
    model = model_for(models, entry, oldest, tmp_path_factory.getbasetemp())
    proc = docker_check(require_ref(line_ref(entry, default)), model)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    loaders = [entry.tag_suffix(v) for v in entry.lines_loading(oldest.minor, "legacy-binary" if name == "xgboost"
                                                                 else None)]
    assert any(f":0.1.0-{suffix}" in errors[0] or f"-{suffix} " in errors[0] for suffix in loaders), errors[0]


def test_predeploy_check_loads_each_artifact_in_its_image(models: dict[str, Path],
                                                          tmp_path_factory: pytest.TempPathFactory,
                                                          tmp_path: Path) -> None:
    """builtin:xgboost:1.7-1 runs on the 1.7 line, which loads the legacy binary; repo:xgboost
    (the default line) cannot, and the check says so before any deploy."""
    from inference_pipeline.pipeline.check import check_spec

    entry = next(e for e in IMAGES if e.name == "xgboost")
    model = model_for(models, entry, entry.line("1.7"), tmp_path_factory.getbasetemp())
    require_ref(f"{IMAGE_PREFIX}/xgboost:latest")
    for image, expect_problem in (("builtin:xgboost:1.7-1", False), ("repo:xgboost", True)):
        spec = {"name": "p", "content_type": "text/csv", "containers": [
            {"name": "xgb", "image": image, "model": str(model)},
            {"name": "post", "image": "repo:postprocessing"}]}
        path = tmp_path / "pipeline.yaml"
        path.write_text(yaml.safe_dump(spec))
        problems = [str(f) for f in check_spec(path, cache_dir=tmp_path / "cache") if f.problem]
        if expect_problem:
            assert len(problems) == 1 and problems[0].startswith("xgb: repo:xgboost") and "legacy binary" in problems[0]
        else:
            assert problems == []
