"""Small, real MLeap bundles written with our writer, shaped like Spark's own serializers."""

from __future__ import annotations

import json
from pathlib import Path

from inference_pipeline.mleap import NodeSpec, write_bundle
from inference_pipeline.mleap.attributes import (
    DataShape,
    attr_boolean,
    attr_int,
    attr_list_data_shape,
    attr_list_int,
    attr_list_string,
    attr_string,
)

ABALONE_SCHEMA = {
    "input": [{"name": "sex", "type": "string"}, {"name": "length", "type": "double"},
              {"name": "diameter", "type": "double"}, {"name": "height", "type": "double"},
              {"name": "whole_weight", "type": "double"}, {"name": "shucked_weight", "type": "double"},
              {"name": "viscera_weight", "type": "double"}, {"name": "shell_weight", "type": "double"}],
    "output": {"name": "features", "type": "double", "struct": "vector"},
}
NUMERIC = [c["name"] for c in ABALONE_SCHEMA["input"][1:]]


def abalone_pipeline() -> NodeSpec:
    """StringIndexer(sex: M, I, F) → OneHotEncoder(dropLast) → VectorAssembler (9 features)."""
    indexer = NodeSpec("strIdx_sex", "string_indexer",
                       {"labels_length": attr_int(1), "labels_array_0": attr_list_string(["M", "I", "F"]),
                        "handle_invalid": attr_string("error")},
                       inputs=[("input", "sex")], outputs=[("output", "indexed_sex")])
    encoder = NodeSpec("oneHot_sex", "one_hot_encoder",
                       {"category_sizes": attr_list_int([3]), "drop_last": attr_boolean(True),
                        "handle_invalid": attr_string("error")},
                       inputs=[("input0", "indexed_sex")], outputs=[("output0", "sex_vec")])
    shapes = [DataShape("tensor", True, 2)] + [DataShape("scalar", True)] * len(NUMERIC)
    assembler = NodeSpec("vecAssembler", "vector_assembler", {"input_shapes": attr_list_data_shape(shapes)},
                         inputs=[(f"input{i}", c) for i, c in enumerate(["sex_vec", *NUMERIC])],
                         outputs=[("output", "features")])
    return NodeSpec("PipelineModel_abalone", "pipeline", children=[indexer, encoder, assembler])


def index_to_string(labels: list[str]) -> NodeSpec:
    return NodeSpec("IndexToString_cat", "reverse_string_indexer", {"labels": attr_list_string(labels)},
                    inputs=[("input", "label")], outputs=[("output", "cat")])


def tokenizer() -> NodeSpec:
    return NodeSpec("Tokenizer_abstract", "tokenizer", {}, inputs=[("input", "abstract")],
                    outputs=[("output", "tokenized_abstract")])


def write(node: NodeSpec, dest: Path, *, schema: dict | None = None, archive: str = "dir") -> Path:
    extra = {"sagemaker-sparkml-schema.json": json.dumps(schema).encode()} if schema else None
    return write_bundle(node, dest, archive=archive, extra_root_files=extra)  # type: ignore[arg-type]
