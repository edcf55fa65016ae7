"""Data passed in and out of the batch transform engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class InvokeResult:
    """What one ``POST /invocations`` to the model (or pipeline front door) returned.

    ``error`` is set when no usable HTTP answer came back (connection refused, timeout);
    ``container`` names the pipeline container that failed, when the caller knows it.
    """

    status: int
    body: bytes
    content_type: str = ""
    error: str | None = None
    container: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300


# invoke(body, content_type, accept) -> InvokeResult. An empty ``accept`` means "send no Accept".
Invoke = Callable[[bytes, str, str], InvokeResult]

# on_progress(records_done, records_total_or_None)
ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class FileFailure:
    """Why one input file produced no ``.out``.

    ``first_record``/``last_record`` are 0-based, inclusive indices of the records in the
    failing request (None when the file failed before any request, e.g. bad gzip).
    """

    file: str
    message: str
    first_record: int | None = None
    last_record: int | None = None
    status: int | None = None
    container: str | None = None

    def describe(self) -> str:
        place = self.file
        if self.first_record is not None:
            if self.first_record == self.last_record:
                place += f" record {self.first_record}"
            else:
                place += f" records {self.first_record}-{self.last_record}"
        parts = [place + ":"]
        if self.container:
            parts.append(f"container {self.container}")
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        parts.append(self.message)
        return " ".join(parts)


@dataclass
class TransformReport:
    """Outcome of a whole transform run."""

    files_ok: int = 0
    files_failed: int = 0
    records: int = 0
    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0
    outputs: list[Path] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.files_failed == 0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0
