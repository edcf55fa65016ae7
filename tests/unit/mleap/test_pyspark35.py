"""The exporter's Spark tests again, under pyspark 3.5 (the suite's own venv has 4.x).

``scripts/setup-venv.sh`` makes ``.venv-pyspark35``; this test runs the Spark-marked MLeap tests
in it as a subprocess, so both supported pyspark lines are checked by one test command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
VENV_PYTHON = ROOT / ".venv-pyspark35" / "bin" / "python"
ALLOWED_SKIP = "has no TargetEncoder (added in Spark 4.0)"
SPARK_TESTS = sorted(
    str(path.relative_to(ROOT))
    for path in Path(__file__).parent.glob("test_*.py")
    if path.name != Path(__file__).name and "mark.spark" in path.read_text()
)


def _require_venv() -> None:
    problem = None
    if shutil.which("java") is None:
        problem = "Java is not installed"
    elif not VENV_PYTHON.exists():
        problem = ".venv-pyspark35 is missing (run scripts/setup-venv.sh)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}: the pyspark 3.5 run must happen in CI")
        pytest.skip(problem)


def test_spark_tests_pass_under_pyspark_35() -> None:
    _require_venv()
    version = subprocess.run([VENV_PYTHON, "-c", "import pyspark; print(pyspark.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert version.startswith("3.5."), f".venv-pyspark35 has pyspark {version}"
    assert len(SPARK_TESTS) >= 5, SPARK_TESTS
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["PYSPARK_PYTHON"] = str(VENV_PYTHON)
    run = subprocess.run([VENV_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "spark",
                          "-rs", *SPARK_TESTS], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=1200, check=False)
    output = run.stdout + run.stderr
    tail = "\n".join(output.splitlines()[-40:])
    assert run.returncode == 0, f"pyspark {version}:\n{tail}"
    assert " passed" in tail, tail
    # The only skips allowed: Spark 4's TargetEncoder, which pyspark 3.5 does not have (-rs lists each reason).
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert all(ALLOWED_SKIP in line for line in skips), "\n".join(skips)
    assert ("skipped" in tail) == bool(skips), tail
    print(f"pyspark {version}: {tail.splitlines()[-1]}", file=sys.stderr)
