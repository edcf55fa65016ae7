"""Archives: package a directory as ``model.tar.gz``, and extract tar or zip archives safely.

SageMaker extracts ``ModelDataUrl`` into ``/opt/ml/model`` before a container starts; the
local simulator does the same on the host, and the MLeap runtime opens zipped or tarred
bundles. Archives come from users, training jobs or the internet, so extraction refuses
anything that could write outside the target directory (absolute names, ``..``, links
escaping it, device files) and caps total size and entry count. This is the project's only
extractor; it imports nothing of the project.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

DEFAULT_MAX_BYTES = 20 * 1024**3  # ample for a local model; stops decompression bombs
DEFAULT_MAX_FILES = 100_000
_CHUNK = 1024 * 1024


class ArtifactError(ValueError):
    """A model artifact that cannot be packaged or extracted safely."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- packaging


def _walk(root: Path) -> Iterator[Path]:
    """Every path below ``root`` in a stable order (so the archive bytes are reproducible)."""
    for current, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(current)
        for name in sorted(dirs + files):
            yield base / name


def package_model_dir(directory: Path, dest: Path | None = None) -> Path:
    """Write ``directory``'s contents (at the archive top, no enclosing folder) to a tar.gz.

    The archive is deterministic: sorted entries, zeroed mtimes and owners, gzip mtime 0,
    so the same directory always hashes the same (the deployer keys S3 uploads on it).
    ``dest`` defaults to ``model.tar.gz`` in a new temporary directory.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ArtifactError(f"{directory} is not a directory")
    root = directory.resolve()
    if dest is None:
        dest = Path(tempfile.mkdtemp(prefix="model-")) / "model.tar.gz"
    dest = Path(dest)
    dest_resolved = dest.resolve()

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with dest.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in _walk(root):
                if path.resolve() == dest_resolved:
                    continue
                if path.is_symlink():
                    target = path.resolve()
                    if not target.is_relative_to(root):
                        raise ArtifactError(f"{path} is a symlink pointing outside {root}")
                elif not (path.is_file() or path.is_dir()):
                    raise ArtifactError(f"{path} is neither a file, a directory nor a symlink")
                tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False, filter=normalise)
    return dest


# ----------------------------------------------------------------------------- extraction


def _inside(name: str) -> bool:
    """True when the archive-relative POSIX path stays within the archive root."""
    normal = posixpath.normpath(name)
    return not (posixpath.isabs(normal) or normal == ".." or normal.startswith("../"))


def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\\" in name:
        raise ArtifactError(f"refusing absolute or non-POSIX path {name!r}")
    if ".." in name.split("/"):
        raise ArtifactError(f"refusing path with '..': {name!r}")
    if member.isdev():
        raise ArtifactError(f"refusing device or FIFO entry {name!r}")
    if member.issym():
        if posixpath.isabs(member.linkname):
            raise ArtifactError(f"refusing symlink {name!r} with absolute target {member.linkname!r}")
        target = posixpath.join(posixpath.dirname(name), member.linkname)
        if not _inside(target):
            raise ArtifactError(f"refusing symlink {name!r} -> {member.linkname!r}: it points outside the archive")
    elif member.islnk():
        if not _inside(member.linkname) or posixpath.isabs(member.linkname):
            raise ArtifactError(f"refusing hard link {name!r} -> {member.linkname!r}: it points outside the archive")
    elif not (member.isfile() or member.isdir()):
        raise ArtifactError(f"refusing unsupported entry type for {name!r}")


def _checked_members(tar: tarfile.TarFile, *, max_bytes: int, max_files: int) -> list[tarfile.TarInfo]:
    members: list[tarfile.TarInfo] = []
    total = 0
    for member in tar:
        _check_member(member)
        members.append(member)
        if len(members) > max_files:
            raise ArtifactError(f"archive has more than {max_files} entries")
        total += member.size if member.isfile() else 0
        if total > max_bytes:
            raise ArtifactError(f"archive expands to more than {max_bytes} bytes")
    return members


def extract_artifact(
    src: Path,
    dest_dir: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
) -> Path:
    """Safely extract the tarball ``src`` into ``dest_dir`` (created; must be empty if it exists).

    Raises :class:`ArtifactError` naming the offending entry; nothing is left behind on error.
    """
    src, dest_dir = Path(src), Path(dest_dir)
    if not src.is_file():
        raise ArtifactError(f"{src} is not a file")
    if dest_dir.exists() and any(dest_dir.iterdir()):
        raise ArtifactError(f"{dest_dir} exists and is not empty")
    created = not dest_dir.exists()
    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        try:
            with tarfile.open(src, mode="r:*") as tar:
                members = _checked_members(tar, max_bytes=max_bytes, max_files=max_files)
                # 'data' filter re-checks links and strips special mode bits (defence in depth).
                tar.extractall(dest_dir, members=members, filter="data")
        except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
            raise ArtifactError(f"cannot extract {src}: {exc}") from exc
    except BaseException:
        if created:
            shutil.rmtree(dest_dir, ignore_errors=True)
        else:
            for child in dest_dir.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        raise
    return dest_dir


def _check_zip_member(info: zipfile.ZipInfo, label: str) -> None:
    name = info.filename
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\\" in name:
        raise ArtifactError(f"refusing absolute or non-POSIX path {name!r}: it points outside the {label}")
    if ".." in name.split("/"):
        raise ArtifactError(f"refusing path with '..': {name!r} points outside the {label}")
    mode = info.external_attr >> 16
    if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        # Links and special files: zip has no portable way to say where a link points.
        raise ArtifactError(f"refusing zip entry {name!r}: only files and directories are extracted")


def extract_zip(
    src: Path,
    dest_dir: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_files: int = DEFAULT_MAX_FILES,
    label: str = "archive",
) -> Path:
    """Safely extract the zip ``src`` into ``dest_dir`` with the same rules as tarballs.

    ``label`` names what the archive holds in messages (e.g. "bundle")."""
    src, dest_dir = Path(src), Path(dest_dir)
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
            if len(infos) > max_files:
                raise ArtifactError(f"archive has more than {max_files} entries")
            total = 0
            for info in infos:
                _check_zip_member(info, label)
                total += info.file_size
                if total > max_bytes:
                    raise ArtifactError(f"archive expands to more than {max_bytes} bytes")
            dest_dir.mkdir(parents=True, exist_ok=True)
            for info in infos:
                destination = dest_dir.joinpath(*[part for part in info.filename.split("/") if part])
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, destination.open("wb") as target:
                    shutil.copyfileobj(source, target, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ArtifactError(f"cannot extract {src}: {exc}") from exc
    return dest_dir
