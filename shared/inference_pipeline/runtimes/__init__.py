"""Runtime registry: image name → the class that serves it (imported lazily, so an image
only needs the dependencies of its own runtime)."""

from __future__ import annotations

import importlib

from inference_pipeline.runtimes.base import InferenceRequest, InferenceResponse, Runtime

RUNTIMES: dict[str, str] = {
    "sklearn": "inference_pipeline.runtimes.sklearn:SklearnRuntime",
    "sparkml": "inference_pipeline.runtimes.sparkml:SparkMLRuntime",
    "postprocessing": "inference_pipeline.runtimes.postprocessing:PostprocessingRuntime",
    "xgboost": "inference_pipeline.runtimes.xgboost:XGBoostRuntime",
    "linear-learner": "inference_pipeline.runtimes.linear_learner:LinearLearnerRuntime",
    "blazingtext": "inference_pipeline.runtimes.blazingtext:BlazingTextRuntime",
}


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


__all__ = ["RUNTIMES", "InferenceRequest", "InferenceResponse", "Runtime", "runtime_class"]
