"""The ``pipeline`` op: children from the ``nodes`` attribute, run in list order."""

from __future__ import annotations

from typing import Any

from inference_pipeline.mleap.attributes import get_list
from inference_pipeline.mleap.frame import LeapFrame
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, register_op


@register_op("pipeline")
class PipelineOp(Op):
    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        from inference_pipeline.mleap.bundle import BundleError, load_op

        self.children: list[Op] = []
        self._row_capable: bool | None = None
        for child in get_list(attributes, "nodes"):
            child_dir = context.node_dir / f"{child}.node"
            if not child_dir.is_dir():
                raise BundleError(f"pipeline {name!r} lists node {child!r} but {child_dir} is missing")
            self.children.append(load_op(child_dir))

    @property
    def input_columns(self) -> list[str]:
        from inference_pipeline.mleap.bundle import required_inputs

        return required_inputs(self)

    @property
    def output_columns(self) -> list[str]:
        return [column for child in self.children for column in child.output_columns]

    def transform(self, frame: LeapFrame) -> LeapFrame:
        for child in self.children:
            frame = child.transform(frame)
        return frame

    @property
    def row_capable(self) -> bool:
        if self._row_capable is None:
            self._row_capable = all(getattr(c, "row_capable", c.supports_row) for c in self.children)
        return self._row_capable

    def transform_row(self, row: dict[str, Any]) -> bool:
        return all(child.transform_row(row) for child in self.children)
