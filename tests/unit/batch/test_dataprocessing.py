from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference_pipeline.pipeline.batch import InvokeResult, TransformConfig, TransformReport, run_transform

from .conftest import FakeModel


def _run(tmp_path: Path, data: bytes, model: object, name: str = "in", **kw: object) -> tuple[TransformReport, bytes | None]:
    (tmp_path / name).write_bytes(data)
    report = run_transform(tmp_path / name, tmp_path / "out", TransformConfig(**kw), model)  # type: ignore[arg-type]
    out = tmp_path / "out" / f"{name}.out"
    return report, out.read_bytes() if out.exists() else None


CSV_JOB = {"content_type": "text/csv", "accept": "text/csv", "split_type": "Line", "assemble_with": "Line"}
JSONL_JOB = {"content_type": "application/jsonlines", "accept": "application/jsonlines", "split_type": "Line",
             "assemble_with": "Line"}


def test_csv_join_appends_output_columns(tmp_path: Path) -> None:
    _, out = _run(tmp_path, b'1,2,3\n4,"a,b",6\n', FakeModel(), **CSV_JOB, join_source="Input")
    assert out == b'1,2,3,2.0\n4,"a,b",6,8.0\n'


def test_csv_input_filter_join_and_output_filter(tmp_path: Path) -> None:
    model = FakeModel()
    _, out = _run(tmp_path, b"id1,5,6\nid2,7,8\n", model, **CSV_JOB,
                  input_filter="$[1:]", join_source="Input", output_filter="$[0,-1]")
    assert [body for body, _, _ in model.calls] == [b"5,6\n7,8\n"]  # the ID column never reaches the model
    assert out == b"id1,10.0\nid2,14.0\n"


def test_csv_inclusive_slice_in_input_filter(tmp_path: Path) -> None:
    model = FakeModel()
    _run(tmp_path, b"0,1,2,3,4,5,6\n", model, **CSV_JOB, input_filter="$[1:4]")
    assert model.calls[0][0] == b"1,2,3,4\n"


def test_csv_filters_keep_quoting(tmp_path: Path) -> None:
    model = FakeModel()
    _, out = _run(tmp_path, b'3,"x,y",z\n', model, **CSV_JOB, join_source="Input", output_filter="$[1:]")
    assert out == b'"x,y",z,6.0\n'


def test_output_filter_without_join_selects_from_the_output(tmp_path: Path) -> None:
    def two_columns(body: bytes, content_type: str, accept: str) -> InvokeResult:
        rows = [line.split(b",")[0] for line in body.splitlines()]
        return InvokeResult(200, b"".join(r + b",label\n" for r in rows), "text/csv")

    _, out = _run(tmp_path, b"1,2\n3,4\n", two_columns, **CSV_JOB, output_filter="$[-1]")
    assert out == b"label\nlabel\n"


def test_output_filter_out_of_range_names_the_record(tmp_path: Path) -> None:
    report, out = _run(tmp_path, b"1,2\n3,4\n", FakeModel(), **CSV_JOB, join_source="Input", output_filter="$[3]")
    assert out is None
    (failure,) = report.failures
    assert failure.first_record == 0
    assert "OutputFilter" in failure.message and "index 3 is outside an array of 3" in failure.message


def test_input_filter_error_names_the_record(tmp_path: Path) -> None:
    report, _ = _run(tmp_path, b"1,2,3\n4\n", FakeModel(), **CSV_JOB, input_filter="$[2]")
    assert report.failures[0].first_record == 1
    assert "InputFilter $[2]" in report.failures[0].message


def test_jsonlines_join_and_projection(tmp_path: Path) -> None:
    data = b'{"id": 1, "features": [1, 2]}\n{"id": 2, "features": [3, 4]}\n'
    model = FakeModel()
    _, out = _run(tmp_path, data, model, **JSONL_JOB, input_filter="$.features", join_source="Input",
                  output_filter="$['id','SageMakerOutput']")
    assert [body for body, _, _ in model.calls] == [b"[1,2]\n[3,4]\n"]
    assert [json.loads(line) for line in out.splitlines()] == [  # type: ignore[union-attr]
        {"id": 1, "SageMakerOutput": {"echo": [1, 2]}},
        {"id": 2, "SageMakerOutput": {"echo": [3, 4]}},
    ]


