"""Runtime registry: image name → the class that serves it, read from the image catalogue.

Classes are imported lazily, so an image only needs the dependencies of its own runtime.
"""

from __future__ import annotations

import importlib

from inference_pipeline.catalogue import IMAGES
from inference_pipeline.serving.runtime import Runtime

RUNTIMES: dict[str, str] = {entry.name: entry.runtime for entry in IMAGES}


def runtime_class(name: str) -> type[Runtime]:
    """Resolve a registered name, or a ``module:Class`` path for bring-your-own runtimes."""
    target = RUNTIMES.get(name, name)
    if ":" not in target:
        raise ValueError(f"unknown runtime {name!r}; choose one of {', '.join(sorted(RUNTIMES))} "
                         "or give module:Class")
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Runtime)):
        raise ValueError(f"{target} is not a Runtime subclass")
    return cls


__all__ = ["RUNTIMES", "runtime_class"]
