"""validate_request: botocore's checks plus the max/enum/pattern constraints it skips."""

from __future__ import annotations

import pytest

from inference_pipeline.spec.validation import RequestValidationError, validate_request


def test_valid_request_passes() -> None:
    validate_request("DeleteEndpoint", {"EndpointName": "abalone"})
    validate_request("PutObject", {"Bucket": "b", "Key": "k/model.tar.gz"}, service="s3")


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({}, "Missing required parameter"),
        ({"EndpointName": 7}, "Invalid type"),
        ({"EndpointName": "x", "Extra": 1}, "Unknown parameter"),
        ({"EndpointName": "e" * 64}, "64 characters, at most 63"),
        ({"EndpointName": "bad_name"}, "does not match pattern"),
    ],
)
def test_problems_are_reported(params: dict, problem: str) -> None:
    with pytest.raises(RequestValidationError, match=problem) as info:
        validate_request("DeleteEndpoint", params)
    assert info.value.operation == "DeleteEndpoint" and "DeleteEndpoint" in str(info.value)


def test_enum_list_and_number_maximums() -> None:
    params = {
        "ModelName": "m",
        "Containers": [{"Image": "i"}] * 16,
        "InferenceExecutionConfig": {"Mode": "Parallel"},
    }
    with pytest.raises(RequestValidationError) as info:
        validate_request("CreateModel", params)
    text = str(info.value)
    assert "Containers: 16 items, at most 15 allowed" in text
    assert "InferenceExecutionConfig.Mode: 'Parallel' is not one of Serial, Direct" in text
    with pytest.raises(RequestValidationError, match="InvocationsMaxRetries: 4 exceeds the maximum 3"):
        validate_request(
            "CreateTransformJob",
            {
                "TransformJobName": "j",
                "ModelName": "m",
                "ModelClientConfig": {"InvocationsMaxRetries": 4},
                "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}},
                "TransformOutput": {"S3OutputPath": "s3://b/o"},
                "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
            },
        )


def test_unknown_operation() -> None:
    with pytest.raises(ValueError, match="no operation 'LaunchRocket'"):
        validate_request("LaunchRocket", {})
