"""DataProcessing: InputFilter before the model, JoinSource + OutputFilter after it.

Records are bytes without line terminators. CSV rows are handled as JSON arrays of their
field strings (values are kept as text, so numbers keep their exact spelling); JSON and
JSON Lines records are JSON documents.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ...serving import media
from .config import DATA_PROCESSING_TYPES, JoinSource, TransformConfig, media_essence
from .errors import FileTransformError
from .jsonpath import PathMatchError

SAGEMAKER_INPUT = "SageMakerInput"
SAGEMAKER_OUTPUT = "SageMakerOutput"


class _CsvCodec:
    """One CSV row ↔ list of strings (a fresh codec per file keeps the buffer thread-local)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="")

    def parse_many(self, records: Sequence[bytes]) -> list[Any]:
        return list(csv.reader([record.decode("utf-8") for record in records]))

    def parse(self, record: bytes) -> Any:
        rows = list(csv.reader(record.decode("utf-8").splitlines()))
        if len(rows) != 1:
            raise ValueError(f"expected one CSV row, got {len(rows)}")
        return rows[0]

    def dump(self, value: Any) -> bytes:
        row = value if isinstance(value, list) else [value]
        row = [json.dumps(cell, separators=(",", ":")) if isinstance(cell, dict | list) else cell for cell in row]
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(row)
        return self._buffer.getvalue().encode("utf-8")


class _JsonCodec:
    def parse_many(self, records: Sequence[bytes]) -> list[Any]:
        return [json.loads(record) for record in records]

    def parse(self, record: bytes) -> Any:
        return json.loads(record)

    def dump(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_Codec = _CsvCodec | _JsonCodec


def _codec(essence: str) -> _Codec:
    return _CsvCodec() if essence == media.CSV else _JsonCodec()


class RecordProcessor:
    """Applies one job's DataProcessing to the records of one file."""

    def __init__(self, config: TransformConfig) -> None:
        self.config = config
        self.input_kind = media_essence(config.content_type)
        self._input = _codec(self.input_kind)

    def filter_inputs(self, records: Sequence[bytes]) -> list[bytes]:
        """What the model gets for each record after InputFilter."""
        path = self.config.input_path
        if path.is_root:
            return list(records)
        try:
            values = self._input.parse_many(records)
        except ValueError:
            values = None  # find the offending record below, one by one
        out: list[bytes] = []
        for index, record in enumerate(records):
            try:
                value = values[index] if values is not None else self._input.parse(record)
                out.append(self._input.dump(path.apply(value)))
            except (ValueError, UnicodeDecodeError) as exc:
                raise FileTransformError(f"InputFilter {path}: {exc}", first_record=index, last_record=index) from None
        return out

    def outputs(
        self, originals: Sequence[bytes], first: int, body: bytes, content_type: str
    ) -> list[bytes]:
        """One output record per input record of a request, joined and filtered."""
        kind = self._output_kind(content_type, first, len(originals))
        pieces = split_response(body, len(originals), kind)
        last = first + len(originals) - 1
        if pieces is None:
            got = len(split_body_lines(body))
            raise FileTransformError(
                f"request with records {first}-{last} sent {len(originals)} records but the response "
                f"has {got} {kind} lines; JoinSource/OutputFilter need one output line per record",
                first_record=first,
                last_record=last,
            )
        join = self.config.join_source is JoinSource.INPUT
        path = self.config.output_path
        if path.is_root and (not join or self._csv_join_fast(kind)):
            if not join:
                return pieces
            return [original + b"," + piece for original, piece in zip(originals, pieces)]
        codec = _codec(kind)
        result: list[bytes] = []
        for offset, (original, piece) in enumerate(zip(originals, pieces)):
            try:
                value = codec.parse(piece)
                if join:
                    value = self._join(self._input.parse(original), value)
                result.append(codec.dump(path.apply(value)))
            except (ValueError, UnicodeDecodeError) as exc:  # PathMatchError, bad JSON/CSV
                stage = "OutputFilter" if isinstance(exc, PathMatchError) else "output"
                raise FileTransformError(
                    f"{stage}: {exc}", first_record=first + offset, last_record=first + offset
                ) from None
        return result

    def _csv_join_fast(self, kind: str) -> bool:
        # CSV + CSV with no output filter: appending the output columns is a byte concat.
        return self.input_kind == media.CSV and kind == media.CSV

    def _output_kind(self, content_type: str, first: int, count: int) -> str:
        # The answer's own Content-Type decides; the job's Accept only stands in when it is absent.
        kind = media_essence(content_type) or media_essence(self.config.accept)
        joining = self.config.join_source is JoinSource.INPUT
        if kind in DATA_PROCESSING_TYPES and not (joining and (kind == media.CSV) != (self.input_kind == media.CSV)):
            return kind
        raise FileTransformError(
            f"the model answered Content-Type {content_type or '(none)'!r}; JoinSource/OutputFilter need "
            f"{'text/csv' if self.input_kind == media.CSV else 'application/json or application/jsonlines'}",
            first_record=first,
            last_record=first + count - 1,
        )

    def _join(self, source: Any, output: Any) -> Any:
        if self.input_kind == media.CSV:  # output columns after the input columns
            return source + (output if isinstance(output, list) else [output])
        if isinstance(source, dict):
            if SAGEMAKER_OUTPUT in source:
                raise ValueError(f"input record already has a {SAGEMAKER_OUTPUT!r} key; cannot join")
            return {**source, SAGEMAKER_OUTPUT: output}
        return {SAGEMAKER_INPUT: source, SAGEMAKER_OUTPUT: output}


def split_body_lines(body: bytes) -> list[bytes]:
    """Response lines: one trailing newline is a terminator, not an empty record."""
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if b"\r" in body:
        lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    return lines


def split_response(body: bytes, count: int, kind: str) -> list[bytes] | None:
    """Per-record outputs of a response to ``count`` records; None if they cannot be matched.

    Lines map to records (CSV, JSON Lines, and JSON answered one document per line). A JSON
    answer for one record may span lines; a JSON array of exactly ``count`` items maps item
    by item.
    """
    if count == 1 and kind == media.JSON:
        return [body.strip()]
    lines = split_body_lines(body)
    if len(lines) == count:
        return lines
    if kind == media.JSON:
        try:
            document = json.loads(body)
        except ValueError:
            return None
        if isinstance(document, list) and len(document) == count:
            return [json.dumps(item, separators=(",", ":")).encode("utf-8") for item in document]
    return None
