"""Record the library versions a model was trained with; refuse or warn when serving differs.

Training code calls ``record_versions(model_dir, ["scikit-learn", "numpy"])``; the runtime
calls ``check_line(model_dir, image)`` and ``check_versions(model_dir)`` at load. A model saved
by a library version that another of the image's version lines (catalogue.py) serves fails at
start with one line naming that line's tag; any other difference is logged loudly with both
versions, because a pickled model from another version may load and compute something else.
"""

from __future__ import annotations

import json
import logging
import os
import platform
from importlib import metadata
from pathlib import Path

from inference_pipeline.catalogue import REPOSITORY_PREFIX, ImageEntry, VersionLine, image, parse_minor
from inference_pipeline.serving.errors import ModelLoadError

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


def _version_text(saved: tuple[int, int]) -> str:
    return f"{saved[0]}.{saved[1]}"


def running_line(entry: ImageEntry) -> tuple[str | None, VersionLine | None]:
    """(installed library version, the version line it belongs to) in this process."""
    for library in entry.libraries:
        version = installed_version(library)
        if version is not None:
            return version, entry.line_of_version(version)
    return None, None


def line_reference(entry: ImageEntry, line: VersionLine) -> str:
    """How a user selects ``line``: its tag at this image's project version, and the local tag."""
    version = os.environ.get("INFERENCE_PIPELINE_IMAGE_VERSION") or "<version>"
    local = f"{REPOSITORY_PREFIX}/{entry.name}:{'latest' if line.default else entry.tag_suffix(line)}"
    return f"{REPOSITORY_PREFIX}/{entry.name}:{entry.line_tag(line, version)} (locally {local})"


def refusal(entry: ImageEntry, saved: tuple[int, int], what: str, fmt: str | None = None) -> str | None:
    """The one-line reason this process's line cannot load ``what`` (saved by library ``saved``,
    in ``fmt`` when it matters), naming the line that can; None when it loads or no line is better."""
    installed, current = running_line(entry)
    library = entry.libraries[0]
    if current is None:  # a library version no line pins (a host venv): only refuse newer models
        running = parse_minor(installed) if installed else None
        if running is not None and saved > running:
            return (f"{what} was saved by {library} {_version_text(saved)}, newer than this {library} "
                    f"{installed}; save it with {library} <= {_version_text(running)}")
        return None
    if current.loads(saved) and (fmt is None or fmt in current.formats):
        return None
    others = [line for line in entry.lines_loading(saved, fmt) if line != current]
    here = f"this image's {library} {installed} (the {entry.name} {current.line} line)"
    if others:
        return (f"{what} was saved by {library} {_version_text(saved)}, which {here} cannot load; "
                f"serve it with {line_reference(entry, others[0])}")
    newest = max(entry.version_lines, key=lambda line: line.minor)
    if saved > newest.saved_range[1]:
        return (f"{what} was saved by {library} {_version_text(saved)}, newer than any line of this image "
                f"(newest: {library} {newest.version}); save it with {library} <= {newest.line}")
    return None


def check_line(model_dir: Path, image_name: str) -> None:
    """Refuse a model whose ``training-versions.json`` names a library version another line serves."""
    entry = image(image_name)
    path = Path(model_dir) / VERSIONS_FILE
    if not entry.version_lines or not path.is_file():
        return
    try:
        recorded = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return  # check_versions logs it
    if not isinstance(recorded, dict):
        return
    for library in entry.libraries:
        trained = recorded.get(library)
        saved = parse_minor(trained) if isinstance(trained, str) else None
        if saved is not None:
            reason = refusal(entry, saved, f"the model ({VERSIONS_FILE}: {library} {trained})")
            if reason:
                raise ModelLoadError(reason)
            return
