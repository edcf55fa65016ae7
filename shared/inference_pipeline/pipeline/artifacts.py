"""The local simulator's artifact cache: each ``model.tar.gz`` extracted once, keyed by content."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from inference_pipeline.archives import DEFAULT_MAX_FILES, ArtifactError, extract_artifact, file_sha256


def cached_extract(
    src: Path,
    cache_dir: Path,
    *,
    max_bytes: int | None = None,
    max_files: int = DEFAULT_MAX_FILES,
    max_ratio: float | None = None,
) -> Path:
    """Extract ``src`` once into ``cache_dir/<sha256>/`` and return that directory.

    Keyed by the tarball's content, so an unchanged artifact is never re-extracted and a
    changed one never reuses stale files. Limits default as in ``extract_artifact`` (env vars).
    The final rename is atomic, so a crashed or
    concurrent extraction never leaves a half-filled cache entry.
    """
    src, cache_dir = Path(src), Path(cache_dir)
    if not src.is_file():
        raise ArtifactError(f"{src} is not a file")
    target = cache_dir / file_sha256(src)
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=cache_dir))
    try:
        extract_artifact(src, staging, max_bytes=max_bytes, max_files=max_files, max_ratio=max_ratio)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # lost a race to another extractor otherwise
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def model_dir_for(artifact: Path, cache_dir: Path) -> Path:
    """The directory to mount as ``/opt/ml/model`` for a local directory or tarball artifact."""
    artifact = Path(artifact)
    if artifact.is_dir():
        return artifact
    return cached_extract(artifact, cache_dir)
