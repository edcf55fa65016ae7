"""Op implementations; importing this package registers every op (see ``base``).

Each module is imported explicitly (no try/except) so a broken op module fails at import.
"""

from inference_pipeline.mleap.ops import (  # noqa: F401  # noqa: F401  # noqa: F401  # noqa: F401
    classifiers_extra,
    clustering,
    clustering_cosine,
    feature,
    feature_hasher,
    glm,
    isotonic,
    math_ops,
    models,
    pipeline,
    scalers,
    selectors,
    signal,
    survival,
    target_encoder,
    text,
    trees,
    vector_indexer,
    vectors,
)
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
