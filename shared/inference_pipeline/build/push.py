"""Tag the locally built images for a registry and push them (ECR or any registry)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from inference_pipeline.build.images import LOCAL_PREFIX, local_ref


class PushError(RuntimeError):
    pass


@dataclass
class PushedImage:
    name: str
    uri: str
    digest: str


def _docker(*args: str) -> str:
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PushError(f"docker {' '.join(args)} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def remote_ref(registry: str, name: str, tag: str, prefix: str = LOCAL_PREFIX) -> str:
    registry = registry.rstrip("/")
    if "://" in registry:
        raise PushError(f"registry {registry!r} must be a host[:port][/path], without a scheme")
    return f"{registry}/{prefix}/{name}:{tag}"


def push_images(names: Iterable[str], registry: str, *, tags: Iterable[str] = ("latest",),
                source_tag: str = "latest", on_push: Callable[[str], None] | None = None) -> list[PushedImage]:
    """Push ``inference-pipeline/<name>:<source_tag>`` to ``<registry>/inference-pipeline/<name>:<tag>``."""
    pushed = []
    for name in names:
        source = local_ref(name, source_tag)
        try:
            _docker("image", "inspect", source)
        except PushError:
            raise PushError(f"{source} is not built; run scripts/build-images.sh first") from None
        digest = ""
        first_uri = ""
        for tag in tags:
            target = remote_ref(registry, name, tag)
            _docker("tag", source, target)
            if on_push:
                on_push(target)
            output = _docker("push", target)
            for line in output.splitlines():
                if "digest: " in line:
                    digest = line.split("digest: ", 1)[1].split()[0]
            first_uri = first_uri or target
        pushed.append(PushedImage(name, first_uri, digest))
    return pushed
