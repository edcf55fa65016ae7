"""The project's image names and local tags, read from docker-bake.hcl's default group."""

from __future__ import annotations

from pathlib import Path

from inference_pipeline.build.bake import bake_print

LOCAL_PREFIX = "inference-pipeline"


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def image_names(cwd: Path | None = None) -> list[str]:
    definition = bake_print(["default"], cwd=cwd or repo_root())
    return list(definition["group"]["default"]["targets"])


def local_ref(name: str, tag: str = "latest") -> str:
    return f"{LOCAL_PREFIX}/{name}:{tag}"


if __name__ == "__main__":
    print(" ".join(image_names()))
