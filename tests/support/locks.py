"""Reading images/*/requirements*.txt and their hash locks (scripts/lock-requirements.sh)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE_REQUIREMENTS = ROOT / "images" / "base" / "requirements.txt"
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    hashes: tuple[str, ...]


def normalise(name: str) -> str:
    """PEP 503 normalised name: ``Python_Dateutil`` and ``python-dateutil`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name → version of a requirements file's ``name==version`` lines."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{path}: {line!r} is not pinned with =="
            found[normalise(name)] = version
    return found


def lock_of(requirements: Path) -> Path:
    return requirements.with_suffix(".lock")


def read_lock(path: Path) -> dict[str, Locked]:
    """name → entry of a lock; any line that is neither ``name==version`` nor a hash fails."""
    entries: dict[str, Locked] = {}
    # A requirement and its hashes are one logical line, continued with backslashes.
    for logical in path.read_text().replace("\\\n", " ").splitlines():
        text = logical.split("#", 1)[0].strip()  # "# via ..." annotations; hashes hold no "#"
        if not text:
            continue
        requirement, *options = text.split()
        assert "==" in requirement, f"{path}: {requirement!r} is not pinned with =="
        assert all(_HASH.fullmatch(option) for option in options), f"{path}: {requirement}: {options}"
        name, _, version = requirement.partition("==")
        entries[normalise(name)] = Locked(normalise(name), version, tuple(options))
    return entries
