"""Spark -> MLeap exporter written in Python (MLeap's own serializer needs JVM jars).

``export_pipeline`` writes bundles with the op, attribute and port names of MLeap's Spark
serializers; ``infer_schema`` derives SageMaker's SparkML serving schema; ``export_command``
is the ``inference-pipeline export-mleap`` entry point.
"""

from .cli import export_command
from .errors import ExportError, UnsupportedStageError
from .exporter import ExportWarning, export_pipeline
from .registry import supported_stages
from .schema import SCHEMA_FILE_NAME, infer_schema, validate_schema

__all__ = [
    "SCHEMA_FILE_NAME",
    "ExportError",
    "ExportWarning",
    "UnsupportedStageError",
    "export_command",
    "export_pipeline",
    "infer_schema",
    "supported_stages",
    "validate_schema",
]
