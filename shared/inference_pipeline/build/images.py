"""The project's image names (from the image catalogue) and their local tags."""

from __future__ import annotations

from pathlib import Path

from inference_pipeline.catalogue import IMAGE_NAMES, REPOSITORY_PREFIX

LOCAL_PREFIX = REPOSITORY_PREFIX


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def image_names() -> list[str]:
    """Every image, in build order (docker-bake.hcl's IMAGES; a test keeps the two equal)."""
    return list(IMAGE_NAMES)


def local_ref(name: str, tag: str = "latest") -> str:
    return f"{LOCAL_PREFIX}/{name}:{tag}"


if __name__ == "__main__":
    print(" ".join(image_names()))
