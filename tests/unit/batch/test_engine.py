from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from inference_pipeline.pipeline.batch import (
    InvokeResult,
    TransformConfig,
    TransformInputError,
    run_transform,
)

from .conftest import FakeModel, recordio_frame

CSV = b"1,10\n2,20\n3,30\n"


def _csv(**kw: object) -> TransformConfig:
    return TransformConfig(content_type="text/csv", accept="text/csv", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("split", "strategy", "assemble", "expected", "calls"),
    [
        ("Line", "SingleRecord", "Line", b"2.0\n4.0\n6.0\n", 3),
        ("Line", "SingleRecord", "None", b"2.04.06.0", 3),
        ("Line", "MultiRecord", "Line", b"2.0\n4.0\n6.0\n", 1),
        ("Line", "MultiRecord", "None", b"2.0\n4.0\n6.0", 1),
        ("None", "SingleRecord", "Line", b"2.0\n4.0\n6.0\n", 1),
        ("None", "MultiRecord", "None", b"2.0\n4.0\n6.0", 1),
    ],
)
def test_csv_split_strategy_assemble_matrix(
    tmp_path: Path, split: str, strategy: str, assemble: str, expected: bytes, calls: int
) -> None:
    (tmp_path / "in.csv").write_bytes(CSV)
    model = FakeModel(trailing_newline=False)
    config = _csv(split_type=split, batch_strategy=strategy, assemble_with=assemble)
    report = run_transform(tmp_path / "in.csv", tmp_path / "out", config, model)
    assert report.succeeded and report.files_ok == 1 and report.requests == calls
    assert (tmp_path / "out" / "in.csv.out").read_bytes() == expected
    assert len(model.calls) == calls
    assert all(ct == "text/csv" and accept == "text/csv" for _, ct, accept in model.calls)


@pytest.mark.parametrize(
    ("strategy", "assemble", "expected", "calls"),
    [
        ("SingleRecord", "Line", b"ABC\nDE\nFGHIJ\n", 3),
        ("SingleRecord", "None", b"ABCDEFGHIJ", 3),
        ("MultiRecord", "Line", b"ABC\nDE\nFGHIJ\n", 1),
        ("MultiRecord", "None", b"ABC\nDE\nFGHIJ", 1),
    ],
)
def test_recordio_strategy_assemble_matrix(
    tmp_path: Path, strategy: str, assemble: str, expected: bytes, calls: int
) -> None:
    frames = [recordio_frame(p) for p in (b"abc", b"de", b"fghij")]
    (tmp_path / "data.rec").write_bytes(b"".join(frames))
    model = FakeModel(trailing_newline=False)
    config = TransformConfig(
        content_type="application/x-recordio", split_type="RecordIO",  # type: ignore[arg-type]
        batch_strategy=strategy, assemble_with=assemble,  # type: ignore[arg-type]
    )
    report = run_transform(tmp_path / "data.rec", tmp_path / "out", config, model)
    assert report.succeeded and report.records == 3
    assert (tmp_path / "out" / "data.rec.out").read_bytes() == expected
    bodies = [body for body, _, _ in model.calls]
    if strategy == "SingleRecord":
        assert bodies == [f[: 8 + n] for f, n in zip(frames, (3, 2, 5))]  # padding removed
    else:
        assert bodies == [b"".join(frames)]  # padding kept


