"""Every image ships the bytecode of what ``serve`` imports before its first /ping
(runtimes/precompile.py): without it each start compiled pandas, scikit-learn and scipy from
source (the sklearn image's ready time was 4.4 s idle, 1.9 s with bytecode)."""

from __future__ import annotations

import subprocess

import pytest

from inference_pipeline.catalogue import IMAGES
from tests.support.docker import require_image

pytestmark = pytest.mark.docker

# Runs in the image: import the serving path with bytecode writing off and list every imported
# module from /opt whose cached .pyc is missing (what a start would have compiled in memory).
PROBE = """
import importlib, importlib.util, os, sys
from inference_pipeline.runtimes import runtime_class
from inference_pipeline.runtimes.precompile import SERVING_MODULES
cls = runtime_class(os.environ["INFERENCE_PIPELINE_RUNTIME"])
for name in (*SERVING_MODULES, *getattr(cls, "preload_modules", ())):
    importlib.import_module(name)
checked, missing = 0, []
for module in list(sys.modules.values()):
    source = getattr(module, "__file__", None) or ""
    if source.startswith("/opt/") and source.endswith(".py"):
        checked += 1
        if not os.path.exists(importlib.util.cache_from_source(source)):
            missing.append(module.__name__)
print(checked, len(missing), " ".join(sorted(missing)[:20]))
"""


@pytest.mark.parametrize("name", [entry.name for entry in IMAGES])
def test_serving_path_is_precompiled(name):
    image = require_image(name)
    result = subprocess.run(["docker", "run", "--rm", "--network", "host", "--entrypoint", "python3", image, "-c", PROBE],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    checked, missing, names = result.stdout.split(" ", 2)
    assert int(checked) > 50, result.stdout  # the probe really walked the serving path
    assert int(missing) == 0, f"{name}: {missing} of {checked} modules have no bytecode: {names}"
