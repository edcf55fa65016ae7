"""Archives: package a directory as ``model.tar.gz``, and extract tar or zip archives safely.

SageMaker extracts ``ModelDataUrl`` into ``/opt/ml/model`` before a container starts; the
local simulator does the same on the host, and the MLeap runtime opens zipped or tarred
bundles. Archives come from users, training jobs or the internet, so extraction refuses
anything that could write outside the target directory (absolute names, ``..``, links
escaping it, device files) and caps total size, compression ratio and entry count. This is the
project's only extractor; it imports nothing of the project.

Links are checked lexically and never trusted to resolve: no member may be written, linked or
pointed *through* a symlink entry of the same archive (a link may point at a file, a directory
or another link, but nothing goes via it while extracting). Then every path the kernel follows
while extracting is exactly the lexical path that was checked, whatever the interpreter's
``os.path.realpath`` does: CVE-2025-4517 escapes by chaining links until the resolved path
passes PATH_MAX, where ``realpath`` (and the stdlib ``data`` filter built on it) stops
resolving; Python 3.11.7 here and the images' 3.11.2 lack that fix. Links are not refused
outright because ``package_model_dir`` keeps a model directory's internal links (``latest``
→ a checkpoint, alias files) and SageMaker extracts them too.
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
from collections.abc import Iterable, Iterator
from pathlib import Path

# The largest artifacts these images serve (random forests, big XGBoost ensembles, MLeap
# bundles) are a few GiB; twice that still fits a laptop's disk. Raise it per call or with
# INFERENCE_PIPELINE_ARTIFACT_MAX_MB.
DEFAULT_MAX_BYTES = 8 * 1024**3
DEFAULT_MAX_FILES = 100_000
# Model files compress 2-20x (JSON trees, pickled float arrays); deflate tops out near 1032:1, so
# anything past 100:1 is almost surely a bomb. Archives expanding to less than RATIO_FLOOR_BYTES
# are exempt: they are harmless, and headers of tiny files compress far beyond any ratio.
DEFAULT_MAX_RATIO = 100.0
RATIO_FLOOR_BYTES = 32 * 1024**2
MAX_MB_ENV = "INFERENCE_PIPELINE_ARTIFACT_MAX_MB"
MAX_RATIO_ENV = "INFERENCE_PIPELINE_ARTIFACT_MAX_RATIO"
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


# ----------------------------------------------------------------------------- extraction limits


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0 or value != value:  # negative or NaN
        raise ArtifactError(f"{name} must be a non-negative number; got {raw!r}")
    return value


def _size(limit: int) -> str:
    if limit % (1024**2) == 0:
        return f"{limit // 1024**2} MiB ({limit} bytes)"
    return f"{limit} bytes"


class _Budget:
    """Counts what an archive will write, refusing it before the first byte lands on disk.

    Declared member sizes are what extraction writes (tarfile and zipfile read exactly that
    many bytes), so summing them while listing members bounds the output; listing a gzip
    stream decompresses it without writing, and stops at the first limit crossed.
    """

    def __init__(self, archive_bytes: int, *, max_bytes: int | None, max_files: int, max_ratio: float | None) -> None:
        self.archive_bytes = max(archive_bytes, 1)
        self.max_bytes = int(_env_number(MAX_MB_ENV, DEFAULT_MAX_BYTES / 1024**2) * 1024**2) \
            if max_bytes is None else max_bytes
        self.max_ratio = _env_number(MAX_RATIO_ENV, DEFAULT_MAX_RATIO) if max_ratio is None else max_ratio
        self.max_files = max_files
        self.files = 0
        self.total = 0

    def add(self, size: int) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise ArtifactError(f"archive has more than {self.max_files} entries")
        self.total += size
        if self.total > self.max_bytes:
            raise ArtifactError(
                f"archive expands to more than {_size(self.max_bytes)}; if the model really is that large, "
                f"raise the limit (max_bytes=, or {MAX_MB_ENV} in MiB)"
            )
        ratio = self.total / self.archive_bytes
        if self.max_ratio and self.total > RATIO_FLOOR_BYTES and ratio > self.max_ratio:
            raise ArtifactError(
                f"archive of {self.archive_bytes} bytes expands to more than {self.total} bytes: a compression "
                f"ratio over {self.max_ratio:g}:1 looks like a decompression bomb (raise max_ratio=, or "
                f"{MAX_RATIO_ENV}; 0 turns the check off)"
            )


# ----------------------------------------------------------------------------- link checks


def _normal(name: str) -> str:
    """The member's archive path as compared with links: no ``./``, no trailing ``/``; root is ``.``."""
    return posixpath.normpath(name.lstrip("/")) if name.strip("/") else "."


def _follow(start: str, relative: str, symlinks: set[str], what: str) -> str:
    """Follow ``relative`` from directory ``start`` one component at a time, lexically.

    Refuses a step through a symlink entry (the kernel would follow it and the lexical path
    would no longer be the real one) and a step above the archive root. Returns the path.
    """
    parts = [part for part in start.split("/") if part not in ("", ".")]
    for component in relative.split("/"):
        if component in ("", "."):
            continue
        here = "/".join(parts)
        if here in symlinks:
            raise ArtifactError(f"refusing {what}: it goes through the symlink {here!r} of the same archive")
        if component == "..":
            if not parts:
                raise ArtifactError(f"refusing {what}: it points outside the archive")
            parts.pop()
        else:
            parts.append(component)
    return "/".join(parts) or "."


