"""Image URIs: SageMaker built-ins from the data file, and this project's ECR images."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from inference_pipeline.spec.images import (
    PROJECT_IMAGES,
    builtin_image_names,
    builtin_image_uri,
    builtin_regions,
    builtin_versions,
    ecr_hostname,
    project_image_uri,
)


@pytest.mark.parametrize(
    ("name", "version", "region", "expected"),
    [
        # Examples from the SageMaker Python SDK image_uris config (us-east-1).
        ("sklearn", "1.2-1", "us-east-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
        ("xgboost", "1.0-1", "us-east-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3"),
        ("xgboost", "1.7-1", "us-east-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"),
        ("xgboost", "1", "us-east-1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"),
        ("xgboost", "latest", "us-east-1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"),
        ("linear-learner", "1", "us-east-1", "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"),
        ("blazingtext", "1", "us-east-1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1"),
        ("sparkml-serving", "3.3", "us-east-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-sparkml-serving:3.3"),
        ("sparkml-serving", "2.2", "eu-west-1", "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-sparkml-serving:2.2"),
        # Region tables that differ between algorithm families.
        ("linear-learner", "1", "eu-central-1", "664544806723.dkr.ecr.eu-central-1.amazonaws.com/linear-learner:1"),
        ("blazingtext", "1", "eu-central-1", "813361260812.dkr.ecr.eu-central-1.amazonaws.com/blazingtext:1"),
        ("xgboost", "1.5-1", "us-west-2", "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.5-1"),
        ("sklearn", "1.0-1", "ap-southeast-2", "783357654285.dkr.ecr.ap-southeast-2.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3"),
        # China partition.
        ("sklearn", "1.2-1", "cn-north-1", "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-scikit-learn:1.2-1-cpu-py3"),
        ("xgboost", "1", "cn-north-1", "390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/xgboost:1"),
        ("linear-learner", "1", "cn-northwest-1", "387376663083.dkr.ecr.cn-northwest-1.amazonaws.com.cn/linear-learner:1"),
    ],
)
def test_builtin_uris(name: str, version: str, region: str, expected: str) -> None:
    assert builtin_image_uri(name, region, version) == expected


def test_default_versions() -> None:
    assert builtin_image_uri("xgboost", "us-east-1").endswith("/sagemaker-xgboost:1.7-1")
    assert builtin_image_uri("sklearn", "us-east-1").endswith(":1.2-1-cpu-py3")
    assert builtin_image_uri("sparkml-serving", "us-east-1").endswith(":3.3")


def test_unknown_name_lists_choices() -> None:
    with pytest.raises(ValueError, match="choose one of: blazingtext, linear-learner, sklearn, sparkml-serving, xgboost"):
        builtin_image_uri("tensorflow", "us-east-1")


def test_unknown_version_lists_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown version '0\.72'.*1\.7-1.*latest"):
        builtin_image_uri("xgboost", "us-east-1", "0.72")


def test_unknown_region_lists_choices() -> None:
    with pytest.raises(ValueError, match=r"not available in region 'ap-southeast-4'.*us-west-2"):
        builtin_image_uri("sparkml-serving", "ap-southeast-4", "3.3")


@pytest.mark.parametrize("region", ["", "US-EAST-1", "useast1", "us-east"])
def test_invalid_region(region: str) -> None:
    with pytest.raises(ValueError, match="invalid AWS region"):
        builtin_image_uri("xgboost", region)


def test_enough_regions_everywhere() -> None:
    for name in builtin_image_names():
        for version in builtin_versions(name):
            regions = builtin_regions(name, version)
            assert len(regions) >= 20, (name, version)
            assert {"us-east-1", "us-west-2", "eu-west-1", "cn-north-1"} <= set(regions)


def test_data_file_consistency() -> None:
    data = json.loads(resources.files("inference_pipeline.spec").joinpath("data/builtin_images.json").read_text())
    for name, image in data["images"].items():
        assert image["default_version"] in image["versions"], name
        for alias, target in image.get("aliases", {}).items():
            assert target in image["versions"], (name, alias)
        for version, spec in image["versions"].items():
            assert spec["registries"] in data["registries"], (name, version)
    for table in data["registries"].values():
        assert all(len(account) == 12 and account.isdigit() for account in table.values())


def test_ecr_hostname() -> None:
    assert ecr_hostname("us-gov-west-1") == "ecr.us-gov-west-1.amazonaws.com"
    assert ecr_hostname("cn-northwest-1") == "ecr.cn-northwest-1.amazonaws.com.cn"


@pytest.mark.parametrize("name", PROJECT_IMAGES)
def test_project_image_uri(name: str) -> None:
    uri = project_image_uri(name, region="eu-west-1", account="123456789012", version="0.1.0")
    assert uri == f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/inference-pipeline/{name}:0.1.0"


def test_project_image_uri_options() -> None:
    assert (
        project_image_uri("sparkml", region="cn-north-1", account="123456789012", version="v2", repository_prefix="ml/ip")
        == "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ml/ip/sparkml:v2"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "tensorflow"}, "choose one of: sklearn, sparkml, postprocessing, xgboost, linear-learner, blazingtext"),
        ({"account": "12345"}, "12 digits"),
        ({"version": "bad tag"}, "invalid image tag"),
        ({"repository_prefix": "Upper/Case"}, "repository prefix"),
        ({"region": "nowhere"}, "invalid AWS region"),
    ],
)
def test_project_image_uri_errors(kwargs: dict[str, str], message: str) -> None:
    args = {"name": "sklearn", "region": "us-east-1", "account": "123456789012", "version": "1.0", **kwargs}
    name = args.pop("name")
    with pytest.raises(ValueError, match=message):
        project_image_uri(name, **args)


@pytest.mark.parametrize(("image", "expected"), [
    ("builtin:xgboost:1.7-1", "inference-pipeline/xgboost:xgboost1.7"),
    ("builtin:xgboost:1", "inference-pipeline/xgboost:xgboost1.7"),
    ("builtin:xgboost:3.0-5", "inference-pipeline/xgboost:xgboost3.0"),
    ("builtin:xgboost", "inference-pipeline/xgboost:latest"),
    ("builtin:sklearn:1.2-1", "inference-pipeline/sklearn:sklearn1.2"),
    ("builtin:sklearn:0.23-1", "inference-pipeline/sklearn:latest"),
    ("builtin:sparkml-serving:3.3", "inference-pipeline/sparkml:latest"),
    ("repo:xgboost", "inference-pipeline/xgboost:latest"),
    ({"repo": "xgboost", "version": "0.1.0-xgboost1.7"}, "inference-pipeline/xgboost:xgboost1.7"),
])
def test_builtin_images_run_locally_on_the_stand_in_of_the_same_version(image, expected):
    from inference_pipeline.pipeline.local import local_image
    from inference_pipeline.spec.model import parse_spec

    spec = parse_spec({"name": "p", "containers": [{"name": "a", "image": image},
                                                   {"name": "b", "image": "repo:postprocessing"}]})
    assert local_image(spec.containers[0].image)[0] == expected
