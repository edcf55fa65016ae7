"""Transform job settings: validation, spelling normalisation and precedence.

Precedence follows SageMaker: values set on the job > the container's
``GET /execution-parameters`` answer > service defaults (MultiRecord, 6 MB, 1 request).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum
from functools import cached_property
from typing import Any, TypeVar

from ...serving import media
from .errors import TransformConfigError
from .jsonpath import JsonPath

MAX_PAYLOAD_LIMIT_MB = 100
_MB = 1024 * 1024
DEFAULT_MAX_PAYLOAD_MB = 6


class SplitType(str, Enum):
    NONE = "None"
    LINE = "Line"
    RECORDIO = "RecordIO"


class CompressionType(str, Enum):
    NONE = "None"
    GZIP = "Gzip"


class BatchStrategy(str, Enum):
    SINGLE_RECORD = "SingleRecord"
    MULTI_RECORD = "MultiRecord"

    @property
    def env_value(self) -> str:
        """The spelling containers see in ``SAGEMAKER_BATCH_STRATEGY``."""
        return "SINGLE_RECORD" if self is BatchStrategy.SINGLE_RECORD else "MULTI_RECORD"


class AssembleWith(str, Enum):
    NONE = "None"
    LINE = "Line"


class JoinSource(str, Enum):
    NONE = "None"
    INPUT = "Input"


# Content types DataProcessing (filters and joins) works with.
DATA_PROCESSING_TYPES = (media.CSV, media.JSON, media.JSONLINES)

_E = TypeVar("_E", bound=Enum)


def _enum(kind: type[_E], value: Any, name: str, default: _E | None = None) -> _E:
    """Accept the API spelling, any case, and env-style ``MULTI_RECORD``; None → default."""
    if isinstance(value, kind):
        return value
    if value is None and default is not None:
        return default
    key = str(value).replace("_", "").replace("-", "").lower()
    for member in kind:
        if member.value.lower() == key:
            return member
    if kind is SplitType and key == "tfrecord":
        raise TransformConfigError(
            "SplitType TFRecord is not supported locally; use Line, RecordIO or None"
        )
    allowed = ", ".join(m.value for m in kind)
    raise TransformConfigError(f"{name} must be one of {allowed}; got {value!r}")


def media_essence(content_type: str) -> str:
    """``text/csv; charset=utf-8`` → ``text/csv`` (aliases folded); empty stays empty."""
    return media.MediaType.parse(content_type).essence if content_type.strip() else ""


@dataclass(frozen=True)
class TransformConfig:
    """One transform job's data handling settings, validated on construction."""

    content_type: str = ""
    accept: str = ""
    split_type: SplitType = SplitType.NONE
    compression: CompressionType = CompressionType.NONE
    batch_strategy: BatchStrategy = BatchStrategy.MULTI_RECORD
    max_payload_mb: int = DEFAULT_MAX_PAYLOAD_MB
    max_concurrent_transforms: int = 1
    assemble_with: AssembleWith = AssembleWith.NONE
    input_filter: str = "$"
    output_filter: str = "$"
    join_source: JoinSource = JoinSource.NONE

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "content_type", self.content_type or "")
        set_(self, "accept", self.accept or "")
        set_(self, "split_type", _enum(SplitType, self.split_type, "SplitType", SplitType.NONE))
        set_(self, "compression", _enum(CompressionType, self.compression, "CompressionType", CompressionType.NONE))
        strategy = _enum(BatchStrategy, self.batch_strategy, "BatchStrategy", BatchStrategy.MULTI_RECORD)
        set_(self, "batch_strategy", strategy)
        set_(self, "assemble_with", _enum(AssembleWith, self.assemble_with, "AssembleWith", AssembleWith.NONE))
        set_(self, "join_source", _enum(JoinSource, self.join_source, "JoinSource", JoinSource.NONE))
        payload = DEFAULT_MAX_PAYLOAD_MB if self.max_payload_mb is None else self.max_payload_mb
        set_(self, "max_payload_mb", _int(payload, "MaxPayloadInMB"))
        concurrency = self.max_concurrent_transforms or 1  # 0/None = unset, as on the API
        set_(self, "max_concurrent_transforms", _int(concurrency, "MaxConcurrentTransforms"))
        set_(self, "input_filter", self.input_filter or "$")
        set_(self, "output_filter", self.output_filter or "$")
        self._validate()

    def _validate(self) -> None:
        if not 0 <= self.max_payload_mb <= MAX_PAYLOAD_LIMIT_MB:
            raise TransformConfigError(
                f"MaxPayloadInMB must be between 0 and {MAX_PAYLOAD_LIMIT_MB}; got {self.max_payload_mb}"
            )
        if self.max_concurrent_transforms < 1:
            raise TransformConfigError(
                f"MaxConcurrentTransforms must be at least 1; got {self.max_concurrent_transforms}"
            )
        if self.max_concurrent_transforms * self.max_payload_mb > MAX_PAYLOAD_LIMIT_MB:
            raise TransformConfigError(
                f"MaxConcurrentTransforms * MaxPayloadInMB must be <= {MAX_PAYLOAD_LIMIT_MB}; "
                f"got {self.max_concurrent_transforms} * {self.max_payload_mb}"
            )
        _ = self.input_path, self.output_path  # parse now: bad syntax fails before any file
        if not self.data_processing:
            return
        for label, value in (("ContentType", self.content_type), ("Accept", self.accept)):
            essence = media_essence(value)
            if label == "ContentType" or essence:  # an unset Accept is checked per response
                if essence not in DATA_PROCESSING_TYPES:
                    raise TransformConfigError(
                        f"DataProcessing (InputFilter/OutputFilter/JoinSource) needs {label} "
                        f"text/csv, application/json or application/jsonlines; got {value!r}"
                    )
        input_kind = media_essence(self.content_type)
        if input_kind != media.JSON and self.split_type is not SplitType.LINE:
            raise TransformConfigError(
                f"DataProcessing with ContentType {input_kind} needs SplitType=Line "
                "(each line is one record)"
            )
        output_kind = media_essence(self.accept)
        if self.join_source is JoinSource.INPUT and output_kind and (
            (input_kind == media.CSV) != (output_kind == media.CSV)
        ):
            raise TransformConfigError(
                "JoinSource=Input joins CSV with CSV or JSON with JSON/JSON Lines; "
                f"got ContentType {input_kind} and Accept {output_kind}"
            )

    @cached_property
    def input_path(self) -> JsonPath:
        return JsonPath.parse(self.input_filter)

    @cached_property
    def output_path(self) -> JsonPath:
        return JsonPath.parse(self.output_filter)

    @property
    def data_processing(self) -> bool:
        """True when records must be parsed (filters or join), not just passed through."""
        return self.join_source is JoinSource.INPUT or self.input_filter != "$" or self.output_filter != "$"

    @property
    def max_payload_bytes(self) -> int | None:
        """Request size limit in bytes (MiB as SageMaker counts); None = unlimited."""
        return self.max_payload_mb * _MB if self.max_payload_mb else None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise TransformConfigError(f"{name} must be an integer; got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TransformConfigError(f"{name} must be an integer; got {value!r}") from None


_FIELDS = {f.name for f in fields(TransformConfig)}
# /execution-parameters keys → TransformConfig fields (the only three a container may suggest).
_EXECUTION_PARAMETERS = {
    "MaxConcurrentTransforms": "max_concurrent_transforms",
    "BatchStrategy": "batch_strategy",
    "MaxPayloadInMB": "max_payload_mb",
}


def resolve_config(
    job: Mapping[str, Any] | None = None,
    execution_parameters: Mapping[str, Any] | None = None,
) -> TransformConfig:
    """Job values (``TransformConfig`` field names; None = unset) > container's
    ``/execution-parameters`` JSON > defaults.

    ``max_concurrent_transforms=0`` on the job counts as unset, as in CreateTransformJob.
    Unknown keys in the container's answer are ignored; unknown job keys are an error.
    """
    values = {key: value for key, value in (job or {}).items() if value is not None}
    unknown = set(values) - _FIELDS
    if unknown:
        raise TransformConfigError(f"unknown transform settings: {', '.join(sorted(unknown))}")
    if values.get("max_concurrent_transforms") == 0:
        del values["max_concurrent_transforms"]
    for api_name, field_name in _EXECUTION_PARAMETERS.items():
        suggested = (execution_parameters or {}).get(api_name)
        if field_name not in values and suggested is not None:
            values[field_name] = suggested
    return TransformConfig(**values)


def config_from_transform_job(
    request: Mapping[str, Any], execution_parameters: Mapping[str, Any] | None = None
) -> TransformConfig:
    """Build the config from a CreateTransformJob request shape (botocore names)."""
    transform_input = request.get("TransformInput") or {}
    transform_output = request.get("TransformOutput") or {}
    processing = request.get("DataProcessing") or {}
    job = {
        "content_type": transform_input.get("ContentType"),
        "compression": transform_input.get("CompressionType"),
        "split_type": transform_input.get("SplitType"),
        "accept": transform_output.get("Accept"),
        "assemble_with": transform_output.get("AssembleWith"),
        "batch_strategy": request.get("BatchStrategy"),
        "max_payload_mb": request.get("MaxPayloadInMB"),
        "max_concurrent_transforms": request.get("MaxConcurrentTransforms"),
        "input_filter": processing.get("InputFilter"),
        "output_filter": processing.get("OutputFilter"),
        "join_source": processing.get("JoinSource"),
    }
    return resolve_config(job, execution_parameters)


def container_environment(
    *,
    max_payload_mb: int | None = None,
    batch_strategy: str | BatchStrategy | None = None,
    max_concurrent_transforms: int | None = None,
) -> dict[str, str]:
    """Env vars SageMaker sets on a batch container; the last three only when set on the job."""
    env = {"SAGEMAKER_BATCH": "true"}
    if max_payload_mb is not None:
        payload = _int(max_payload_mb, "MaxPayloadInMB")
        # 0 (one request per file) has no container spelling: containers take 1..100 MB, so
        # they get the largest; a file above that is refused by the container, as on SageMaker.
        env["SAGEMAKER_MAX_PAYLOAD_IN_MB"] = str(payload or MAX_PAYLOAD_LIMIT_MB)
    if batch_strategy is not None:
        env["SAGEMAKER_BATCH_STRATEGY"] = _enum(BatchStrategy, batch_strategy, "BatchStrategy").env_value
    if max_concurrent_transforms:
        env["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"] = str(_int(max_concurrent_transforms, "MaxConcurrentTransforms"))
    return env
