"""Every built image carries /opt/app/INVENTORY.txt, and what it lists is exactly its hash lock."""

from __future__ import annotations

import subprocess

import pytest

from inference_pipeline.catalogue import IMAGES, ImageEntry, VersionLine
from tests.containers.test_version_lines import line_ref, require_ref
from tests.support.docker import require_image
from tests.support.locks import BASE_REQUIREMENTS, ROOT, lock_of, normalise, pins, read_lock

pytestmark = pytest.mark.docker
#: Installers the sklearn image keeps for code/requirements.txt (ensurepip's, not locked).
INSTALLERS = {"pip", "setuptools"}
TARGETS = [(entry, line) for entry in IMAGES for line in (entry.version_lines or (None,))]


def _ref(entry: ImageEntry, line: VersionLine | None) -> str:
    if line is None or line.default:
        return require_image(entry.name)
    return require_ref(line_ref(entry, line))


def _lock(entry: ImageEntry, line: VersionLine | None):
    requirements = ROOT / "images" / entry.name / (f"requirements-{line.line}.txt" if line else "requirements.txt")
    return lock_of(requirements if pins(requirements) else BASE_REQUIREMENTS)


@pytest.mark.parametrize(("entry", "line"), TARGETS,
                         ids=[entry.target_name(line) if line else entry.name for entry, line in TARGETS])
def test_inventory_lists_the_locked_environment_with_licences(entry, line):
    ref = _ref(entry, line)
    proc = subprocess.run(["docker", "run", "--rm", "--entrypoint", "cat", ref, "/opt/app/INVENTORY.txt"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"{ref}: {proc.stderr.strip()}"
    header, *rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert header == ["name", "version", "licence"] and rows, f"{ref}: empty inventory"
    assert all(len(row) == 3 and row[2] for row in rows), f"{ref}: malformed rows"
    listed = {normalise(name): version for name, version, _ in rows if normalise(name) not in INSTALLERS}
    locked = {name: entry.version for name, entry in read_lock(_lock(entry, line)).items()}
    assert listed == locked, f"{ref} differs from {_lock(entry, line).relative_to(ROOT)}"

