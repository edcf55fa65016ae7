"""Errors raised while exporting a Spark pipeline to an MLeap bundle."""

from __future__ import annotations

from collections.abc import Iterable

from .mleap_spark_ops import mleap_op_for


class ExportError(ValueError):
    """A stage cannot be exported faithfully (bad params, missing metadata, ...)."""


class UnsupportedStageError(ExportError):
    """No converter exists for a Spark stage class."""

    def __init__(self, class_name: str, uid: str, supported: Iterable[str]) -> None:
        self.class_name = class_name
        self.uid = uid
        self.supported = sorted(supported)
        self.mleap_op = mleap_op_for(class_name)
        if self.mleap_op is None:
            # Nothing can write this stage so that MLeap 0.20 (the SageMaker image) loads it.
            reason = (f"MLeap has no op for {class_name}: MLeap 0.20's serializer cannot write it and its "
                      "runtime cannot load it, so remove the stage from the serving pipeline or replace it "
                      "with supported stages")
        else:
            reason = (f"MLeap has an op for it ({self.mleap_op!r}), but this exporter does not convert "
                      f"{class_name} yet")
        super().__init__(
            f"cannot export Spark stage {class_name} (uid {uid!r}): {reason}. "
            f"Supported stages: {', '.join(self.supported)}"
        )
