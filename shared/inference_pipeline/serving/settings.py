"""Process settings from SageMaker's environment variables, validated once at start.

A table of fields and small parsers rather than pydantic-settings: importing pydantic cost each
container ~1.5 s of its start (on a loaded 2-core machine) and ~8 MB of image, for 20 fields.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

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


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        text = str(value).strip()
        if not text.lstrip("+-").isdigit():
            raise ValueError("must be a whole number")
        number = int(text)
        _check_bounds(number, low, high)
        return number
    return parse


def _number(low: float, high: float, *, low_inclusive: bool = True) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError("must be a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("must be a finite number")
        if not low_inclusive and number <= low:
            raise ValueError(f"must be greater than {low:g}")
        _check_bounds(number, low, high)
        return number
    return parse


def _check_bounds(number: float, low: float, high: float) -> None:
    if number < low:
        raise ValueError(f"must be greater than or equal to {low}")
    if number > high:
        raise ValueError(f"must be less than or equal to {high}")


def _level(value: Any) -> int:
    text = str(value).strip()
    if text.upper() in _LEVEL_NAMES:
        return _LEVEL_NAMES[text.upper()]
    if not text.lstrip("-").isdigit():
        raise ValueError("must be a logging level number (e.g. 20) or name (e.g. INFO)")
    return int(text)


def _strategy(value: Any) -> str:
    key = str(value).strip().upper().replace("-", "_")
    if key not in _BATCH_STRATEGIES:
        raise ValueError("must be MULTI_RECORD or SINGLE_RECORD")
    return _BATCH_STRATEGIES[key]


_EVENT_LOOPS = ("rloop", "asyncio")


def _event_loop(value: Any) -> str:
    name = str(value).strip().lower()
    if name not in _EVENT_LOOPS:
        raise ValueError("must be rloop or asyncio")
    return name


def _optional_text(value: Any) -> str | None:
    return None if value is None or not str(value).strip() else str(value).strip()


def _port_range(value: Any) -> tuple[int, int] | None:
    if value is None or isinstance(value, tuple):
        return value
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(value))
    if not match or int(match[1]) > int(match[2]):
        raise ValueError("must look like 'XXXX-YYYY' with XXXX <= YYYY")
    return int(match[1]), int(match[2])


def _text(value: Any) -> str:
    return str(value)


def _path(value: Any) -> Path:
    return Path(str(value))


def _setting(envs: str | tuple[str, ...], parse: Callable[[Any], Any], default: Any = None,
             default_factory: Callable[[], Any] | None = None) -> Any:
    """A dataclass field read from the first of ``envs`` that is set, through ``parse``."""
    metadata = {"envs": (envs,) if isinstance(envs, str) else envs, "parse": parse}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class ServingSettings:
    """Everything the serving process reads from the environment (SageMaker's names)."""

    port: int = _setting("SAGEMAKER_BIND_TO_PORT", _integer(1, 65535), 8080)
    # SageMaker needs all interfaces; local runs may narrow it to 127.0.0.1.
    host: str = _setting("INFERENCE_PIPELINE_BIND_HOST", _text, "0.0.0.0")
    workers: int = _setting("SAGEMAKER_MODEL_SERVER_WORKERS", _integer(1, 256),
                            default_factory=lambda: os.cpu_count() or 1)
    # 32, not 4: at concurrency 32 a featurizer served 5x the requests with 32 threads per worker
    # (benchmarks/results/batching.md), and waiting requests are what a micro-batch is made of.
    threads: int = _setting("INFERENCE_PIPELINE_WORKER_THREADS", _integer(1, 64), 32)
    timeout: int = _setting(("SAGEMAKER_MODEL_SERVER_TIMEOUT", "SAGEMAKER_MODEL_SERVER_TIMEOUT_SECONDS"),
                            _integer(1, 3600), 60)
    log_level: int = _setting("SAGEMAKER_CONTAINER_LOG_LEVEL", _level, logging.INFO)
    model_dir: Path = _setting(("SM_MODEL_DIR", "INFERENCE_PIPELINE_MODEL_DIR"), _path, Path("/opt/ml/model"))
    program: str | None = _setting("SAGEMAKER_PROGRAM", _optional_text)
    submit_directory: str = _setting("SAGEMAKER_SUBMIT_DIRECTORY", _text, "/opt/ml/model/code")
    default_accept: str | None = _setting("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", _optional_text)
    max_payload_mb: float = _setting("SAGEMAKER_MAX_PAYLOAD_IN_MB", _number(0, 100, low_inclusive=False), 6.0)
    max_concurrent_transforms: int | None = _setting("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", _integer(1, 1000))
    batch_strategy: str = _setting("SAGEMAKER_BATCH_STRATEGY", _strategy, "MULTI_RECORD")
    batch: bool = _setting("SAGEMAKER_BATCH", parse_flag, False)
    safe_port_range: tuple[int, int] | None = _setting("SAGEMAKER_SAFE_PORT_RANGE", _port_range)
    # A client gets this long to send a request head (and, in the app, the rest of its body)
    # before the connection is dropped: stalled clients must not hold the server.
    read_timeout_s: float = _setting("INFERENCE_PIPELINE_READ_TIMEOUT_SECONDS", _number(0, 600, low_inclusive=False),
                                     10.0)
    # Micro-batching of row-independent runtimes (serving.batching); benchmarks/results/batching.md
    # has the measurements behind the defaults. A batch size of 1 turns batching off. 1,024 rows
    # lets 100-row requests merge (a pandas pipeline costs the same for 1 row or 4,000); the
    # delay is only an upper bound: a batch waits at most half of what a predict takes.
    max_batch_size: int = _setting("INFERENCE_PIPELINE_MAX_BATCH_SIZE", _integer(1, 100_000), 1024)
    max_batch_delay_ms: float = _setting("INFERENCE_PIPELINE_MAX_BATCH_DELAY_MS", _number(0, 1000), 10.0)
    # A request runs on the worker's event loop thread, not a pool thread, while its requests take
    # at most this much CPU time, and 2x as much wall time (serving.rsgi.InlineDispatch); 0 sends
    # every request to the pool. 5 ms keeps small models and 100-row requests inline (sparkml
    # 100 rows c=8: 550-620 req/s at 2 ms, 880-1,050 at 5) and a featurizer (8 ms or more a call
    # here) on the pool, where concurrent requests merge into one predict
    # (benchmarks/results/server-choice.md).
    inline_budget_ms: float = _setting("INFERENCE_PIPELINE_INLINE_BUDGET_MS", _number(0, 1000), 5.0)
    # The worker's event loop, where bodies are read and fast requests run; unset, the runtime's
    # (``Runtime.event_loop``): rloop (granian's own, in Rust) took 10-25% less CPU per request
    # than asyncio's (ridge model, 1 and 100 rows, benchmarks/results/server-choice.md), but
    # the xgboost and sparkml runtimes pick asyncio (their 1-row p99 under rloop: 2-6x).
    event_loop: str | None = _setting("INFERENCE_PIPELINE_EVENT_LOOP", _event_loop)
    # A worker well above its siblings' load closes one keep-alive connection now and then so its
    # client reconnects elsewhere (serving.balance); off, connections stay where the kernel put them.
    balance_workers: bool = _setting("INFERENCE_PIPELINE_BALANCE_WORKERS", parse_flag, True)

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


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> ServingSettings:
    """Settings from the environment (``overrides`` by variable or field name win); SettingsError
    with one line naming every bad variable."""
    source = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in fields(ServingSettings):
        envs: tuple[str, ...] = spec.metadata["envs"]
        name, raw = next(((env, overrides[env]) for env in envs if env in overrides), (envs[0], None))
        if raw is None and spec.name in overrides:
            name, raw = envs[0], overrides[spec.name]
        if raw is None:
            name, raw = next(((env, source[env]) for env in envs if env in source), (envs[0], None))
        if raw is None:
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except ValueError as exc:
            problems.append(f"{name}={raw!r}: {exc}")
    if problems:
        raise SettingsError("invalid setting " + "; ".join(problems))
    return ServingSettings(**values)
