"""Process settings from SageMaker's environment variables, validated once at start."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from inference_pipeline.serving.errors import SettingsError

MIB = 1024 * 1024
REALTIME_PAYLOAD_MB = 6
_LEVEL_NAMES = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}
_BATCH_STRATEGIES = {"MULTI_RECORD": "MULTI_RECORD", "MULTIRECORD": "MULTI_RECORD",
                     "SINGLE_RECORD": "SINGLE_RECORD", "SINGLERECORD": "SINGLE_RECORD"}


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def parse_flag(value: Any) -> bool:
    """A boolean setting, one rule for every image: 1/true/yes/on or 0/false/no/off (any case)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be true or false, got {str(value)[:40]!r}")


def env_flag(name: str, default: bool = False) -> bool:
    """The boolean environment variable ``name``; SettingsError naming it when it is not one."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return parse_flag(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


class ServingSettings(BaseSettings):
    """Everything the serving process reads from the environment (SageMaker's names)."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=True, extra="ignore",
                                      populate_by_name=True)

    port: int = Field(8080, ge=1, le=65535, validation_alias="SAGEMAKER_BIND_TO_PORT")
    # SageMaker needs all interfaces; local runs may narrow it to 127.0.0.1.
    host: str = Field("0.0.0.0", validation_alias="INFERENCE_PIPELINE_BIND_HOST")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256,
                         validation_alias="SAGEMAKER_MODEL_SERVER_WORKERS")
    threads: int = Field(4, ge=1, le=64, validation_alias="INFERENCE_PIPELINE_WORKER_THREADS")
    timeout: int = Field(60, ge=1, le=3600, validation_alias=AliasChoices(
        "SAGEMAKER_MODEL_SERVER_TIMEOUT", "SAGEMAKER_MODEL_SERVER_TIMEOUT_SECONDS"))
    log_level: int = Field(logging.INFO, validation_alias="SAGEMAKER_CONTAINER_LOG_LEVEL")
    model_dir: Path = Field(Path("/opt/ml/model"), validation_alias=AliasChoices(
        "SM_MODEL_DIR", "INFERENCE_PIPELINE_MODEL_DIR"))
    program: str | None = Field(None, validation_alias="SAGEMAKER_PROGRAM")
    submit_directory: str = Field("/opt/ml/model/code", validation_alias="SAGEMAKER_SUBMIT_DIRECTORY")
    default_accept: str | None = Field(None, validation_alias="SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT")
    max_payload_mb: float = Field(6, gt=0, le=100, validation_alias="SAGEMAKER_MAX_PAYLOAD_IN_MB")
    max_concurrent_transforms: int | None = Field(
        None, ge=1, le=1000, validation_alias="SAGEMAKER_MAX_CONCURRENT_TRANSFORMS")
    batch_strategy: str = Field("MULTI_RECORD", validation_alias="SAGEMAKER_BATCH_STRATEGY")
    batch: bool = Field(False, validation_alias="SAGEMAKER_BATCH")
    safe_port_range: tuple[int, int] | None = Field(None, validation_alias="SAGEMAKER_SAFE_PORT_RANGE")
    # A client gets this long to send a request head (and, in the app, the rest of its body)
    # before the connection is dropped: stalled clients must not hold the server.
    read_timeout_s: float = Field(10, gt=0, le=600, validation_alias="INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS")

    # Micro-batching of row-independent runtimes (serving.batching); benchmarks/results/batching.md
    # has the measurements behind the defaults. A batch size of 1 turns batching off.
    max_batch_size: int = Field(64, ge=1, le=100_000, validation_alias="INFERENCE_PIPELINE_MAX_BATCH_SIZE")
    max_batch_delay_ms: float = Field(2, ge=0, le=1000, validation_alias="INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS")

    @field_validator("log_level", mode="before")
    @classmethod
    def _parse_level(cls, value: Any) -> int:
        text = str(value).strip()
        if text.upper() in _LEVEL_NAMES:
            return _LEVEL_NAMES[text.upper()]
        if not text.lstrip("-").isdigit():
            raise ValueError("must be a logging level number (e.g. 20) or name (e.g. INFO)")
        return int(text)

    @field_validator("batch_strategy", mode="before")
    @classmethod
    def _parse_strategy(cls, value: Any) -> str:
        key = str(value).strip().upper().replace("-", "_")
        if key not in _BATCH_STRATEGIES:
            raise ValueError("must be MULTI_RECORD or SINGLE_RECORD")
        return _BATCH_STRATEGIES[key]

    @field_validator("batch", mode="before")
    @classmethod
    def _parse_bool(cls, value: Any) -> bool:
        return parse_flag(value)

    @field_validator("default_accept", "program", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value is None or not str(value).strip() else str(value).strip()

    @field_validator("safe_port_range", mode="before")
    @classmethod
    def _parse_range(cls, value: Any) -> Any:
        if value is None or isinstance(value, tuple):
            return value
        match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(value))
        if not match or int(match[1]) > int(match[2]):
            raise ValueError("must look like 'XXXX-YYYY' with XXXX <= YYYY")
        return int(match[1]), int(match[2])

    @property
    def header_timeout_ms(self) -> int:
        return int(self.read_timeout_s * 1000)

    @property
    def max_payload_bytes(self) -> int:
        """Request body limit. SAGEMAKER_MAX_PAYLOAD_IN_MB describes a batch job's mini-batches and
        can raise the limit (up to 100 MB), never lower it below the 6 MB real-time contract:
        inside a pipeline, a featurizer's output legitimately outgrows the job's mini-batch size."""
        return int(max(self.max_payload_mb, REALTIME_PAYLOAD_MB) * MIB)

    @property
    def code_dir(self) -> Path:
        """Where the user script lives: SAGEMAKER_SUBMIT_DIRECTORY, or model_dir/code for local runs."""
        submit = self.submit_directory
        if submit.startswith("file://"):
            submit = submit[len("file://"):]
        if submit == "/opt/ml/model/code" and self.model_dir != Path("/opt/ml/model"):
            return self.model_dir / "code"
        return Path(submit)


def _env_name(field_name: str) -> str:
    alias = ServingSettings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return str(alias or field_name)


def load_settings(**overrides: Any) -> ServingSettings:
    """Read settings from the environment; raise SettingsError with one line per bad variable."""
    try:
        return ServingSettings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            name = _env_name(field) if field in ServingSettings.model_fields else field
            value = err.get("input")
            problems.append(f"{name}={value!r}: {err['msg']}")
        raise SettingsError("invalid setting " + "; ".join(problems)) from None
