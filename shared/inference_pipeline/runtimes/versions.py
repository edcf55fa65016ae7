"""Record the library versions a model was trained with, and warn when serving differs.

Training code calls ``record_versions(model_dir, ["scikit-learn", "numpy"])``; the runtime
calls ``check_versions(model_dir)`` at load. A pickled model from another version may load
and silently compute something else, so the mismatch is logged loudly with both versions.
"""

from __future__ import annotations

import json
import logging
import platform
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

VERSIONS_FILE = "training-versions.json"


def installed_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def record_versions(model_dir: Path, packages: list[str]) -> Path:
    versions = {name: installed_version(name) for name in packages}
    versions["python"] = platform.python_version()
    path = Path(model_dir) / VERSIONS_FILE
    path.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    return path


def check_versions(model_dir: Path) -> list[str]:
    """Return (and log) one warning per package whose training and serving versions differ."""
    path = Path(model_dir) / VERSIONS_FILE
    if not path.is_file():
        return []
    try:
        recorded = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return []
    warnings = []
    for package, trained in sorted(recorded.items()):
        if package == "python" or not trained:
            continue
        serving = installed_version(package)
        if serving != trained:
            message = (f"model was trained with {package} {trained} but this image has "
                       f"{package} {serving or 'not installed'}; predictions may differ")
            log.warning("%s", message)
            warnings.append(message)
    return warnings
