"""Op implementations; importing this package registers every op (see ``base``)."""

from inference_pipeline.mleap.ops import feature, pipeline  # noqa: F401
from inference_pipeline.mleap.ops import models, text, trees  # noqa: F401
from inference_pipeline.mleap.ops.base import (
    NodeShape,
    Op,
    OpContext,
    OpError,
    UnsupportedOpError,
    op_class,
    register_op,
    supported_ops,
)

__all__ = ["NodeShape", "Op", "OpContext", "OpError", "UnsupportedOpError", "op_class", "register_op",
           "supported_ops"]