def test_json_join_of_non_object_input_wraps_it(tmp_path: Path) -> None:
    _, out = _run(tmp_path, b"[1, 2]\n", FakeModel(), content_type="application/json", accept="application/json",
                  join_source="Input")
    assert json.loads(out) == {"SageMakerInput": [1, 2], "SageMakerOutput": {"echo": [1, 2]}}  # type: ignore[arg-type]


def test_json_whole_file_join(tmp_path: Path) -> None:
    _, out = _run(tmp_path, b'{"id": 9}', FakeModel(), content_type="application/json", accept="application/json",
                  join_source="Input")
    assert json.loads(out) == {"id": 9, "SageMakerOutput": {"echo": {"id": 9}}}  # type: ignore[arg-type]


def test_json_input_already_holding_sagemaker_output_fails(tmp_path: Path) -> None:
    report, out = _run(tmp_path, b'{"SageMakerOutput": 1}\n', FakeModel(), **JSONL_JOB, join_source="Input")
    assert out is None
    assert "already has a 'SageMakerOutput' key" in report.failures[0].message


def test_json_array_answer_maps_item_by_item(tmp_path: Path) -> None:
    data = b'{"a": 1}\n{"a": 2}\n{"a": 3}\n'
    _, out = _run(tmp_path, data, FakeModel(), content_type="application/jsonlines", accept="application/json",
                  split_type="Line", assemble_with="Line", join_source="Input")
    assert [json.loads(line)["SageMakerOutput"] for line in out.splitlines()] == [  # type: ignore[union-attr]
        {"echo": {"a": 1}}, {"echo": {"a": 2}}, {"echo": {"a": 3}}
    ]


def test_response_line_count_mismatch_fails_with_both_counts(tmp_path: Path) -> None:
    def one_line(body: bytes, content_type: str, accept: str) -> InvokeResult:
        return InvokeResult(200, b"0.5,0.5,0.5\n", "text/csv")

    report, out = _run(tmp_path, b"1\n2\n3\n", one_line, **CSV_JOB, join_source="Input")
    assert out is None
    (failure,) = report.failures
    assert (failure.first_record, failure.last_record) == (0, 2)
    assert "records 0-2 sent 3 records but the response has 1 text/csv lines" in failure.message


def test_unexpected_answer_type_fails(tmp_path: Path) -> None:
    def plain(body: bytes, content_type: str, accept: str) -> InvokeResult:
        return InvokeResult(200, b"x\n", "text/plain")

    report, _ = _run(tmp_path, b"1\n", plain, content_type="text/csv", split_type="Line", join_source="Input")
    assert "answered Content-Type 'text/plain'" in report.failures[0].message


@pytest.mark.parametrize("strategy", ["SingleRecord", "MultiRecord"])
def test_join_works_with_both_strategies_and_concurrency(tmp_path: Path, strategy: str) -> None:
    data = "".join(f"{i},{i}\n" for i in range(200)).encode()
    _, out = _run(tmp_path, data, FakeModel(jitter=0.001), **CSV_JOB, join_source="Input", batch_strategy=strategy,
                  max_payload_mb=0 if strategy == "MultiRecord" else 6, max_concurrent_transforms=4)
    assert out == "".join(f"{i},{i},{float(i) * 2}\n" for i in range(200)).encode()


def test_assemble_none_with_join_concatenates_records(tmp_path: Path) -> None:
    _, out = _run(tmp_path, b"1,a\n2,b\n", FakeModel(), content_type="text/csv", accept="text/csv",
                  split_type="Line", join_source="Input")
    assert out == b"1,a,2.02,b,4.0"


def test_answer_content_type_wins_over_accept(tmp_path: Path) -> None:
    def npy(body: bytes, content_type: str, accept: str) -> InvokeResult:
        return InvokeResult(200, b"\x93NUMPY", "application/x-npy")

    report, out = _run(tmp_path, b"1\n", npy, **CSV_JOB, join_source="Input")
    assert out is None
    assert "answered Content-Type 'application/x-npy'" in report.failures[0].message
