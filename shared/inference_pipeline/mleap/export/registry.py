"""Stage converters, keyed by PySpark class name, and the context they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pyspark.ml import Transformer

from ..bundle import NodeSpec
from .columns import DatasetColumns
from .errors import UnsupportedStageError


@dataclass
class ExportContext:
    """What converters may consult besides the stage itself."""

    columns: DatasetColumns
    warnings: list[str] = field(default_factory=list)


Converter = Callable[[Transformer, ExportContext], NodeSpec | Sequence[NodeSpec]]
_CONVERTERS: dict[str, Converter] = {}


def converter(*class_names: str) -> Callable[[Converter], Converter]:
    """Register a converter for the named PySpark classes (``type(stage).__name__``)."""

    def register(fn: Converter) -> Converter:
        for name in class_names:
            _CONVERTERS[name] = fn
        return fn

    return register


def supported_stages() -> list[str]:
    return sorted([*_CONVERTERS, "PipelineModel"])


def convert(stage: Transformer, context: ExportContext) -> list[NodeSpec]:
    """NodeSpecs for one non-pipeline stage; subclasses use their nearest registered base."""
    for cls in type(stage).__mro__:
        fn = _CONVERTERS.get(cls.__name__)
        if fn is not None and cls.__module__.startswith("pyspark.ml"):
            result = fn(stage, context)
            return [result] if isinstance(result, NodeSpec) else list(result)
    raise UnsupportedStageError(type(stage).__name__, stage.uid, supported_stages())


def warn_not_jvm_loadable(context: ExportContext, stage: Transformer, op: str, detail: str) -> None:
    """Record the export-time warning for a stage written with one of our own ops (see jvm_rules.OWN_OPS)."""
    from ..jvm_rules import OWN_OPS, not_jvm_loadable_message

    context.warnings.append(f"{type(stage).__name__} {stage.uid} ({detail}): {not_jvm_loadable_message(OWN_OPS[op])}")
