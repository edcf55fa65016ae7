"""``sagemaker_containers.beta.framework``: the names legacy inference scripts import."""

from sagemaker_containers import _content_types as content_types
from sagemaker_containers import _encoders as encoders
from sagemaker_containers import _errors as errors
from sagemaker_containers import _worker as worker
from sagemaker_containers.beta.framework import env, modules, transformer

__all__ = ["content_types", "encoders", "env", "errors", "modules", "transformer", "worker"]
