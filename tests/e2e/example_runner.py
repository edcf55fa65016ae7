"""Run an example's run.py from a scratch copy (so work/ stays out of the checkout)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.net import free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, tmp_path: Path, *args: str, timeout: int = 900,
                port: int | None = None) -> tuple[dict, str]:
    root = tmp_path / "examples"
    if not (root / name).is_dir():
        shutil.copytree(EXAMPLES / name, root / name, ignore=shutil.ignore_patterns("work"))
        shutil.copy(EXAMPLES / "example_support.py", root / "example_support.py")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # the simulator's state stays in the test
    result = subprocess.run([sys.executable, str(root / name / "run.py"), "--port", str(port or free_port()), *args],
                            capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = json.loads(result.stdout[result.stdout.rindex("\n{\n") + 1:])
    return summary, result.stdout
