"""Run an example's run.py from a scratch copy (so work/ stays out of the checkout)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.net import held_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def copy_example(name: str, tmp_path: Path) -> Path:
    """A scratch copy of examples/<name> (without its work/), once per tmp_path."""
    root = tmp_path / "examples"
    if not (root / name).is_dir():
        shutil.copytree(EXAMPLES / name, root / name, ignore=shutil.ignore_patterns("work"))
        shutil.copy(EXAMPLES / "example_support.py", root / "example_support.py")
    return root / name


def train_car_example(tmp_path: Path, timeout: int = 600) -> Path:
    """The car example's artifacts trained into a scratch copy's work/ by run.py's own ``prepare``
    step; returns the copy, whose pipeline.yaml then points at them."""
    example = copy_example("sparkml-xgboost-car-evaluation", tmp_path)
    work = example / "work"
    work.mkdir(exist_ok=True)
    prepare = "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import run; run.prepare(Path(sys.argv[2]), None)"
    result = subprocess.run([sys.executable, "-c", prepare, str(example), str(work)], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return example


def run_example(name: str, tmp_path: Path, *args: str, timeout: int = 900,
                port: int | None = None) -> tuple[dict, str]:
    if port is None:
        with held_port() as held:
            return run_example(name, tmp_path, *args, timeout=timeout, port=held)
    root = copy_example(name, tmp_path).parent
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # the simulator's state stays in the test
    result = subprocess.run([sys.executable, str(root / name / "run.py"), "--port", str(port), *args],
                            capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout[result.stdout.rindex("\n{\n") + 1:])
    return summary, result.stdout
