"""Bundle layout the exporter writes (MLeap's op/attribute/port names), its errors, archives,
the serving schema file and the CLI hook."""

from __future__ import annotations

import json
import math
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from pyspark.ml import Pipeline, PipelineModel  # noqa: E402
from pyspark.ml import classification as C  # noqa: E402
from pyspark.ml import feature as Fe  # noqa: E402

from inference_pipeline.mleap import load_bundle  # noqa: E402
from inference_pipeline.mleap.export import (  # noqa: E402
    SCHEMA_FILE_NAME,
    ExportError,
    ExportWarning,
    UnsupportedStageError,
    export_command,
    export_pipeline,
    infer_schema,
)

from .export_cases import _categories, _labelled, _vectors, assembler_chain  # noqa: E402
from .spark_fixtures import spark  # noqa: E402,F401

pytestmark = pytest.mark.spark

ABALONE_SCHEMA = {
    "input": [
        {"name": "sex", "type": "string"},
        {"name": "length", "type": "double"},
        {"name": "rings", "type": "int"},
    ],
    "output": {"name": "features", "type": "double", "struct": "vector"},
}


def _node(root: Path, stage: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    directory = root / "root" / f"{stage.uid}.node"
    return json.loads((directory / "model.json").read_text()), json.loads((directory / "node.json").read_text())


def _ports(node: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    return [(p["port"], p["name"]) for p in node["shape"][kind]]


def test_pipeline_layout_matches_mleap(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    model, train, _ = assembler_chain(spark)
    root = export_pipeline(model, tmp_path / "b", dataset=train, archive="dir")
    bundle = json.loads((root / "bundle.json").read_text())
    assert bundle["format"] == "json" and bundle["name"] == model.uid
    top = json.loads((root / "root" / "model.json").read_text())
    assert top == {"op": "pipeline", "attributes": {"nodes": {"type": "list", "string": [s.uid for s in model.stages]}}}

    indexer, encoder, assembler = model.stages
    si_model, si_node = _node(root, indexer)
    assert si_model["op"] == "string_indexer"
    assert si_model["attributes"]["labels_length"] == {"int": 1}
    assert si_model["attributes"]["labels_array_0"] == {"type": "list", "string": list(indexer.labels)}
    assert si_model["attributes"]["handle_invalid"] == {"string": "error"}
    assert _ports(si_node, "inputs") == [("input", "sex")] and _ports(si_node, "outputs") == [("output", "sex_idx")]

    ohe_model, ohe_node = _node(root, encoder)
    assert ohe_model["op"] == "one_hot_encoder"
    assert ohe_model["attributes"]["category_sizes"] == {"type": "list", "int": [3]}
    assert ohe_model["attributes"]["drop_last"] == {"boolean": True}
    assert _ports(ohe_node, "inputs") == [("input", "sex_idx")]

    va_model, va_node = _node(root, assembler)
    assert va_model == {
        "op": "vector_assembler",
        "attributes": {
            "input_shapes": {
                "type": "list",
                "data_shape": [
                    {"base": "tensor", "isNullable": True, "tensorShape": {"dimensions": [{"size": 2, "name": ""}]}},
                    {"base": "scalar", "isNullable": True},
                    {"base": "scalar", "isNullable": True},
                ],
            }
        },
    }
    assert _ports(va_node, "inputs") == [("input0", "sex_vec"), ("input1", "length"), ("input2", "rings")]
    assert _ports(va_node, "outputs") == [("output", "features")]


def test_multi_column_string_indexer_is_one_node_per_column(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    # MLeap 0.20 refuses labels_length > 1 ("Multi-input StringIndexer not supported yet").
    train, _ = _categories(spark)
    stage = Fe.StringIndexer(inputCols=["cat", "cat2"], outputCols=["i1", "i2"]).fit(train)
    root = export_pipeline(stage, tmp_path / "b", dataset=train, archive="dir")
    top = json.loads((root / "root" / "model.json").read_text())
    names = top["attributes"]["nodes"]["string"]
    assert names == [f"{stage.uid}_cat", f"{stage.uid}_cat2"]
    for name, column, out, labels in zip(names, ["cat", "cat2"], ["i1", "i2"], stage.labelsArray, strict=True):
        model = json.loads((root / "root" / f"{name}.node" / "model.json").read_text())
        node = json.loads((root / "root" / f"{name}.node" / "node.json").read_text())
        assert model["attributes"]["labels_length"] == {"int": 1}
        assert model["attributes"]["labels_array_0"] == {"type": "list", "string": list(labels)}
        assert _ports(node, "inputs") == [("input", column)] and _ports(node, "outputs") == [("output", out)]


def test_multi_column_binarizer_and_stop_words_are_one_node_per_column(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    train, _ = _vectors(spark)
    binarizer = Fe.Binarizer(inputCols=["a", "b"], outputCols=["a1", "b1"], thresholds=[1.0, -2.0])
    root = export_pipeline(Pipeline(stages=[binarizer]).fit(train), tmp_path / "b", dataset=train, archive="dir")
    for column, threshold in (("a", 1.0), ("b", -2.0)):
        model = json.loads((root / "root" / f"{binarizer.uid}_{column}.node" / "model.json").read_text())
        assert model["attributes"]["threshold"] == {"double": threshold}
        assert "thresholds" not in model["attributes"]  # MLeap 0.20: "Multi-column Binarizer not supported yet"
    words = spark.createDataFrame([(["a", "the"], ["b", "an"])], "w1 array<string>, w2 array<string>")
    remover = Fe.StopWordsRemover(inputCols=["w1", "w2"], outputCols=["k1", "k2"])
    root = export_pipeline(remover, tmp_path / "s", dataset=words, archive="dir")
    node = json.loads((root / "root" / f"{remover.uid}_w2.node" / "node.json").read_text())
    assert _ports(node, "inputs") == [("input", "w2")] and _ports(node, "outputs") == [("output", "k2")]
    assert load_bundle(root).transform({"w1": [["a", "the"]], "w2": [["b", "an"]]}).to_dict()["k2"] == [["b"]]


def test_normalizer_writes_input_size_and_inf_as_overflowing_literal(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    train, _ = _vectors(spark)
    stages = [Fe.VectorAssembler(inputCols=["a", "b", "c"], outputCol="vec"),
              Fe.Normalizer(inputCol="vec", outputCol="out", p=math.inf)]
    model = Pipeline(stages=stages).fit(train)
    root = export_pipeline(model, tmp_path / "b", dataset=train, archive="dir")
    text = (root / "root" / f"{stages[1].uid}.node" / "model.json").read_text()
    # spray-json has no Infinity token and reads null as NaN; 1.0E309 overflows to +Infinity.
    assert "1.0E309" in text and "Infinity" not in text and "null" not in text
    assert json.loads(text)["attributes"] == {"p_norm": {"double": math.inf}, "input_size": {"int": 3}}
    assert load_bundle(root).root.children[1].p == math.inf


def test_forest_trees_are_written_as_tree_dirs(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    train, _ = _labelled(spark, 3)
    stages = [
        Fe.StringIndexer(inputCol="cat", outputCol="cat_idx"),
        Fe.VectorAssembler(inputCols=["a", "cat_idx"], outputCol="features"),
        C.RandomForestClassifier(labelCol="label", numTrees=3, maxDepth=3, seed=2),
    ]
    model = Pipeline(stages=stages).fit(train)
    forest = model.stages[-1]
    root = export_pipeline(model, tmp_path / "b", dataset=train, archive="dir")
    rf_model, rf_node = _node(root, forest)
    assert rf_model["op"] == "random_forest_classifier"
    assert rf_model["attributes"]["trees"] == {"type": "list", "string": ["tree0", "tree1", "tree2"]}
    assert rf_model["attributes"]["num_classes"] == {"long": 3}
    assert _ports(rf_node, "outputs") == [
        ("raw_prediction", "rawPrediction"),
        ("probability", "probability"),
        ("prediction", "prediction"),
    ]
    directory = root / "root" / f"{forest.uid}.node"
    splits = []
    for i, tree in enumerate(forest.trees):
        sub = json.loads((directory / f"tree{i}" / "model.json").read_text())
        assert sub == {
            "op": "decision_tree_classifier",
            "attributes": {"num_features": {"long": 2}, "num_classes": {"long": 3}},
        }
        lines = [json.loads(line) for line in (directory / f"tree{i}" / "tree.json").read_text().splitlines()]
        assert len(lines) == tree.numNodes
        leaves = [n for n in lines if n["type"] == "leaf"]
        assert leaves and all(len(n["values"]) == 3 for n in leaves)  # class counts, not predictions
        splits += [n["split"] for n in lines if n["type"] == "internal"]
    categorical = [s for s in splits if s["type"] == "categorical"]
    assert categorical, "the nominal cat_idx feature should produce categorical splits"
    for split in categorical:
        assert list(split) == ["type", "featureIndex", "isLeft", "numCategories", "categories"]
        assert split["featureIndex"] == 1 and split["numCategories"] == 3
        assert len(split["categories"]) <= 3 - len(split["categories"]) or not split["isLeft"]


def test_bucketizer_infinite_splits_are_written_as_null(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    stage = Fe.Bucketizer(splits=[-math.inf, 0.0, math.inf], inputCol="x", outputCol="b", handleInvalid="keep")
    root = export_pipeline(stage, tmp_path / "b", archive="dir")
    model = json.loads((root / "root" / "model.json").read_text())
    assert model["attributes"]["splits"] == {"type": "list", "double": [None, 0.0, None]}
    assert model["attributes"]["handle_invalid"] == {"string": "keep"}


@pytest.mark.parametrize("archive", ["tar.gz", "zip"])
def test_archives_carry_the_serving_schema_at_the_root(spark: Any, tmp_path: Path, archive: str) -> None:  # noqa: F811
    model, train, test = assembler_chain(spark)
    dest = export_pipeline(model, tmp_path / f"model.{archive}", dataset=train, archive=archive, schema=ABALONE_SCHEMA)
    if archive == "zip":
        with zipfile.ZipFile(dest) as zf:
            names = set(zf.namelist())
            stored = json.loads(zf.read(SCHEMA_FILE_NAME))
    else:
        with tarfile.open(dest) as tf:
            names = set(tf.getnames())
            stored = json.load(tf.extractfile(SCHEMA_FILE_NAME))  # type: ignore[arg-type]
    assert {"bundle.json", "root/model.json", SCHEMA_FILE_NAME} <= names
    assert stored == ABALONE_SCHEMA
    frame = load_bundle(dest).transform({"sex": ["F"], "length": [0.515], "rings": [3]}).to_dict()
    assert frame["features"] == [[0.0, 0.0, 0.515, 3.0]] or len(frame["features"][0]) == 4


def test_infer_schema_reads_types_from_the_dataset(spark: Any) -> None:  # noqa: F811
    model, train, _ = assembler_chain(spark)
    assert infer_schema(model, train, "features") == ABALONE_SCHEMA
    with pytest.raises(ExportError, match="not produced by the pipeline"):
        infer_schema(model, train, "nope")
    with pytest.raises(ExportError, match="lacks the pipeline's input"):
        infer_schema(model, train.drop("rings"), "features")


def test_invalid_schema_is_rejected_before_writing(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    model, train, _ = assembler_chain(spark)
    with pytest.raises(ExportError, match="'vector' is not one of"):
        export_pipeline(
            model, tmp_path / "b", dataset=train, schema={**ABALONE_SCHEMA, "output": {"name": "f", "type": "vector"}}
        )
    assert not (tmp_path / "b").exists()


def test_export_command_loads_a_saved_pipeline(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    model, train, test = assembler_chain(spark)
    model.write().overwrite().save(str(tmp_path / "pipeline"))
    train.write.parquet(str(tmp_path / "sample.parquet"))
    dest = export_command(
        tmp_path / "pipeline", tmp_path / "model.tar.gz", tmp_path / "sample.parquet", "features", "tar.gz"
    )
    bundle = load_bundle(dest)
    assert bundle.input_columns == ["sex", "length", "rings"]
    with tarfile.open(dest) as tf:
        assert json.load(tf.extractfile(SCHEMA_FILE_NAME)) == ABALONE_SCHEMA  # type: ignore[arg-type]
    expected = model.transform(test).select("features").collect()
    got = bundle.transform(
        {
            "sex": [r.sex for r in test.collect()],
            "length": [r.length for r in test.collect()],
            "rings": [r.rings for r in test.collect()],
        }
    ).to_dict()["features"]
    assert got == [list(r.features.toArray()) for r in expected]


def test_export_command_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="archive must be one of"):
        export_command(tmp_path, tmp_path / "out", None, None, "rar")
    with pytest.raises(ExportError, match="needs sample data"):
        export_command(tmp_path, tmp_path / "out", None, "features", "dir")
    with pytest.raises(ExportError, match="does not exist"):
        export_command(tmp_path / "missing", tmp_path / "out", None, None, "dir")


def test_unsupported_stage_names_class_uid_and_supported_list(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    sql = Fe.SQLTransformer(statement="SELECT *, a * 2 AS a2 FROM __THIS__")
    with pytest.raises(UnsupportedStageError) as info:
        export_pipeline(PipelineModel(stages=[sql]), tmp_path / "b")
    message = str(info.value)
    assert "SQLTransformer" in message and sql.uid in message
    assert "StringIndexerModel" in message and "GBTClassificationModel" in message


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda t: Fe.Bucketizer(splitsArray=[[0.0, 1.0, 2.0]], inputCols=["a"], outputCols=["o"]),
            "single-column Bucketizer",
        ),
        (lambda t: Fe.Imputer(inputCols=["a"], outputCols=["o"], missingValue=0.0).fit(t), "missingValue=0.0"),
        (lambda t: Fe.Imputer(inputCols=["n"], outputCols=["o"]).fit(t), "only double"),
        (
            lambda t: C.NaiveBayes(modelType="gaussian", featuresCol="v", labelCol="c").fit(
                Fe.VectorAssembler(inputCols=["a", "b"], outputCol="v").transform(t)
            ),
            "multinomial and bernoulli",
        ),
        (
            lambda t: C.LogisticRegression(family="multinomial", featuresCol="v", labelCol="y").fit(
                Fe.VectorAssembler(inputCols=["a"], outputCol="v").transform(t)
            ),
            "family='multinomial'",
        ),
        (lambda t: Fe.VectorAssembler(inputCols=["a", "b"], outputCol="v"), "needs column metadata"),
        (lambda t: Fe.IndexToString(inputCol="c", outputCol="s"), "no nominal label metadata"),
    ],
)
def test_stages_that_cannot_be_exported_faithfully(spark: Any, tmp_path: Path, make: Any, message: str) -> None:  # noqa: F811
    train = _vectors(spark)[0].selectExpr("*", "cast(c as int) n", "double(c > 0) y")
    stage = make(train)
    dataset = None if message == "needs column metadata" else train
    with pytest.raises(ExportError, match=message):
        export_pipeline(stage, tmp_path / "b", dataset=dataset, archive="dir")


def test_standard_scaler_without_mean_or_std_is_rejected(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    train, _ = _vectors(spark)
    frame = Fe.VectorAssembler(inputCols=["a"], outputCol="v").transform(train)
    stage = Fe.StandardScaler(inputCol="v", outputCol="o", withStd=False, withMean=False).fit(frame)
    with pytest.raises(ExportError, match="withMean=False and withStd=False"):
        export_pipeline(stage, tmp_path / "b", dataset=frame, archive="dir")


def test_vector_assembler_handle_invalid_warns(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    train, _ = _vectors(spark)
    stage = Fe.VectorAssembler(inputCols=["a", "b"], outputCol="v", handleInvalid="keep")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export_pipeline(stage, tmp_path / "b", dataset=train, archive="dir")
    assert any(issubclass(w.category, ExportWarning) and "handleInvalid='keep'" in str(w.message) for w in caught)
