"""Input discovery, reading (with Gzip) and atomic ``.out`` writing."""

from __future__ import annotations

import gzip
import os
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .config import CompressionType
from .errors import FileTransformError, TransformInputError

OUTPUT_SUFFIX = ".out"


@dataclass(frozen=True)
class InputFile:
    """``path`` to read; ``relative`` is its key under the input prefix (POSIX form)."""

    path: Path
    relative: str

    def output_path(self, output_dir: Path) -> Path:
        return output_dir / (self.relative + OUTPUT_SUFFIX)


def discover_inputs(input_path: Path, output_dir: Path | None = None) -> list[InputFile]:
    """A file, or every file under a directory (recursive, sorted, hidden entries skipped).

    The output directory is skipped when it lies inside the input directory, so a rerun
    never transforms its own ``.out`` files.
    """
    if not input_path.exists():
        raise FileNotFoundError(f"transform input {input_path} does not exist")
    if input_path.is_file():
        return [InputFile(input_path, input_path.name)]
    skip = output_dir.resolve() if output_dir is not None else None
    found: list[InputFile] = []
    for root, dirs, names in os.walk(input_path):
        root_path = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (root_path / d).resolve() != skip
        )
        for name in sorted(names):
            path = root_path / name
            if name.startswith(".") or not path.is_file():
                continue
            found.append(InputFile(path, path.relative_to(input_path).as_posix()))
    if not found:
        raise TransformInputError(f"no input files under {input_path}")
    return found


def read_input(path: Path, compression: CompressionType) -> bytes:
    data = path.read_bytes()
    if compression is CompressionType.GZIP:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileTransformError(f"CompressionType=Gzip but the file is not valid gzip: {exc}") from None
    return data


class AtomicOutput:
    """Writes to a temp file beside the target; renamed into place only on ``commit``."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.bytes_written = 0
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        )
        self._file = handle
        self._committed = False

    def write(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self._file.write(chunk)
            self.bytes_written += len(chunk)

    def commit(self) -> None:
        self._file.close()
        os.replace(self._file.name, self.target)
        self._committed = True

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:
            self._file.close()
            Path(self._file.name).unlink(missing_ok=True)
