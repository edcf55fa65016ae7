"""Op implementations; importing this package registers every op (see ``base``).

Each module is imported explicitly (no try/except) so a broken op module fails at import.
"""

from inference_pipeline.mleap.ops import feature, math_ops, pipeline, scalers, vectors  # noqa: F401
from inference_pipeline.mleap.ops import models, text, trees  # noqa: F401
from inference_pipeline.mleap.ops import feature_hasher, isotonic, selectors, signal, survival  # noqa: F401
from inference_pipeline.mleap.ops import classifiers_extra, clustering, glm, vector_indexer  # noqa: F401
from inference_pipeline.mleap.ops.base import (
    NodeShape,
    Op,
    OpContext,
    OpError,
    SingleColumnOp,
    UnsupportedOpError,
    op_class,
    register_op,
    supported_ops,
)

__all__ = ["NodeShape", "Op", "OpContext", "OpError", "SingleColumnOp", "UnsupportedOpError", "op_class",
           "register_op", "supported_ops"]
