from __future__ import annotations

import pytest

from inference_pipeline.pipeline.batch import FileTransformError, TransformConfig
from inference_pipeline.pipeline.batch.splitting import (
    plan_batches,
    recordio_unpadded,
    split_lines,
    split_recordio,
    split_records,
)

from .conftest import recordio_frame, recordio_payloads

MB = 1024 * 1024


def test_line_split_handles_crlf_blank_lines_and_missing_final_newline() -> None:
    assert split_lines(b'a,"b c",1\r\n\r\nx,y,2\ny,z,3') == [b'a,"b c",1', b"x,y,2", b"y,z,3"]
    assert split_lines(b"") == []


def test_recordio_split_keeps_frames_and_multipart_records() -> None:
    one, two = recordio_frame(b"abc"), recordio_frame(b"defgh")
    multi = recordio_frame(b"part1", 1) + recordio_frame(b"p2", 2) + recordio_frame(b"end", 3)
    records = split_recordio(one + multi + two)
    assert records == [one, multi, two]
    assert [len(r) % 4 for r in records] == [0, 0, 0]  # padding kept


def test_recordio_unpadded_drops_only_trailing_padding() -> None:
    assert recordio_unpadded(recordio_frame(b"abc")) == recordio_frame(b"abc")[:11]
    assert recordio_unpadded(recordio_frame(b"abcd")) == recordio_frame(b"abcd")
    multi = recordio_frame(b"x", 1) + recordio_frame(b"yz", 3)
    assert recordio_unpadded(multi) == multi[:-2]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x00\x00\x00\x00\x01\x00\x00\x00x", "bad magic"),
        (recordio_frame(b"abc")[:-3] + b"", "file ends first"),
        (recordio_frame(b"abc") + b"\x0a\x23", "truncated header"),
        (recordio_frame(b"a", 1), "ends inside a multi-part record"),
        (recordio_frame(b"a", 3), "continuation frame without a start"),
    ],
)
def test_recordio_corruption_is_reported(data: bytes, fragment: str) -> None:
    with pytest.raises(FileTransformError, match=fragment):
        split_recordio(data)


def test_split_none_is_whole_file() -> None:
    from inference_pipeline.pipeline.batch import SplitType

    assert split_records(b"a\nb\n", SplitType.NONE) == [b"a\nb\n"]
    assert split_records(b"", SplitType.NONE) == []


def _line_config(**kw: object) -> TransformConfig:
    return TransformConfig(content_type="text/csv", split_type="Line", **kw)  # type: ignore[arg-type]


def test_single_record_sends_each_line_with_newline() -> None:
    batches = list(plan_batches([b"a", b"bb"], _line_config(batch_strategy="SingleRecord")))
    assert [(b.first, b.count, b.payload) for b in batches] == [(0, 1, b"a\n"), (1, 1, b"bb\n")]


def test_multi_record_packs_by_byte_length_up_to_the_limit() -> None:
    record = b"x" * (MB // 4 - 1)  # plus "\n" = exactly a quarter MB
    batches = list(plan_batches([record] * 9, _line_config(max_payload_mb=1)))
    assert [b.count for b in batches] == [4, 4, 1]
    assert all(len(b.payload) <= MB for b in batches)
    assert len(batches[0].payload) == MB
    assert [b.first for b in batches] == [0, 4, 8]


def test_multi_record_with_unlimited_payload_is_one_request() -> None:
    batches = list(plan_batches([b"a"] * 1000, _line_config(max_payload_mb=0)))
    assert len(batches) == 1 and batches[0].count == 1000


def test_oversized_record_names_the_record() -> None:
    records = [b"a", b"x" * MB, b"b"]
    for strategy in ("SingleRecord", "MultiRecord"):
        with pytest.raises(FileTransformError, match=r"record 1 is 1048577 bytes, over MaxPayloadInMB=1") as info:
            list(plan_batches(records, _line_config(max_payload_mb=1, batch_strategy=strategy)))
        assert (info.value.first_record, info.value.last_record) == (1, 1)


def test_whole_file_over_the_limit_fails() -> None:
    config = TransformConfig(max_payload_mb=1)
    with pytest.raises(FileTransformError, match=r"whole file \(SplitType=None\)"):
        list(plan_batches([b"x" * (MB + 1)], config))


def test_recordio_batches_padding_rules() -> None:
    frames = [recordio_frame(b"abc"), recordio_frame(b"de")]
    single = list(plan_batches(frames, TransformConfig(split_type="RecordIO", batch_strategy="SingleRecord")))  # type: ignore[arg-type]
    assert [b.payload for b in single] == [frames[0][:-1], frames[1][:-2]]
    multi = list(plan_batches(frames, TransformConfig(split_type="RecordIO")))  # type: ignore[arg-type]
    assert [b.payload for b in multi] == [frames[0] + frames[1]]
    assert recordio_payloads(multi[0].payload) == [b"abc", b"de"]