def test_line_assembly_does_not_double_newlines(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(CSV)
    config = _csv(split_type="Line", batch_strategy="SingleRecord", assemble_with="Line")
    run_transform(tmp_path / "in.csv", tmp_path / "out", config, FakeModel(trailing_newline=True))
    assert (tmp_path / "out" / "in.csv.out").read_bytes() == b"2.0\n4.0\n6.0\n"


def test_multi_record_respects_payload_limit_and_order(tmp_path: Path) -> None:
    rows = [f"{i},{'x' * 1000}" for i in range(3000)]  # ~3 MB
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n")
    model = FakeModel()
    config = _csv(split_type="Line", max_payload_mb=1, assemble_with="Line")
    report = run_transform(tmp_path / "big.csv", tmp_path / "out", config, model)
    assert report.succeeded
    assert len(model.calls) == 3
    assert all(len(body) <= 1024 * 1024 for body, _, _ in model.calls)
    assert sum(model.payload_records()) == 3000
    lines = (tmp_path / "out" / "big.csv.out").read_text().splitlines()
    assert lines == [str(float(i) * 2) for i in range(3000)]


def test_concurrent_requests_keep_input_order(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("".join(f"{i},0\n" for i in range(300)))
    model = FakeModel(jitter=0.002)
    config = _csv(split_type="Line", batch_strategy="SingleRecord", assemble_with="Line", max_concurrent_transforms=4)
    report = run_transform(tmp_path / "in.csv", tmp_path / "out", config, model)
    assert report.succeeded and report.requests == 300
    assert 1 < model.max_in_flight <= 4
    lines = (tmp_path / "out" / "in.csv.out").read_text().splitlines()
    assert lines == [str(float(i) * 2) for i in range(300)]


def test_gzip_input_is_decompressed_before_splitting(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part.csv.gz").write_bytes(gzip.compress(CSV))
    (tmp_path / "in" / "broken.csv.gz").write_bytes(b"not gzip at all")
    config = _csv(split_type="Line", compression="Gzip", assemble_with="Line")
    report = run_transform(tmp_path / "in", tmp_path / "out", config, FakeModel())
    assert (tmp_path / "out" / "part.csv.gz.out").read_bytes() == b"2.0\n4.0\n6.0\n"
    assert not (tmp_path / "out" / "broken.csv.gz.out").exists()
    assert [f.file for f in report.failures] == ["broken.csv.gz"]
    assert "not valid gzip" in report.failures[0].message


def test_nested_directories_are_mirrored(tmp_path: Path) -> None:
    src = tmp_path / "in"
    for rel in ("a.csv", "sub/b.csv", "sub/deeper/c.csv"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(CSV)
    (src / ".DS_Store").write_bytes(b"junk")
    (src / ".hidden").mkdir()
    (src / ".hidden" / "x.csv").write_bytes(b"junk")
    report = run_transform(src, tmp_path / "out", _csv(split_type="Line", assemble_with="Line"), FakeModel())
    assert report.files_ok == 3 and report.records == 9
    produced = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert produced == ["a.csv.out", "sub/b.csv.out", "sub/deeper/c.csv.out"]


def test_output_dir_inside_input_is_not_reprocessed(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(CSV)
    config = _csv(split_type="Line", assemble_with="Line")
    run_transform(tmp_path, tmp_path / "out", config, FakeModel())
    report = run_transform(tmp_path, tmp_path / "out", config, FakeModel())
    assert report.files_ok == 1
    assert not (tmp_path / "out" / "out").exists()


def test_failing_file_gets_no_output_and_a_report_entry(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_bytes(CSV)
    (src / "b.csv").write_text("".join(f"{i},x\n" for i in range(10, 20)))
    (src / "c.csv").write_bytes(CSV)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b.csv.out").write_text("stale from an earlier run")
    model = FakeModel(fail_on=b"13,x", container="sklearn-model")
    config = _csv(split_type="Line", batch_strategy="MultiRecord", max_payload_mb=0, assemble_with="Line")
    report = run_transform(src, tmp_path / "out", config, model)
    assert (report.files_ok, report.files_failed, report.succeeded) == (2, 1, False)
    assert not (tmp_path / "out" / "b.csv.out").exists()
    assert (tmp_path / "out" / "a.csv.out").exists() and (tmp_path / "out" / "c.csv.out").exists()
    (failure,) = report.failures
    assert (failure.file, failure.first_record, failure.last_record) == ("b.csv", 3, 3)
    assert (failure.status, failure.container) == (500, "sklearn-model")
    assert "cannot score 13,x" in failure.message
    assert "b.csv record 3: container sklearn-model HTTP 500" in failure.describe()
    assert report.records == 6
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_single_record_failure_names_the_record(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("".join(f"{i},x\n" for i in range(10, 20)))
    model = FakeModel(fail_on=b"13,x")
    config = _csv(split_type="Line", batch_strategy="SingleRecord", max_concurrent_transforms=3)
    report = run_transform(tmp_path / "b.csv", tmp_path / "out", config, model)
    assert [(f.first_record, f.last_record, f.status) for f in report.failures] == [(3, 3, 500)]
    assert "b.csv record 3:" in report.failures[0].describe()


def test_transport_errors_fail_the_file_not_the_job(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(CSV)

    def unreachable(body: bytes, content_type: str, accept: str) -> InvokeResult:
        raise ConnectionRefusedError("front door is down")

    report = run_transform(tmp_path / "a.csv", tmp_path / "out", _csv(split_type="Line"), unreachable)
    (failure,) = report.failures
    assert failure.status is None
    assert "ConnectionRefusedError: front door is down" in failure.message


def test_error_field_of_invoke_result_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(CSV)

    def timeout(body: bytes, content_type: str, accept: str) -> InvokeResult:
        return InvokeResult(0, b"", error="timed out after 600 s", container="xgboost")

    report = run_transform(tmp_path / "a.csv", tmp_path / "out", _csv(split_type="Line"), timeout)
    assert report.failures[0].message == "timed out after 600 s"
    assert report.failures[0].container == "xgboost"


def test_oversized_record_fails_only_its_file(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.csv").write_bytes(CSV)
    (tmp_path / "in" / "huge.csv").write_bytes(b"1," + b"9" * (1024 * 1024) + b"\n")
    config = _csv(split_type="Line", max_payload_mb=1)
    report = run_transform(tmp_path / "in", tmp_path / "out", config, FakeModel())
    assert report.files_ok == 1
    assert "over MaxPayloadInMB=1" in report.failures[0].message


def test_empty_file_gives_empty_output_without_requests(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    model = FakeModel()
    report = run_transform(tmp_path / "empty.csv", tmp_path / "out", _csv(split_type="Line"), model)
    assert report.succeeded and model.calls == []
    assert (tmp_path / "out" / "empty.csv.out").read_bytes() == b""


def test_missing_or_empty_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run_transform(tmp_path / "nope", tmp_path / "out", _csv(), FakeModel())
    (tmp_path / "empty").mkdir()
    with pytest.raises(TransformInputError, match="no input files"):
        run_transform(tmp_path / "empty", tmp_path / "out", _csv(), FakeModel())


def test_progress_reports_records_and_total(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("".join(f"{i},0\n" for i in range(10)))
    seen: list[tuple[int, int | None]] = []
    config = _csv(split_type="Line", batch_strategy="SingleRecord")
    run_transform(tmp_path / "a.csv", tmp_path / "out", config, FakeModel(), on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 10) for i in range(1, 11)]
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x.csv").write_bytes(CSV)
    (tmp_path / "dir" / "y.csv").write_bytes(CSV)
    seen.clear()
    run_transform(tmp_path / "dir", tmp_path / "out2", _csv(split_type="Line"), FakeModel(), on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(3, None), (6, None)]


def test_100k_rows_multi_record_join_one_line_per_row_in_order(tmp_path: Path) -> None:
    rows = 100_000
    (tmp_path / "rows.csv").write_text("".join(f"{i},{i % 7},\"q,{i}\"\n" for i in range(rows)))
    model = FakeModel()
    config = _csv(split_type="Line", batch_strategy="MultiRecord", max_payload_mb=1, assemble_with="Line",
                  join_source="Input")
    started = time.perf_counter()
    report = run_transform(tmp_path / "rows.csv", tmp_path / "out", config, model)
    elapsed = time.perf_counter() - started
    assert report.succeeded and report.records == rows and len(model.calls) > 1
    lines = (tmp_path / "out" / "rows.csv.out").read_text().split("\n")
    assert lines[-1] == "" and len(lines) == rows + 1
    assert lines[:-1] == [f"{i},{i % 7},\"q,{i}\",{float(i) * 2}" for i in range(rows)]
    assert elapsed < 30, f"100k rows took {elapsed:.1f}s"


def test_file_level_failure_description_has_no_record_range(tmp_path: Path) -> None:
    (tmp_path / "x.gz").write_bytes(b"plain")
    report = run_transform(tmp_path / "x.gz", tmp_path / "out", _csv(compression="Gzip"), FakeModel())
    assert report.failures[0].describe().startswith("x.gz: CompressionType=Gzip but the file is not valid gzip")


# ----------------------------------------------------------------------------- failing records


def _failing_input(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "day=1").mkdir(parents=True)
    (src / "day=1" / "good.csv").write_text("".join(f"{i},x\n" for i in range(500)))
    (src / "day=1" / "bad.csv").write_text("".join(f"{i},x\n" for i in range(5000)))
    return src


def test_multi_record_failure_names_the_one_record_the_model_refuses(tmp_path: Path) -> None:
    src = _failing_input(tmp_path)
    model = FakeModel(fail_on=b"4321,x", container="xgboost")
    config = _csv(split_type="Line", batch_strategy="MultiRecord", max_payload_mb=1, assemble_with="Line",
                  max_concurrent_transforms=4)
    report = run_transform(src, tmp_path / "out", config, model)
    (failure,) = report.failures
    assert (failure.file, failure.first_record, failure.last_record) == ("day=1/bad.csv", 4321, 4321)
    assert failure.describe().startswith("day=1/bad.csv record 4321: container xgboost HTTP 500")
    assert len(model.calls) <= 2 + 2 * 13  # the two files' requests, then at most two per halving


def test_a_failure_needing_the_whole_batch_keeps_the_batch_range(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("".join(f"{i},x\n" for i in range(8)))

    def refuses_eight(body: bytes, content_type: str, accept: str) -> InvokeResult:
        if body.count(b"\n") == 8:
            return InvokeResult(400, b"too many rows", "text/plain")
        return InvokeResult(200, body, "text/csv")

    report = run_transform(tmp_path / "a.csv", tmp_path / "out", _csv(split_type="Line"), refuses_eight)
    (failure,) = report.failures
    assert (failure.first_record, failure.last_record, failure.status) == (0, 7, 400)


def test_payload_and_availability_failures_are_not_bisected(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("".join(f"{i},x\n" for i in range(8)))
    calls: list[bytes] = []

    def unavailable(body: bytes, content_type: str, accept: str) -> InvokeResult:
        calls.append(body)
        return InvokeResult(503, b"container features is not ready", "text/plain")

    report = run_transform(tmp_path / "a.csv", tmp_path / "out", _csv(split_type="Line"), unavailable)
    assert len(calls) == 1 and report.failures[0].last_record == 7


def test_failure_after_written_batches_leaves_no_partial_output_and_a_rerun_is_idempotent(tmp_path: Path) -> None:
    src = _failing_input(tmp_path)
    out = tmp_path / "out"
    # 4999 is in the last mini-batch: earlier batches were already written to the temp file
    config = _csv(split_type="Line", batch_strategy="MultiRecord", max_payload_mb=1, assemble_with="Line",
                  max_concurrent_transforms=3)
    big = src / "day=1" / "bad.csv"
    big.write_text("".join(f"{i},{'y' * 300}\n" for i in range(5000)))  # ~1.5 MB: two mini-batches

    def run() -> tuple[dict[str, bytes], list[str]]:
        report = run_transform(src, out, config, FakeModel(fail_on=b"4999,", container="features"))
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        return files, [f.describe() for f in report.failures]

    first_files, first_failures = run()
    assert list(first_files) == ["day=1/good.csv.out"], "no .out (or temp file) for the failing file"
    assert first_failures == [first_failures[0]] and first_failures[0].startswith("day=1/bad.csv record 4999:")
    assert run() == (first_files, first_failures), "a rerun gives the same outputs and the same report"
    big.write_text("".join(f"{i},{'y' * 300}\n" for i in range(4999)))  # drop the bad record
    fixed_files, fixed_failures = run()
    assert fixed_failures == [] and fixed_files["day=1/good.csv.out"] == first_files["day=1/good.csv.out"]
    assert fixed_files["day=1/bad.csv.out"].count(b"\n") == 4999
