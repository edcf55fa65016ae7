from __future__ import annotations

import pytest

from inference_pipeline.pipeline.batch import (
    AssembleWith,
    BatchStrategy,
    CompressionType,
    JoinSource,
    JsonPathError,
    SplitType,
    TransformConfig,
    TransformConfigError,
    config_from_transform_job,
    container_environment,
    resolve_config,
)


def test_defaults_match_sagemaker() -> None:
    config = TransformConfig()
    assert config.split_type is SplitType.NONE
    assert config.compression is CompressionType.NONE
    assert config.batch_strategy is BatchStrategy.MULTI_RECORD
    assert config.max_payload_mb == 6
    assert config.max_payload_bytes == 6 * 1024 * 1024
    assert config.max_concurrent_transforms == 1
    assert config.assemble_with is AssembleWith.NONE
    assert config.join_source is JoinSource.NONE
    assert not config.data_processing


@pytest.mark.parametrize("spelling", ["MultiRecord", "MULTI_RECORD", "multirecord", BatchStrategy.MULTI_RECORD])
def test_batch_strategy_spellings_are_normalised(spelling: object) -> None:
    assert TransformConfig(batch_strategy=spelling).batch_strategy is BatchStrategy.MULTI_RECORD  # type: ignore[arg-type]


def test_single_record_env_spelling() -> None:
    config = TransformConfig(batch_strategy="SINGLE_RECORD")  # type: ignore[arg-type]
    assert config.batch_strategy is BatchStrategy.SINGLE_RECORD
    assert config.batch_strategy.env_value == "SINGLE_RECORD"


def test_tfrecord_is_refused_clearly() -> None:
    with pytest.raises(TransformConfigError, match="TFRecord is not supported locally"):
        TransformConfig(split_type="TFRecord")  # type: ignore[arg-type]


def test_unknown_enum_value_lists_the_choices() -> None:
    with pytest.raises(TransformConfigError, match="SplitType must be one of None, Line, RecordIO"):
        TransformConfig(split_type="Paragraph")  # type: ignore[arg-type]


@pytest.mark.parametrize("payload", [-1, 101])
def test_payload_bounds(payload: int) -> None:
    with pytest.raises(TransformConfigError, match="MaxPayloadInMB must be between 0 and 100"):
        TransformConfig(max_payload_mb=payload)


def test_zero_payload_means_unlimited() -> None:
    assert TransformConfig(max_payload_mb=0).max_payload_bytes is None


def test_concurrency_times_payload_limit() -> None:
    TransformConfig(max_concurrent_transforms=4, max_payload_mb=25)
    with pytest.raises(TransformConfigError, match=r"MaxConcurrentTransforms \* MaxPayloadInMB must be <= 100; got 5 \* 25"):
        TransformConfig(max_concurrent_transforms=5, max_payload_mb=25)


def test_bad_filters_fail_at_construction() -> None:
    with pytest.raises(JsonPathError, match="recursive descent"):
        TransformConfig(content_type="application/json", input_filter="$..x")


def test_data_processing_needs_supported_types() -> None:
    with pytest.raises(TransformConfigError, match="needs ContentType text/csv"):
        TransformConfig(content_type="application/x-npy", join_source="Input")  # type: ignore[arg-type]
    with pytest.raises(TransformConfigError, match="needs Accept"):
        TransformConfig(content_type="text/csv", accept="application/x-npy", split_type="Line", join_source="Input")  # type: ignore[arg-type]


def test_csv_data_processing_needs_line_split() -> None:
    with pytest.raises(TransformConfigError, match="needs SplitType=Line"):
        TransformConfig(content_type="text/csv", input_filter="$[1:]")


def test_join_across_csv_and_json_is_refused() -> None:
    with pytest.raises(TransformConfigError, match="joins CSV with CSV"):
        TransformConfig(content_type="text/csv", accept="application/json", split_type="Line", join_source="Input")  # type: ignore[arg-type]


def test_content_type_parameters_are_ignored_for_checks() -> None:
    config = TransformConfig(
        content_type="text/csv; charset=utf-8", accept="text/csv", split_type="Line", join_source="Input"  # type: ignore[arg-type]
    )
    assert config.data_processing


def test_precedence_job_over_container_over_defaults() -> None:
    container = {"MaxConcurrentTransforms": 8, "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 12}
    assert resolve_config({}, container) == TransformConfig(
        max_concurrent_transforms=8, batch_strategy=BatchStrategy.SINGLE_RECORD, max_payload_mb=12
    )
    config = resolve_config({"batch_strategy": "MultiRecord", "max_payload_mb": 2, "max_concurrent_transforms": 0}, container)
    assert config.batch_strategy is BatchStrategy.MULTI_RECORD
    assert config.max_payload_mb == 2
    assert config.max_concurrent_transforms == 8  # 0 on the job = unset
    assert resolve_config({"max_payload_mb": None}, None).max_payload_mb == 6


def test_resolve_rejects_unknown_job_keys() -> None:
    with pytest.raises(TransformConfigError, match="unknown transform settings: max_payload"):
        resolve_config({"max_payload": 3})


def test_from_create_transform_job_request() -> None:
    request = {
        "TransformJobName": "job",
        "BatchStrategy": "MultiRecord",
        "MaxPayloadInMB": 1,
        "TransformInput": {"ContentType": "text/csv", "CompressionType": "Gzip", "SplitType": "Line",
                           "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/p"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/o", "Accept": "text/csv", "AssembleWith": "Line"},
        "DataProcessing": {"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"},
    }
    config = config_from_transform_job(request, {"MaxConcurrentTransforms": 4, "MaxPayloadInMB": 50})
    assert config.compression is CompressionType.GZIP
    assert config.max_payload_mb == 1
    assert config.max_concurrent_transforms == 4
    assert (config.input_filter, config.join_source, config.output_filter) == ("$[1:]", JoinSource.INPUT, "$[0,-1]")


def test_container_environment_only_sets_what_the_job_set() -> None:
    assert container_environment() == {"SAGEMAKER_BATCH": "true"}
    assert container_environment(max_payload_mb=6, batch_strategy="MultiRecord", max_concurrent_transforms=2) == {
        "SAGEMAKER_BATCH": "true",
        "SAGEMAKER_MAX_PAYLOAD_IN_MB": "6",
        "SAGEMAKER_BATCH_STRATEGY": "MULTI_RECORD",
        "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": "2",
    }


def test_container_environment_unlimited_payload_becomes_the_largest_a_container_takes() -> None:
    # serving settings accept 1..100; "0" would stop every container at start
    assert container_environment(max_payload_mb=0)["SAGEMAKER_MAX_PAYLOAD_IN_MB"] == "100"
    assert container_environment(max_payload_mb=8)["SAGEMAKER_MAX_PAYLOAD_IN_MB"] == "8"
