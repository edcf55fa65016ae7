"""Spark -> MLeap exporter written in Python (MLeap's own serializer needs JVM jars).

``export_pipeline`` writes bundles with the op, attribute and port names of MLeap's Spark
serializers, so the JVM MLeap runtime loads them as well as ours; ``infer_schema`` derives
SageMaker's SparkML serving schema; ``export_command`` backs ``inference-pipeline export-mleap``.
``supported_stages()`` lists the PySpark classes that convert.

Deliberate choices:

* ``ImputerModel`` has no Spark op in MLeap. It is exported as one MLeap ``imputer`` node per
  column, and only where the semantics are identical: double columns with ``missingValue=NaN``
  (Spark's default). Other cases raise ``ExportError`` with the reason.
* Tree nodes are read from the JVM model through py4j (classic sessions, not Spark Connect).
* Stages MLeap cannot represent (multi-column Bucketizer, gaussian/complement NaiveBayes, binary
  LogisticRegression fitted with family="multinomial", ...) raise ``ExportError``; unknown stage
  classes raise ``UnsupportedStageError``.
"""

from .cli import export_command, local_session
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
    "local_session",
    "supported_stages",
    "validate_schema",
]
