"""Column types and ML attribute metadata the exporter needs from a sample DataFrame.

MLeap's Spark serializers read some facts from the dataset handed to ``serializeToBundle``
rather than from the fitted stage: vector sizes (``VectorAssembler`` input shapes), label
lists (``IndexToString`` without ``labels``), nominal cardinalities (``Interaction``). This
module answers those questions from a DataFrame's schema metadata, falling back to the
first non-null row for vector sizes, exactly as MLeap does.
"""

from __future__ import annotations

from typing import Any

from pyspark.ml import Transformer
from pyspark.ml.linalg import Vector, VectorUDT
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    ByteType,
    DataType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructField,
)

from ..attributes import DataShape
from .errors import ExportError

# Spark SQL type -> MLeap/SageMaker basic type name.
_BASIC_TYPES: dict[type[DataType], str] = {
    BooleanType: "boolean",
    ByteType: "byte",
    ShortType: "short",
    IntegerType: "int",
    LongType: "long",
    FloatType: "float",
    DoubleType: "double",
    DecimalType: "double",
    StringType: "string",
}


def basic_type_name(data_type: DataType) -> str | None:
    """The SageMaker/MLeap basic type of a scalar Spark type, or None if it is not scalar."""
    for spark_type, name in _BASIC_TYPES.items():
        if isinstance(data_type, spark_type):
            return name
    return None


def is_vector(data_type: DataType) -> bool:
    return isinstance(data_type, VectorUDT)


def ml_attr(field: StructField) -> dict[str, Any]:
    """The ``ml_attr`` metadata Spark ML attaches to a column (empty when absent)."""
    attr = (field.metadata or {}).get("ml_attr")
    return attr if isinstance(attr, dict) else {}


def nominal_size(attr: dict[str, Any]) -> int | None:
    """Number of values of a nominal attribute (``vals`` or ``num_vals``), else None."""
    if "vals" in attr:
        return len(attr["vals"])
    if "num_vals" in attr:
        return int(attr["num_vals"])
    return None


class DatasetColumns:
    """Answers metadata questions about the columns a pipeline reads and writes.

    ``dataset`` may be the raw training/sample input or an already transformed frame.
    Columns it lacks (stage outputs) are looked up on ``root.transform(dataset)``, which
    Spark resolves lazily: only schema analysis, unless a vector size must be read from
    a row.
    """

    def __init__(self, dataset: DataFrame | None, root: Transformer) -> None:
        self._dataset = dataset
        self._root = root
        self._transformed: DataFrame | None = None

    @property
    def available(self) -> bool:
        return self._dataset is not None

    def _frame_with(self, column: str, needed_by: str) -> DataFrame:
        if self._dataset is None:
            raise ExportError(
                f"{needed_by} needs column metadata for {column!r}: pass the training or a sample "
                "DataFrame as `dataset` (the CLI's --sample)"
            )
        if column in self._dataset.columns:
            return self._dataset
        if self._transformed is None:
            self._transformed = self._root.transform(self._dataset)
        if column not in self._transformed.columns:
            raise ExportError(f"{needed_by}: column {column!r} is neither in the dataset nor produced by the pipeline")
        return self._transformed

    def field(self, column: str, needed_by: str) -> StructField:
        return self._frame_with(column, needed_by).schema[column]

    def vector_size(self, column: str, needed_by: str) -> int:
        field = self.field(column, needed_by)
        attr = ml_attr(field)
        if "num_attrs" in attr:
            return int(attr["num_attrs"])
        frame = self._frame_with(column, needed_by)
        row = frame.where(F.col(column).isNotNull()).select(column).head()
        if row is None or not isinstance(row[0], Vector):
            raise ExportError(
                f"{needed_by}: cannot learn the size of vector column {column!r}: it has no "
                "ml_attr metadata and no non-null value in the dataset"
            )
        return len(row[0])

    def data_shape(self, column: str, needed_by: str) -> DataShape:
        """MLeap's ``sparkToMleapDataShape`` for one column."""
        field = self.field(column, needed_by)
        data_type = field.dataType
        if basic_type_name(data_type) is not None:
            return DataShape("scalar", field.nullable)
        if isinstance(data_type, ArrayType):
            return DataShape("list", field.nullable)
        if is_vector(data_type):
            return DataShape("tensor", field.nullable, self.vector_size(column, needed_by))
        raise ExportError(
            f"{needed_by}: column {column!r} has type {data_type.simpleString()}, which MLeap cannot shape"
        )

    def nominal_labels(self, column: str, needed_by: str) -> list[str]:
        """Label list of a nominal column (e.g. a StringIndexer output), as IndexToString needs."""
        attr = ml_attr(self.field(column, needed_by))
        if attr.get("type") == "nominal" and "vals" in attr:
            return [str(v) for v in attr["vals"]]
        raise ExportError(
            f"{needed_by}: column {column!r} carries no nominal label metadata; set `labels` on the "
            "IndexToString or pass a dataset whose column comes from a StringIndexer"
        )

    def feature_counts(self, column: str, needed_by: str) -> list[int]:
        """Per-feature cardinalities as Spark's Interaction encodes them (nominal n, else 1)."""
        field = self.field(column, needed_by)
        attr = ml_attr(field)
        if basic_type_name(field.dataType) is not None:
            size = nominal_size(attr) if attr.get("type") == "nominal" else None
            return [max(1, size) if size is not None else 1]
        if not is_vector(field.dataType):
            raise ExportError(f"{needed_by}: column {column!r} must be numeric or a vector")
        size = self.vector_size(column, needed_by)
        counts = [1] * size
        for entry in attr.get("attrs", {}).get("nominal", []):
            n = nominal_size(entry)
            if n is not None:
                counts[int(entry["idx"])] = max(1, n)
        return counts

    def vector_feature_names(self, column: str, needed_by: str) -> dict[str, int]:
        """Attribute name -> index of a vector column (VectorSlicer selects by these names)."""
        attr = ml_attr(self.field(column, needed_by))
        names: dict[str, int] = {}
        for group in attr.get("attrs", {}).values():
            for entry in group:
                if "name" in entry:
                    names[str(entry["name"])] = int(entry["idx"])
        return names
