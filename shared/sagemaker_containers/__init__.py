"""Compatibility shim for scripts written against AWS's legacy ``sagemaker_containers``.

Old inference scripts (AWS's abalone featurizer among them) do
``from sagemaker_containers.beta.framework import encoders, worker, content_types, env, ...``.
This package provides those names with the legacy behaviour so such scripts run unchanged
in our sklearn and postprocessing images. It is not the training toolkit.
"""

from sagemaker_containers import _content_types as content_types  # noqa: F401
from sagemaker_containers import _encoders as encoders  # noqa: F401
from sagemaker_containers import _errors as errors  # noqa: F401
from sagemaker_containers import _worker as worker  # noqa: F401
