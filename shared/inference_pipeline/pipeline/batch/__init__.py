"""Local batch transform with SageMaker's semantics, independent of HTTP and Docker.

    config = TransformConfig(content_type="text/csv", accept="text/csv", split_type="Line",
                             batch_strategy="MultiRecord", assemble_with="Line")
    report = run_transform("data/", "out/", config, invoke)
"""

from .config import (
    AssembleWith,
    BatchStrategy,
    CompressionType,
    JoinSource,
    SplitType,
    TransformConfig,
    config_from_transform_job,
    container_environment,
    resolve_config,
)
from .engine import run_transform
from .errors import FileTransformError, JsonPathError, TransformConfigError, TransformInputError
from .jsonpath import JsonPath, PathMatchError
from .types import FileFailure, Invoke, InvokeResult, ProgressCallback, TransformReport

__all__ = [
    "AssembleWith",
    "BatchStrategy",
    "CompressionType",
    "FileFailure",
    "FileTransformError",
    "Invoke",
    "InvokeResult",
    "JoinSource",
    "JsonPath",
    "JsonPathError",
    "PathMatchError",
    "ProgressCallback",
    "SplitType",
    "TransformConfig",
    "TransformConfigError",
    "TransformInputError",
    "TransformReport",
    "config_from_transform_job",
    "container_environment",
    "resolve_config",
    "run_transform",
]