def _check_links(members: Iterable[tarfile.TarInfo]) -> None:
    members = list(members)
    symlinks = {_normal(m.name) for m in members if m.issym()}
    seen: set[str] = set()
    for member in members:
        name = _normal(member.name)
        _follow("", name, symlinks, f"{member.name!r}")
        if name in symlinks and name in seen:
            raise ArtifactError(f"refusing {member.name!r}: the archive also has a symlink of that name, "
                                "so extracting it would write through the link")
        seen.add(name)
        if member.issym():
            _follow(posixpath.dirname(name), member.linkname, symlinks,
                  f"symlink {member.name!r} -> {member.linkname!r}")
        elif member.islnk():
            target = _follow("", member.linkname, symlinks, f"hard link {member.name!r} -> {member.linkname!r}")
            if target in symlinks:  # os.link follows a symlink target
                raise ArtifactError(f"refusing hard link {member.name!r} -> {member.linkname!r}: "
                                    "its target is a symlink")


# ----------------------------------------------------------------------------- tar


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


def _checked_members(tar: tarfile.TarFile, budget: _Budget) -> list[tarfile.TarInfo]:
    members: list[tarfile.TarInfo] = []
    for member in tar:
        _check_member(member)
        members.append(member)
        budget.add(member.size if member.isfile() else 0)
    _check_links(members)
    return members


def _empty_target(dest_dir: Path) -> bool:
    """Checks ``dest_dir`` is absent or empty; True when this call has to create it."""
    if dest_dir.is_symlink() or (dest_dir.exists() and not dest_dir.is_dir()):
        raise ArtifactError(f"{dest_dir} is not a directory")
    if dest_dir.exists() and any(dest_dir.iterdir()):
        raise ArtifactError(f"{dest_dir} exists and is not empty")
    return not dest_dir.exists()


def _clean(dest_dir: Path, created: bool) -> None:
    if created:
        shutil.rmtree(dest_dir, ignore_errors=True)
        return
    for child in dest_dir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def extract_artifact(
    src: Path,
    dest_dir: Path,
    *,
    max_bytes: int | None = None,
    max_files: int = DEFAULT_MAX_FILES,
    max_ratio: float | None = None,
) -> Path:
    """Safely extract the tarball ``src`` into ``dest_dir`` (created; must be empty if it exists).

    ``max_bytes`` (default ``INFERENCE_PIPELINE_ARTIFACT_MAX_MB`` or 8 GiB) caps what is
    written; ``max_ratio`` (default ``INFERENCE_PIPELINE_ARTIFACT_MAX_RATIO`` or 100; 0 = off)
    caps expanded size / archive size once past 32 MiB. Raises :class:`ArtifactError` naming
    the offending entry; nothing is left behind on error.
    """
    src, dest_dir = Path(src), Path(dest_dir)
    if not src.is_file():
        raise ArtifactError(f"{src} is not a file")
    budget = _Budget(src.stat().st_size, max_bytes=max_bytes, max_files=max_files, max_ratio=max_ratio)
    created = _empty_target(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        try:
            with tarfile.open(src, mode="r:*") as tar:
                members = _checked_members(tar, budget)
                # 'data' filter re-checks links and strips special mode bits (defence in depth).
                tar.extractall(dest_dir, members=members, filter="data")
        except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
            raise ArtifactError(f"cannot extract {src}: {exc}") from exc
    except BaseException:
        _clean(dest_dir, created)
        raise
    return dest_dir


# ----------------------------------------------------------------------------- zip


def _check_zip_member(info: zipfile.ZipInfo, label: str) -> None:
    name = info.filename
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\\" in name:
        raise ArtifactError(f"refusing absolute or non-POSIX path {name!r}: it points outside the {label}")
    if ".." in name.split("/"):
        raise ArtifactError(f"refusing path with '..': {name!r} points outside the {label}")
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no type recorded (Python's zipfile writes 0o600)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        # Links and special files: zip has no portable way to say where a link points, and
        # MLeap bundles never hold any. Refusing them means no later entry can go through one.
        raise ArtifactError(f"refusing zip entry {name!r}: only files and directories are extracted")


def extract_zip(
    src: Path,
    dest_dir: Path,
    *,
    max_bytes: int | None = None,
    max_files: int = DEFAULT_MAX_FILES,
    max_ratio: float | None = None,
    label: str = "archive",
) -> Path:
    """Safely extract the zip ``src`` into ``dest_dir`` with the same rules and limits as tarballs.

    Zip symlinks are refused (only files and directories are written, by this function, never
    through a link). ``label`` names what the archive holds in messages (e.g. "bundle")."""
    src, dest_dir = Path(src), Path(dest_dir)
    if not src.is_file():
        raise ArtifactError(f"{src} is not a file")
    budget = _Budget(src.stat().st_size, max_bytes=max_bytes, max_files=max_files, max_ratio=max_ratio)
    created = _empty_target(dest_dir)
    try:
        try:
            with zipfile.ZipFile(src) as zf:
                infos = zf.infolist()
                for info in infos:
                    _check_zip_member(info, label)
                    budget.add(info.file_size)
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
    except BaseException:
        if dest_dir.exists():
            _clean(dest_dir, created)
        raise
    return dest_dir
