"""A pure-Python, numpy-vectorised MLeap runtime: load a bundle, transform columns.

    bundle = load_bundle("model.tar.gz")          # dir, .zip or .tar.gz
    frame = bundle.transform({"sex": ["M"], "length": [0.5]})   # or a pandas DataFrame
    frame.to_dict()["features"]
"""

from inference_pipeline.mleap import ops  # noqa: F401  (registers the ops)
from inference_pipeline.mleap.bundle import Bundle, BundleError, NodeSpec, load_bundle, write_bundle
from inference_pipeline.mleap.frame import FrameError, LeapFrame
from inference_pipeline.mleap.ops.base import OpError, UnsupportedOpError, supported_ops

__all__ = ["Bundle", "BundleError", "FrameError", "LeapFrame", "NodeSpec", "OpError", "UnsupportedOpError",
           "load_bundle", "supported_ops", "write_bundle"]
