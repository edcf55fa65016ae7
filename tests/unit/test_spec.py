"""Pipeline spec: loading, shorthands, SageMaker limits and field-pointing error messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from inference_pipeline.spec.model import (
    MAX_ENV_TOTAL_BYTES,
    BuiltinImage,
    ImageUri,
    PipelineSpec,
    ProjectImage,
    SpecError,
    format_loc,
    load_spec,
    parse_spec,
)


def base(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "abalone",
        "containers": [
            {"name": "featurizer", "image": "repo:sklearn"},
            {"name": "model", "image": {"builtin": "xgboost", "version": "1.7-1"}},
        ],
    }
    data.update(overrides)
    return data


def problems(data: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        parse_spec(data, **kwargs)
    return dict(info.value.problems)


def env_spec(env: dict[str, Any], index: int = 1) -> dict[str, Any]:
    data = base()
    data["containers"][index]["environment"] = env
    return data


# ----------------------------------------------------------------------------- happy paths


def test_minimal_spec_defaults() -> None:
    spec = parse_spec(base())
    assert spec.endpoint_name == "abalone"
    assert spec.content_type == "text/csv" and spec.accept is None
    assert [c.name for c in spec.containers] == ["featurizer", "model"]
    assert spec.endpoint.variants[0].name == "AllTraffic"
    assert spec.endpoint.variants[0].instance_type == "ml.m5.large"
    assert spec.transform.instance_count == 1


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("repo:sparkml", ProjectImage(repo="sparkml")),
        ({"repo": "sklearn", "version": "0.2.0"}, ProjectImage(repo="sklearn", version="0.2.0")),
        ("builtin:xgboost", BuiltinImage(builtin="xgboost")),
        ("builtin:xgboost:latest", BuiltinImage(builtin="xgboost", version="latest")),
        ({"builtin": "linear-learner", "version": "1"}, BuiltinImage(builtin="linear-learner", version="1")),
        ("my/featurizer:dev", ImageUri(uri="my/featurizer:dev")),
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "a" * 64,
            ImageUri(uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/x@sha256:" + "a" * 64),
        ),
        ({"uri": "busybox"}, ImageUri(uri="busybox")),
    ],
)
def test_image_forms(image: Any, expected: Any) -> None:
    data = base()
    data["containers"][0]["image"] = image
    assert parse_spec(data).containers[0].image == expected


def test_environment_scalars_become_strings() -> None:
    spec = parse_spec(env_spec({"WORKERS": 2, "DEBUG": True, "RATIO": 0.5, "S": "x"}))
    assert spec.containers[1].environment == {"WORKERS": "2", "DEBUG": "true", "RATIO": "0.5", "S": "x"}


def test_load_yaml_resolves_relative_model_paths(tmp_path: Path) -> None:
    (tmp_path / "featurizer").mkdir()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "xgb.tar.gz").write_bytes(b"")
    data = base()
    data["containers"][0]["model"] = "./featurizer"
    data["containers"][1]["model"] = "models/xgb.tar.gz"
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(data))
    spec = load_spec(path)
    assert spec.containers[0].model is not None and spec.containers[0].model.path == tmp_path / "featurizer"
    assert spec.containers[1].model is not None and spec.containers[1].model.path == tmp_path / "models" / "xgb.tar.gz"
    assert spec.source == path.resolve()


def test_load_json_and_s3_model(tmp_path: Path) -> None:
    data = base()
    data["containers"][1]["model"] = "s3://bucket/xgb/model.tar.gz"
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(data))
    model = load_spec(path).containers[1].model
    assert model is not None and model.is_s3 and model.uri == "s3://bucket/xgb/model.tar.gz"
    with pytest.raises(ValueError, match="S3 URL"):
        _ = model.path


def test_full_spec_sections() -> None:
    data = base(
        role="arn:aws:iam::123456789012:role/service-role/SageMakerRole",
        region="eu-west-1",
        registry={"account": "123456789012", "version": "1.2.3"},
        accept="application/json",
        endpoint={
            "name": "abalone-ep",
            "variants": [
                {
                    "name": "blue",
                    "instance_type": "ml.c5.xlarge",
                    "initial_instance_count": 2,
                    "container_startup_health_check_timeout": 600,
                    "autoscaling": {"min_capacity": 2, "max_capacity": 8, "target_invocations_per_instance": 750},
                }
            ],
        },
        transform={
            "instance_type": "ml.m5.xlarge",
            "max_concurrent_transforms": 4,
            "max_payload_in_mb": 25,
            "batch_strategy": "MultiRecord",
            "split_type": "Line",
            "assemble_with": "Line",
            "compression_type": "Gzip",
            "data_processing": {"input_filter": "$[1:]", "output_filter": "$[0,-1]", "join_source": "Input"},
            "model_client_config": {"invocations_timeout_in_seconds": 3600, "invocations_max_retries": 0},
            "environment": {"BATCH_MODE": "1"},
        },
        tags={"team": "ml", "cost-center": 42},
    )
    spec = parse_spec(data)
    assert spec.endpoint_name == "abalone-ep"
    assert spec.endpoint.variants[0].autoscaling is not None
    assert spec.transform_content_type == "text/csv" and spec.transform_accept == "application/json"
    assert spec.tags == {"team": "ml", "cost-center": "42"}
    assert spec.registry is not None and spec.registry.version == "1.2.3"


# ----------------------------------------------------------------------------- limits & errors


@pytest.mark.parametrize("count", [1, 16])
def test_container_count_limits(count: int) -> None:
    data = base(containers=[{"name": f"c{i}", "image": "img"} for i in range(count)])
    assert "containers" in problems(data)


def test_fifteen_containers_allowed() -> None:
    data = base(containers=[{"name": f"c{i}", "image": "img"} for i in range(15)])
    assert len(parse_spec(data).containers) == 15


@pytest.mark.parametrize("name", ["-lead", "trail-", "has_underscore", "a" * 64, "dot.name", ""])
def test_container_hostname_pattern(name: str) -> None:
    data = base()
    data["containers"][1]["name"] = name
    assert "containers[1].name" in problems(data)


def test_container_hostname_double_hyphen_and_63_chars_ok() -> None:
    data = base()
    data["containers"][0]["name"] = "a--b"
    data["containers"][1]["name"] = "b" * 63
    parse_spec(data)


def test_duplicate_container_names() -> None:
    data = base()
    data["containers"][1]["name"] = "featurizer"
    msg = problems(data)["containers"]
    assert "duplicate container name 'featurizer'" in msg


def test_env_value_too_long_points_at_key() -> None:
    found = problems(env_spec({"SAGEMAKER_X": "v" * 1025}))
    assert "at most 1024 characters" in found["containers[1].environment.SAGEMAKER_X"]


def test_env_value_at_limit_ok() -> None:
    parse_spec(env_spec({"SAGEMAKER_X": "v" * 1024}))


@pytest.mark.parametrize("key", ["1ABC", "HAS-DASH", "has space", ""])
def test_env_key_pattern(key: str) -> None:
    found = problems(env_spec({key: "v"}))
    (loc,) = found
    assert loc.startswith("containers[1].environment") and loc.endswith("(key)")
    assert "pattern" in found[loc]


def test_env_key_length() -> None:
    key = "K" * 1025
    found = problems(env_spec({key: "v"}))
    assert any("at most 1024" in msg for msg in found.values())


def test_env_entry_count() -> None:
    parse_spec(env_spec({f"K{i}": "v" for i in range(100)}))
    found = problems(env_spec({f"K{i}": "v" for i in range(101)}))
    assert "at most 100" in found["containers[1].environment"]


def test_env_total_size_per_container() -> None:
    # 33 values of 1000 chars + short keys > 32 KB while every single value is legal
    found = problems(env_spec({f"K{i}": "v" * 1000 for i in range(33)}))
    assert f"at most {MAX_ENV_TOTAL_BYTES}" in found["containers[1].environment"]


def test_env_total_size_across_containers() -> None:
    data = base()
    data["containers"][0]["environment"] = {f"A{i}": "v" * 1000 for i in range(20)}
    data["containers"][1]["environment"] = {f"B{i}": "v" * 1000 for i in range(20)}
    found = problems(data)
    assert "all containers" in found["containers"]


def test_unknown_field_is_rejected() -> None:
    data = base()
    data["containers"][0]["enviroment"] = {"A": "1"}
    assert "containers[0].enviroment" in problems(data)


def test_image_errors_point_at_image() -> None:
    data = base()
    data["containers"][0]["image"] = {"repo": "nope"}
    data["containers"][1]["image"] = {"builtin": "xgboost", "version": "9.9"}
    found = problems(data)
    assert "sklearn" in found["containers[0].image.repo"]
    assert "choose one of" in found["containers[1].image"] and "1.7-1" in found["containers[1].image"]


@pytest.mark.parametrize("image", [{}, {"repo": "sklearn", "uri": "x"}, 7])
def test_image_needs_exactly_one_kind(image: Any) -> None:
    data = base()
    data["containers"][0]["image"] = image
    assert "exactly one of" in problems(data)["containers[0].image"]


def test_unknown_builtin_lists_choices() -> None:
    data = base()
    data["containers"][1]["image"] = "builtin:tensorflow"
    assert "blazingtext" in problems(data)["containers[1].image.builtin"]


def test_missing_local_model_reported_when_checking(tmp_path: Path) -> None:
    data = base()
    data["containers"][0]["model"] = "missing-dir"
    found = problems(data, base_dir=tmp_path, check_files=True)
    assert "no such file or directory" in found["containers[0].model"]
    assert parse_spec(data, base_dir=tmp_path).containers[0].model is not None  # unchecked load is fine


def test_model_file_must_be_tarball(tmp_path: Path) -> None:
    (tmp_path / "model.joblib").write_bytes(b"x")
    data = base()
    data["containers"][0]["model"] = "model.joblib"
    assert ".tar.gz" in problems(data, base_dir=tmp_path, check_files=True)["containers[0].model"]


@pytest.mark.parametrize("url", ["s3://bucket-only", "s3:///key", "https://example.com/model.tar.gz"])
def test_bad_model_urls(url: str) -> None:
    data = base()
    data["containers"][0]["model"] = url
    assert "containers[0].model" in problems(data)


@pytest.mark.parametrize(
    ("section", "value", "loc"),
    [
        ("role", "not-an-arn", "role"),
        ("role", "arn:aws:iam::12345:role/x", "role"),
        ("region", "useast1", "region"),
        ("name", "bad_name", "name"),
        ("content_type", "csv", "content_type"),
        ("registry", {"account": "123"}, "registry.account"),
        ("endpoint", {"variants": []}, "endpoint.variants"),
        ("endpoint", {"variants": [{"instance_type": "m5.large"}]}, "endpoint.variants[0].instance_type"),
        ("endpoint", {"variants": [{"initial_instance_count": 0}]}, "endpoint.variants[0].initial_instance_count"),
        ("endpoint", {"variants": [{"name": "a"}, {"name": "a"}]}, "endpoint.variants"),
        (
            "endpoint",
            {"variants": [{"container_startup_health_check_timeout": 59}]},
            "endpoint.variants[0].container_startup_health_check_timeout",
        ),
        (
            "endpoint",
            {"variants": [{"autoscaling": {"min_capacity": 5, "max_capacity": 2, "target_invocations_per_instance": 1}}]},
            "endpoint.variants[0].autoscaling",
        ),
        (
            "endpoint",
            {"variants": [{"autoscaling": {"max_capacity": 2, "target_invocations_per_instance": 0}}]},
            "endpoint.variants[0].autoscaling.target_invocations_per_instance",
        ),
        ("transform", {"max_payload_in_mb": 101}, "transform.max_payload_in_mb"),
        ("transform", {"max_concurrent_transforms": 30, "max_payload_in_mb": 6}, "transform"),
        ("transform", {"batch_strategy": "MULTI_RECORD"}, "transform.batch_strategy"),
        ("transform", {"split_type": "Lines"}, "transform.split_type"),
        ("transform", {"assemble_with": "Record"}, "transform.assemble_with"),
        ("transform", {"compression_type": "Zip"}, "transform.compression_type"),
        ("transform", {"instance_count": 0}, "transform.instance_count"),
        ("transform", {"data_processing": {"input_filter": "$" * 64}}, "transform.data_processing.input_filter"),
        ("transform", {"data_processing": {"join_source": "Output"}}, "transform.data_processing.join_source"),
        (
            "transform",
            {"model_client_config": {"invocations_timeout_in_seconds": 3601}},
            "transform.model_client_config.invocations_timeout_in_seconds",
        ),
        (
            "transform",
            {"model_client_config": {"invocations_max_retries": 4}},
            "transform.model_client_config.invocations_max_retries",
        ),
        ("transform", {"environment": {f"K{i}": "v" for i in range(17)}}, "transform.environment"),
        ("transform", {"environment": {"K": "v" * 10241}}, "transform.environment.K"),
        ("tags", {f"k{i}": "v" for i in range(51)}, "tags"),
        ("tags", {"k": "v" * 257}, "tags.k"),
    ],
)
def test_section_limits_point_at_field(section: str, value: Any, loc: str) -> None:
    assert loc in problems(base(**{section: value}))


def test_data_processing_requires_supported_media_types() -> None:
    data = base(content_type="application/x-recordio-protobuf", transform={"data_processing": {"join_source": "Input"}})
    found = problems(data)
    assert "content_type" in found[""] and "data_processing" in found[""]
    ok = base(accept="application/jsonlines", transform={"data_processing": {"join_source": "Input"}})
    parse_spec(ok)


def test_spec_error_message_lists_every_problem(tmp_path: Path) -> None:
    data = base(name="bad_name")
    data["containers"][1]["environment"] = {"SAGEMAKER_X": "v" * 2000}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    text = str(info.value)
    assert str(path) in text
    assert "\n  name: " in text
    assert "\n  containers[1].environment.SAGEMAKER_X: " in text


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(SpecError, match="must be a mapping"):
        load_spec(scalar)


def test_spec_is_immutable() -> None:
    spec = parse_spec(base())
    with pytest.raises(ValidationError, match="frozen"):
        spec.name = "other"  # type: ignore[misc]
    assert isinstance(spec, PipelineSpec)


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("containers", 1, "environment", "SAGEMAKER_X"), "containers[1].environment.SAGEMAKER_X"),
        (("containers", 0, "environment", "bad key", "[key]"), 'containers[0].environment["bad key"] (key)'),
        (("containers", 2, "image", "builtin", "version"), "containers[2].image.version"),
        ((), ""),
    ],
)
def test_format_loc(loc: tuple[Any, ...], expected: str) -> None:
    assert format_loc(loc) == expected


# ----------------------------------------------------------------------------- mode, variants, data capture


def test_mode_defaults_to_serial_and_accepts_direct() -> None:
    assert parse_spec(base()).mode == "Serial"
    assert parse_spec(base(mode="Direct")).mode == "Direct"
    assert "mode" in problems(base(mode="Parallel"))


def test_all_variant_weights_zero_is_refused() -> None:
    found = problems(base(endpoint={"variants": [{"name": "A", "initial_variant_weight": 0}]}))
    assert "at least one must receive traffic" in found["endpoint.variants"]


def test_data_capture_defaults_and_local_destination(tmp_path: Path) -> None:
    spec = parse_spec(base(endpoint={"data_capture": {"destination": "capture"}}), base_dir=tmp_path)
    capture = spec.endpoint.data_capture
    assert capture is not None and not capture.is_s3
    assert capture.destination == str(tmp_path / "capture")
    assert capture.sampling_percentage == 100 and capture.capture == ["Input", "Output"]
    assert capture.csv_content_types == ["text/csv"] and capture.json_content_types == ["application/json"]


@pytest.mark.parametrize(("section", "field"), [
    ({"destination": "s3://b/c", "sampling_percentage": 101}, "endpoint.data_capture.sampling_percentage"),
    ({"destination": "s3://b/c", "capture": ["Input", "Input"]}, "endpoint.data_capture.capture"),
    ({"destination": "s3://b/c", "capture": ["Both"]}, "endpoint.data_capture.capture[0]"),
    ({"destination": "s3://b/c", "csv_content_types": ["not a type"]}, "endpoint.data_capture.csv_content_types[0]"),
    ({"destination": "https://example/x"}, "endpoint.data_capture.destination"),
])
def test_data_capture_limits(section: dict[str, Any], field: str) -> None:
    assert field in problems(base(endpoint={"data_capture": section}))
