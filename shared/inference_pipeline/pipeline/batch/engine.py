"""Run a batch transform over local files, with SageMaker's semantics.

The engine knows nothing about HTTP or containers: it calls an injected
``invoke(body, content_type, accept) -> InvokeResult`` once per mini-batch.
Files run one after another; a file's requests run up to ``max_concurrent_transforms``
at a time on threads, and its output is written in input order as results arrive.

A MultiRecord mini-batch the model refuses fails its file; before reporting, the engine halves
it until the one record the model refuses is found (a few extra requests, only on failure), so
the report names the record, not a range of thousands.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .config import AssembleWith, BatchStrategy, SplitType, TransformConfig
from .dataprocessing import RecordProcessor
from .errors import FileTransformError
from .files import AtomicOutput, InputFile, discover_inputs, read_input
from .splitting import MiniBatch, plan_batches, split_records, sub_batch
from .types import FileFailure, Invoke, InvokeResult, ProgressCallback, TransformReport

_MESSAGE_LIMIT = 2000  # characters of a failing response kept in the report
# Answers that say nothing about the records (size, availability, throttling): never bisected.
_NOT_ABOUT_RECORDS = frozenset({413, 429, 503, 504})


def run_transform(
    input_path: str | Path,
    output_dir: str | Path,
    config: TransformConfig,
    invoke: Invoke,
    *,
    on_progress: ProgressCallback | None = None,
) -> TransformReport:
    """Transform a file or a directory tree into ``<relative path>.out`` files under ``output_dir``.

    Raises ``FileNotFoundError``/``TransformInputError`` when there is nothing to read; any
    per-file problem (bad data, model error, payload limit) becomes a ``FileFailure`` in the
    report and the other files still run.
    """
    started = time.perf_counter()
    output_root = Path(output_dir)
    inputs = discover_inputs(Path(input_path), output_root)
    report = TransformReport()
    job = _Job(config, invoke, on_progress, single_file=len(inputs) == 1)
    executor = (
        ThreadPoolExecutor(config.max_concurrent_transforms, thread_name_prefix="transform")
        if config.max_concurrent_transforms > 1
        else None
    )
    try:
        for source in inputs:
            target = source.output_path(output_root)
            try:
                records, written, size = job.transform_file(source, target, executor)
            except FileTransformError as exc:
                target.unlink(missing_ok=True)  # never leave a stale .out from an earlier run
                report.files_failed += 1
                report.failures.append(_failure(source, exc))
                continue
            report.files_ok += 1
            report.records += records
            report.bytes_in += size
            report.bytes_out += written
            report.outputs.append(target)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    report.requests = job.requests
    report.seconds = time.perf_counter() - started
    return report


class _Job:
    def __init__(
        self, config: TransformConfig, invoke: Invoke, on_progress: ProgressCallback | None, *, single_file: bool
    ) -> None:
        self.config = config
        self.invoke = invoke
        self.on_progress = on_progress
        self.single_file = single_file
        self.records_done = 0
        self.requests = 0
        self.content_type = config.content_type
        self.accept = config.accept

    def transform_file(
        self, source: InputFile, target: Path, executor: ThreadPoolExecutor | None
    ) -> tuple[int, int, int]:
        """Returns (records, bytes written, bytes read)."""
        config = self.config
        data = read_input(source.path, config.compression)
        size = source.path.stat().st_size
        originals = split_records(data, config.split_type)
        del data
        total = len(originals) if self.single_file else None
        processor = RecordProcessor(config) if config.data_processing else None
        sent = processor.filter_inputs(originals) if processor else originals
        line = config.assemble_with is AssembleWith.LINE
        with AtomicOutput(target) as output:
            for batch, result in self._ordered(plan_batches(sent, config), executor):
                self.requests += 1
                if not result.ok:
                    batch, result = self._narrow(sent, batch, result)
                    raise _request_error(batch, result)
                if processor is not None:
                    sources = originals[batch.first : batch.first + batch.count]
                    pieces = processor.outputs(sources, batch.first, result.body, result.content_type)
                    output.write((b"\n".join(pieces), b"\n") if line and pieces else pieces)
                else:
                    body = result.body
                    output.write((body, b"\n") if line and not body.endswith(b"\n") else (body,))
                self.records_done += batch.count
                if self.on_progress is not None:
                    self.on_progress(self.records_done, total)
            output.commit()
        return len(originals), output.bytes_written, size

    def _narrow(
        self, records: Sequence[bytes], batch: MiniBatch, result: InvokeResult
    ) -> tuple[MiniBatch, InvokeResult]:
        """The smallest failing part of a refused MultiRecord mini-batch, found by halving.

        Stops at one record, or where neither half fails alone (the failure needs both).
        """
        config = self.config
        bisectable = (
            config.batch_strategy is BatchStrategy.MULTI_RECORD
            and config.split_type is not SplitType.NONE
            and result.error is None
            and result.status not in _NOT_ABOUT_RECORDS
        )
        if not bisectable:
            return batch, result
        start, stop = batch.first, batch.first + batch.count
        while stop - start > 1:
            middle = (start + stop) // 2
            for low, high in ((start, middle), (middle, stop)):
                part = sub_batch(records, low, high, config.split_type)
                answer = self._call(part.payload)
                self.requests += 1
                if not answer.ok:
                    start, stop, batch, result = low, high, part, answer
                    break
            else:
                break
        return batch, result

    def _call(self, payload: bytes) -> InvokeResult:
        try:
            return self.invoke(payload, self.content_type, self.accept)
        except Exception as exc:  # a transport failure fails this file, not the job
            return InvokeResult(status=0, body=b"", error=f"{type(exc).__name__}: {exc}")

    def _ordered(
        self, batches: Iterable[MiniBatch], executor: ThreadPoolExecutor | None
    ) -> Iterator[tuple[MiniBatch, InvokeResult]]:
        """Results in input order; at most ``max_concurrent_transforms`` requests in flight
        plus as many queued, so memory stays bounded on huge files."""
        if executor is None:
            for batch in batches:
                yield batch, self._call(batch.payload)
            return
        window = 2 * self.config.max_concurrent_transforms
        pending: deque[tuple[MiniBatch, Future[InvokeResult]]] = deque()
        try:
            for batch in batches:
                pending.append((batch, executor.submit(self._call, batch.payload)))
                if len(pending) >= window:
                    head, future = pending.popleft()
                    yield head, future.result()
            while pending:
                head, future = pending.popleft()
                yield head, future.result()
        finally:  # the file failed: drop requests not started yet
            for _, future in pending:
                future.cancel()


def _request_error(batch: MiniBatch, result: InvokeResult) -> FileTransformError:
    if result.error is not None:
        said = result.error
        status = result.status or None
    else:
        said = result.body.decode("utf-8", errors="replace").strip() or "(empty body)"
        status = result.status
        said = f"model answered: {said}"
    if len(said) > _MESSAGE_LIMIT:
        said = said[:_MESSAGE_LIMIT] + "..."
    return FileTransformError(
        said, first_record=batch.first, last_record=batch.last, status=status, container=result.container
    )


def _failure(source: InputFile, exc: FileTransformError) -> FileFailure:
    last = exc.last_record if exc.last_record is not None else exc.first_record
    return FileFailure(
        file=source.relative,
        message=exc.message,
        first_record=exc.first_record,
        last_record=last,
        status=exc.status,
        container=exc.container,
    )
