"""ECR image URIs: SageMaker's built-in images and this project's own images.

Built-in registries come from ``data/builtin_images.json`` (transcribed from the SageMaker
Python SDK's ``image_uri_config``). URIs follow the SDK's template
``<account>.dkr.ecr.<region>.<dns suffix>/<repository>:<tag>``; the China partition uses
``amazonaws.com.cn``.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from inference_pipeline.catalogue import IMAGE_NAMES, REPOSITORY_PREFIX

PROJECT_IMAGES: tuple[str, ...] = IMAGE_NAMES
DEFAULT_REPOSITORY_PREFIX = REPOSITORY_PREFIX

_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
# Docker tag grammar (distribution/reference).
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_PREFIX = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*")


@cache
def _builtin_data() -> dict[str, Any]:
    text = resources.files("inference_pipeline.spec").joinpath("data/builtin_images.json").read_text()
    return json.loads(text)


def ecr_hostname(region: str) -> str:
    """ECR registry host suffix for ``region`` (China regions live under ``amazonaws.com.cn``)."""
    if not _REGION.fullmatch(region):
        raise ValueError(f"invalid AWS region {region!r} (expected e.g. 'us-east-1')")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"ecr.{region}.{suffix}"


def builtin_image_names() -> list[str]:
    return sorted(_builtin_data()["images"])


def builtin_versions(name: str) -> list[str]:
    """Versions (and aliases) known for a built-in image."""
    entry = _builtin_entry(name)
    return sorted(entry["versions"]) + sorted(entry.get("aliases", {}))


def builtin_regions(name: str, version: str | None = None) -> list[str]:
    entry = _builtin_entry(name)
    resolved = _resolve_version(name, entry, version)
    return sorted(_builtin_data()["registries"][entry["versions"][resolved]["registries"]])


def _builtin_entry(name: str) -> dict[str, Any]:
    images = _builtin_data()["images"]
    if name not in images:
        raise ValueError(f"unknown built-in image {name!r}; choose one of: {', '.join(sorted(images))}")
    return images[name]


def _resolve_version(name: str, entry: dict[str, Any], version: str | None) -> str:
    if version is None:
        return entry["default_version"]
    version = entry.get("aliases", {}).get(version, version)
    if version not in entry["versions"]:
        raise ValueError(
            f"unknown version {version!r} of built-in image {name!r}; "
            f"choose one of: {', '.join(builtin_versions(name))}"
        )
    return version


def builtin_image_uri(name: str, region: str, version: str | None = None) -> str:
    """URI of SageMaker's own image ``name`` (e.g. ``xgboost``) at ``version`` in ``region``.

    ``version=None`` picks the image's default version (the newest we list); aliases such
    as xgboost's ``latest`` (the legacy ``1`` algorithm image) are honoured.
    """
    entry = _builtin_entry(name)
    resolved = _resolve_version(name, entry, version)
    spec = entry["versions"][resolved]
    registries: dict[str, str] = _builtin_data()["registries"][spec["registries"]]
    host = ecr_hostname(region)
    if region not in registries:
        raise ValueError(
            f"built-in image {name!r} version {resolved!r} is not available in region {region!r}; "
            f"choose one of: {', '.join(sorted(registries))}"
        )
    return f"{registries[region]}.dkr.{host}/{spec['repository']}:{spec['tag']}"


def project_image_uri(
    name: str,
    *,
    region: str,
    account: str,
    version: str,
    repository_prefix: str = DEFAULT_REPOSITORY_PREFIX,
) -> str:
    """URI of one of this project's images pushed to the user's ECR registry."""
    if name not in PROJECT_IMAGES:
        raise ValueError(f"unknown project image {name!r}; choose one of: {', '.join(PROJECT_IMAGES)}")
    if not _ACCOUNT.fullmatch(account):
        raise ValueError(f"invalid AWS account id {account!r} (expected 12 digits)")
    if not _TAG.fullmatch(version):
        raise ValueError(f"invalid image tag {version!r}")
    if not _PREFIX.fullmatch(repository_prefix):
        raise ValueError(f"invalid ECR repository prefix {repository_prefix!r}")
    return f"{account}.dkr.{ecr_hostname(region)}/{repository_prefix}/{name}:{version}"
