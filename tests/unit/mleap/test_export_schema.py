"""Serving-schema validation and inference helpers of the MLeap exporter (no JVM needed)."""

from __future__ import annotations

import pytest

pytest.importorskip("pyspark")

from pyspark.ml.linalg import VectorUDT  # noqa: E402
from pyspark.sql.types import ArrayType, DoubleType, IntegerType, MapType, StringType, StructField  # noqa: E402

from inference_pipeline.mleap.export import ExportError, validate_schema  # noqa: E402
from inference_pipeline.mleap.export.schema import column_entry  # noqa: E402

ABALONE = {
    "input": [{"name": "sex", "type": "string"}, {"name": "length", "type": "double"}],
    "output": {"name": "features", "type": "double", "struct": "vector"},
}


def test_aws_example_schema_is_valid() -> None:
    validate_schema(ABALONE)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"input": ABALONE["input"]}, "output is required"),
        ({"output": ABALONE["output"]}, "input must be a non-empty list"),
        ({**ABALONE, "extra": 1}, "unknown field"),
        ({**ABALONE, "input": [{"name": "x", "type": "integer"}]}, "'integer' is not one of"),
        ({**ABALONE, "input": [{"name": "x", "type": "int", "nullable": True}]}, "unknown field"),
        ({**ABALONE, "input": [{"name": "", "type": "int"}]}, "name is required"),
        ({**ABALONE, "output": {"name": "f", "type": "double", "struct": "matrix"}}, "'matrix' is not one of"),
        (
            {**ABALONE, "output": {"name": "f", "type": "int", "struct": "vector"}},
            "only accepts vectors of type double",
        ),
        ([], "must be a JSON object"),
    ],
)
def test_invalid_schemas_are_rejected_with_the_reason(schema: object, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        validate_schema(schema)


@pytest.mark.parametrize(
    ("field", "entry"),
    [
        (StructField("n", IntegerType()), {"name": "n", "type": "int"}),
        (StructField("s", StringType()), {"name": "s", "type": "string"}),
        (StructField("v", VectorUDT()), {"name": "v", "type": "double", "struct": "vector"}),
        (StructField("w", ArrayType(StringType())), {"name": "w", "type": "string", "struct": "array"}),
    ],
)
def test_column_entries_use_the_container_type_names(field: StructField, entry: dict[str, str]) -> None:
    assert column_entry(field) == entry


def test_columns_the_container_cannot_carry_are_rejected() -> None:
    with pytest.raises(ExportError, match="cannot carry"):
        column_entry(StructField("m", MapType(StringType(), DoubleType())))
