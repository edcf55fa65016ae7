"""Errors raised while exporting a Spark pipeline to an MLeap bundle."""

from __future__ import annotations

from collections.abc import Iterable


class ExportError(ValueError):
    """A stage cannot be exported faithfully (bad params, missing metadata, ...)."""


class UnsupportedStageError(ExportError):
    """No converter exists for a Spark stage class."""

    def __init__(self, class_name: str, uid: str, supported: Iterable[str]) -> None:
        self.class_name = class_name
        self.uid = uid
        self.supported = sorted(supported)
        super().__init__(
            f"cannot export Spark stage {class_name} (uid {uid!r}): MLeap has no op for it here. "
            f"Supported stages: {', '.join(self.supported)}"
        )
