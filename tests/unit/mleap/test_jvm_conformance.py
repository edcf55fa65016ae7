"""``jvm_rules``: MLeap 0.20's loader rules, checked without a JVM.

(a) For every op MLeap 0.20 registers, a bundle synthesised from its rule passes, and removing
    or mistyping each attribute / port, or breaking each op-specific check, yields a problem
    naming that field. JSON-level rules (Infinity tokens, bundle.json, tree.json) too.
(b) Every bundle the exporter writes in this suite is checked by ``conftest.py``'s guard.
(c) MLeap-written sample bundles pass the checker and load in our reader.
"""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inference_pipeline.mleap import load_bundle
from inference_pipeline.mleap.bundle import NodeSpec, write_bundle
from inference_pipeline.mleap.jvm_check import Problem
from inference_pipeline.mleap.jvm_rules import RULES, Attr, OpRule, ValueType, check_bundle, format_problems

from .jvm_guard import JvmGuard

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "mleap-samples"
REGISTERED_OPS = 63  # distinct op classes in mleap-runtime v0.20.0 reference.conf

# ----------------------------------------------------------------------------- synthesising valid nodes

_SCALARS: dict[str, Any] = {"double": 0.5, "long": 2, "int": 1, "string": "a", "boolean": True,
                            "data_shape": {"base": "scalar", "isNullable": True}, "basic_type": "double"}
# Values the generic synthesiser cannot guess (they must satisfy an op-specific check).
_OVERRIDES: dict[str, dict[str, Any]] = {
    "binarizer": {"thresholds": None},
    "one_hot_encoder": {"size": None, "category_sizes": {"type": "list", "int": [3]},
                        "handle_invalid": {"string": "keep"}},
    "math_binary": {"da": None, "db": None},
    "map_entry_selector": {"key_type": {"basic_type": "string"}, "default_value": {"double": 0.0}},
    "word_to_vector": {"word_vectors": {"type": "list", "double": [1.0, 2.0]}},
    "vector_indexer": {"keys": {"type": "list", "long": [0]}, "key_0_keys": {"type": "list", "double": [1.0]},
                       "key_0_values": {"type": "list", "long": [0]}},
    "interaction": {"num_features0": {"type": "list", "int": [1]}},
    "pipeline": {"nodes": {"type": "list"}},
    "categorical_drilldown": {"labels": {"type": "list", "string": ["a"]}},
    "string_indexer": {"labels": None},
    "logistic_regression": {"coefficient_matrix": None, "intercept_vector": None, "thresholds": None},
}


def _value(vtype: ValueType, name: str) -> dict[str, Any]:
    if vtype.base == "any":
        return {"double": 1.0}
    if vtype.container == "tensor":
        return _tensor(vtype.base, vtype.dims)
    if vtype.container == "list":
        if name == "thresholds":
            return {"type": "list", "double": [0.5, 0.5]}
        if name == "trees":
            return {"type": "list", "string": ["tree0"]}
        if vtype.base == "tensor":
            return {"type": "list", "tensor": [_tensor(vtype.tensor_base, vtype.dims)]}
        return {"type": "list", vtype.base: [_SCALARS[vtype.base]]}
    return {vtype.base: _SCALARS[vtype.base]}


def _tensor(base: str, dims: int) -> dict[str, Any]:
    values = [1.0, 2.0, 3.0, 4.0] if dims == 2 else [1.0, 2.0]
    sizes = [2, 2] if dims == 2 else [2]
    return {base: values, "shape": {"dimensions": [{"size": s, "name": ""} for s in sizes]}} | {"type": "tensor"}


def _attributes(rule: OpRule) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for attr in rule.attributes:
        value = _value(attr.type, attr.name)
        if attr.choices:
            value = {"string": attr.choices[0]}
        attrs[attr.name] = value
    for key, value in _OVERRIDES.get(rule.op, {}).items():
        if value is None:
            attrs.pop(key, None)
        else:
            attrs[key] = value
    return attrs


def _ports(rule: OpRule, attrs: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    if rule.op == "one_hot_encoder":
        return [("input0", "x")], [("output0", "y")]
    if rule.op == "math_binary":
        return [("input_a", "a"), ("input_b", "b")], [("output", "y")]

    def ports(spec: Any, column: str) -> list[tuple[str, str]]:
        names = list(spec.fixed)
        if spec.indexed_by:
            names.append(f"{spec.prefix}0")
        if spec.any_of:
            names.append(spec.any_of[0])
        return [(name, f"{column}_{name}") for name in names]

    return ports(rule.inputs, "in"), ports(rule.outputs, "out")


def _leaf_tree(classes: int) -> str:
    return json.dumps({"type": "leaf", "values": [1.0] * classes}) + "\n"


def _extra_files(rule: OpRule) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if rule.tree == "decision":
        files["tree.json"] = _leaf_tree(2 if rule.op == "decision_tree_classifier" else 1).encode()
    if rule.tree == "cluster":
        files["tree.json"] = (json.dumps({"index": 0, "norm": 1.0, "values": [1.0], "numChildren": 0}) + "\n").encode()
    if rule.sub_models:
        member = RULES[rule.sub_model_ops[0]]
        member_attrs = _attributes(member)
        files["tree0/model.json"] = json.dumps({"op": member.op, "attributes": member_attrs}).encode()
        files["tree0/tree.json"] = _extra_files(member)["tree.json"]
    if rule.op in ("one_vs_rest", "categorical_drilldown"):
        member = RULES["linear_regression"] if rule.op == "categorical_drilldown" else RULES["logistic_regression"]
        for i in range(2 if rule.op == "one_vs_rest" else 1):
            files[f"model{i}/model.json"] = json.dumps({"op": member.op, "attributes": _attributes(member)}).encode()
    return files


def _write(tmp: Path, op: str, attrs: dict[str, Any], inputs: list[tuple[str, str]],
           outputs: list[tuple[str, str]], files: dict[str, bytes]) -> Path:
    node = NodeSpec(name=f"{op}_node", op=op, attributes=attrs, inputs=inputs, outputs=outputs, extra_files=files)
    root = write_bundle(node, tmp / "bundle", archive="dir")
    # Exactly these attributes (write_bundle would derive a pipeline's nodes from its children).
    (root / "root" / "model.json").write_text(json.dumps({"op": op, "attributes": attrs}))
    return root


def _valid(tmp: Path, op: str) -> tuple[dict[str, Any], list[tuple[str, str]], list[tuple[str, str]], dict[str, bytes]]:
    rule = RULES[op]
    attrs = _attributes(rule)
    inputs, outputs = _ports(rule, attrs)
    return attrs, inputs, outputs, _extra_files(rule)


def _fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


def _mistyped(attr: Attr, raw: dict[str, Any]) -> dict[str, Any]:
    vtype = attr.type
    if vtype.container == "scalar":
        wrong = "long" if vtype.base != "long" else "double"
        return {wrong: 3}
    if vtype.container == "list":
        return {vtype.base: raw.get(vtype.base, [None])[0] if vtype.base not in ("tensor",) else 1.0}
    return {"type": "list", "double": [1.0]}


# ----------------------------------------------------------------------------- (a) the rules


def test_rules_cover_every_registered_op() -> None:
    assert len(RULES) == REGISTERED_OPS
    assert all(rule.source.startswith("mleap-runtime/src/main/scala/ml/combust/mleap/bundle/ops/") for rule in RULES.values())
    assert {"normalizer", "string_indexer", "lda_local_model_op", "sklearn_binarizer", "pipeline"} <= set(RULES)


@pytest.mark.parametrize("op", sorted(RULES))
def test_synthesised_bundle_passes(op: str, tmp_path: Path) -> None:
    problems = check_bundle(_write(tmp_path, op, *_valid(tmp_path, op)))
    assert problems == [], format_problems(problems)


@pytest.mark.parametrize("op", sorted(RULES))
def test_each_required_attribute_missing_or_mistyped_is_reported(op: str, tmp_path: Path) -> None:
    rule = RULES[op]
    attrs, inputs, outputs, files = _valid(tmp_path, op)
    for i, attr in enumerate(a for a in rule.attributes if a.name in attrs):
        if attr.required:
            broken = {k: v for k, v in attrs.items() if k != attr.name}
            problems = check_bundle(_write(tmp_path / f"m{i}", op, broken, inputs, outputs, files))
            assert attr.name in _fields(problems), f"{op}: removing {attr.name} was not reported"
            assert any(attr.name == p.field and p.source.endswith(".scala") for p in problems)
        if attr.type.base == "any":
            continue
        broken = copy.deepcopy(attrs)
        broken[attr.name] = _mistyped(attr, attrs[attr.name])
        problems = check_bundle(_write(tmp_path / f"t{i}", op, broken, inputs, outputs, files))
        assert attr.name in _fields(problems), f"{op}: mistyped {attr.name} {broken[attr.name]} was not reported"


@pytest.mark.parametrize("op", sorted(RULES))
def test_each_required_port_missing_is_reported(op: str, tmp_path: Path) -> None:
    attrs, inputs, outputs, files = _valid(tmp_path, op)
    for kind, ports in (("inputs", inputs), ("outputs", outputs)):
        for i, (port, _) in enumerate(ports):
            kept = [p for p in ports if p[0] != port]
            args = (kept, outputs) if kind == "inputs" else (inputs, kept)
            problems = check_bundle(_write(tmp_path / f"{kind}{i}", op, attrs, *args, files))
            assert problems, f"{op}: dropping the {port} port was not reported"
    extra = [*outputs, ("bogus_port", "c")]
    if not RULES[op].outputs.unconstrained:
        assert "bogus_port port" in _fields(check_bundle(_write(tmp_path / "x", op, attrs, inputs, extra, files)))


Mutation = Callable[[dict[str, Any], list[tuple[str, str]], list[tuple[str, str]], dict[str, bytes]], None]


def _set(key: str, value: Any) -> Mutation:
    def mutate(attrs: dict[str, Any], *_: Any) -> None:
        attrs[key] = value

    return mutate


def _drop(key: str) -> Mutation:
    def mutate(attrs: dict[str, Any], *_: Any) -> None:
        attrs.pop(key)

    return mutate


def _drop_port(port: str) -> Mutation:
    def mutate(attrs: dict[str, Any], inputs: list[tuple[str, str]], outputs: list[tuple[str, str]], *_: Any) -> None:
        inputs[:] = [p for p in inputs if p[0] != port]
        outputs[:] = [p for p in outputs if p[0] != port]

    return mutate


def _drop_file(name: str) -> Mutation:
    def mutate(attrs: dict[str, Any], inputs: Any, outputs: Any, files: dict[str, bytes]) -> None:
        files.pop(name)

    return mutate


def _file(name: str, text: str) -> Mutation:
    def mutate(attrs: dict[str, Any], inputs: Any, outputs: Any, files: dict[str, bytes]) -> None:
        files[name] = text.encode()

    return mutate


_CONTINUOUS = {"type": "internal", "split": {"type": "continuous", "featureIndex": 0, "threshold": 0.5}}
# (op, mutation, field that must be reported): one per op-specific check, plus the file grammars.
CRAFTED: list[tuple[str, Mutation, str]] = [
    ("string_indexer", _set("labels_length", {"int": 2}), "labels_length"),
    ("string_indexer", _drop("labels_array_0"), "labels_array_0"),
    ("binarizer", _set("thresholds", {"type": "list", "double": [0.5, 1.0]}), "thresholds"),
    ("binarizer", _drop("input_shapes"), "input_shapes"),
    ("decision_tree_classifier", _set("thresholds", {"type": "list", "double": [0.5, 0.2, 0.3]}), "thresholds"),
    ("random_forest_classifier", _set("thresholds", {"type": "list", "double": [1.0]}), "thresholds"),
    ("naive_bayes", _set("thresholds", {"type": "list", "double": [1.0]}), "thresholds"),
    ("gbt_classifier", _set("num_classes", {"long": 3}), "num_classes"),
    ("gbt_classifier", _set("thresholds", {"type": "list", "double": [1.0]}), "thresholds"),
    ("gbt_classifier", _set("lossType", {"string": "squared"}), "lossType"),
    ("support_vector_machine", _set("num_classes", {"long": 3}), "num_classes"),
    ("linear_svc", _set("num_classes", {"long": 4}), "num_classes"),
    ("logistic_regression", _set("num_classes", {"long": 3}), "coefficient_matrix"),
    ("logistic_regression", _drop("coefficients"), "coefficients"),
    ("one_hot_encoder", _set("handle_invalid", {"string": "skip"}), "handle_invalid"),
    ("one_hot_encoder", _drop("category_sizes"), "category_sizes"),
    ("one_hot_encoder", _drop_port("output0"), "output0"),
    ("math_binary", _drop_port("input_b"), "input_b"),
    ("interaction", _drop("num_features0"), "num_features0"),
    ("vector_indexer", _drop("key_0_values"), "key_0_values"),
    ("one_vs_rest", _drop_file("model1/model.json"), "model1"),
    ("categorical_drilldown", _drop_file("model0/model.json"), "model0"),
    ("map_entry_selector", _set("key_type", {"basic_type": "long"}), "key_type"),
    ("word_to_vector", _set("word_vectors", {"double": 1.0}), "word_vectors"),
    ("normalizer", _set("p_norm", {"string": "inf"}), "p_norm"),
    ("math_unary", _set("operation", {"string": "tanh"}), "operation"),
    ("generalized_linear_regression", _set("family", {"string": "tweedie"}), "family"),
    ("bucketizer", _set("handle_invalid", {"string": "clip"}), "handle_invalid"),
    ("pca", _set("principal_components", _tensor("double", 1)), "principal_components"),
    ("idf", _set("idf", {"type": "tensor", "long": [1], "shape": {"dimensions": [{"size": 1, "name": ""}]}}), "idf"),
    ("idf", _set("idf", {"type": "tensor", "double": [1.0], "shape": {"dimensions": [{"size": 1}]}}), "idf"),
    ("vector_assembler", _set("input_shapes", {"type": "list", "data_shape": [{"base": "scalar"}]}), "input_shapes"),
    ("word_filter", _set("length", {"int": 2**40}), "length"),
    ("ngram", _set("n", {"long": 2.5}), "n"),
    ("decision_tree_regression", _drop_file("tree.json"), "tree.json"),
    ("decision_tree_regression", _file("tree.json", json.dumps(_CONTINUOUS) + "\n"), "tree.json"),
    ("decision_tree_regression", _file("tree.json", json.dumps({"type": "internal", "split": {"type": "oblique"}})),
     "tree.json"),
    ("decision_tree_classifier", _file("tree.json", _leaf_tree(3)), "tree.json"),
    ("bisecting_k_means", _file("tree.json", json.dumps({"index": 0, "norm": 1.0, "values": [], "numChildren": 2})),
     "tree.json"),
    ("random_forest_regression", _drop_file("tree0/tree.json"), "tree.json"),
    ("gbt_regression", _file("tree0/model.json", json.dumps({"op": "linear_regression", "attributes": {}})), "op"),
]


def test_every_op_specific_check_has_a_crafted_failure() -> None:
    covered: dict[str, int] = {}
    for op, _, _ in CRAFTED:
        covered[op] = covered.get(op, 0) + 1
    missing = [op for op, rule in RULES.items() if rule.checks and covered.get(op, 0) < len(rule.checks)]
    assert not missing, f"ops whose checks lack crafted bad bundles: {missing}"


@pytest.mark.parametrize(("op", "mutate", "field"), CRAFTED, ids=[f"{op}-{f}" for op, _, f in CRAFTED])
def test_crafted_bad_bundle_is_reported(op: str, mutate: Mutation, field: str, tmp_path: Path) -> None:
    attrs, inputs, outputs, files = _valid(tmp_path, op)
    assert check_bundle(_write(tmp_path / "ok", op, attrs, inputs, outputs, files)) == []
    mutate(attrs, inputs, outputs, files)
    problems = check_bundle(_write(tmp_path / "bad", op, attrs, inputs, outputs, files))
    assert any(p.field.split(" ")[0] == field and p.node == f"{op}_node" for p in problems), format_problems(problems)


def _bundle_dir(tmp_path: Path) -> Path:
    return _write(tmp_path, "normalizer", *_valid(tmp_path, "normalizer"))


def test_infinity_tokens_unknown_ops_and_bundle_json(tmp_path: Path) -> None:
    root = _bundle_dir(tmp_path)
    model = root / "root" / "model.json"
    model.write_text(model.read_text().replace("0.5", "Infinity"))
    assert "model.json" in _fields(check_bundle(root))  # spray-json has no Infinity token

    model.write_text(json.dumps({"op": "my_custom_op", "attributes": {}}))
    assert [p.field for p in check_bundle(root)] == ["op"]

    info = json.loads((root / "bundle.json").read_text())
    (root / "bundle.json").write_text(json.dumps({**info, "uid": "not-a-uuid", "format": "xml"} | {"version": 1}))
    assert {"uid", "format", "version"} <= _fields(check_bundle(root))
    (root / "bundle.json").unlink()
    assert _fields(check_bundle(root)) == {"bundle.json"}


def test_node_json_shape_and_pipeline_children(tmp_path: Path) -> None:
    child = NodeSpec("n1", "tokenizer", {}, [("input", "t")], [("output", "w")])
    root = write_bundle(NodeSpec("p", "pipeline", children=[child]), tmp_path / "b", archive="dir")
    assert check_bundle(root) == []
    node_json = root / "root" / "n1.node" / "node.json"
    node_json.write_text(json.dumps({"name": "n1", "shape": {"inputs": [{"port": "input"}], "outputs": []}}))
    fields = _fields(check_bundle(root))
    assert {"shape.inputs", "output port"} <= fields
    (root / "root" / "n1.node" / "model.json").unlink()
    assert "model.json" in _fields(check_bundle(root))


def test_archives_and_a_zip_inside_a_directory(tmp_path: Path) -> None:
    spec = NodeSpec("t", "tokenizer", {}, [("input", "t")], [("output", "w")])
    for archive in ("zip", "tar.gz"):
        assert check_bundle(write_bundle(spec, tmp_path / f"b.{archive}", archive=archive)) == []  # type: ignore[arg-type]
    holder = tmp_path / "model"
    holder.mkdir()
    (tmp_path / "b.zip").rename(holder / "model.zip")
    problems = check_bundle(holder)
    assert [p.field for p in problems] == ["bundle.json"] and "not found" in problems[0].message


def test_format_problems_names_node_op_field_and_source(tmp_path: Path) -> None:
    attrs, inputs, outputs, files = _valid(tmp_path, "normalizer")
    del attrs["input_size"]
    problems = check_bundle(_write(tmp_path, "normalizer", attrs, inputs, outputs, files))
    text = format_problems(problems, bundle="B")
    assert text.splitlines()[0] == "B: 1 problem(s) for MLeap 0.20.0's loader:"
    assert "normalizer node 'normalizer_node'" in text and "input_size" in text
    assert "ops/feature/NormalizerOp.scala" in text
    assert "no problems" in format_problems([], bundle="B")


def test_infinite_double_is_written_as_a_literal_the_jvm_reads_as_infinity(tmp_path: Path) -> None:
    from inference_pipeline.mleap.attributes import attr_double, attr_int

    spec = NodeSpec("n", "normalizer", {"p_norm": attr_double(float("inf")), "input_size": attr_int(2)},
                    [("input", "v")], [("output", "o")])
    root = write_bundle(spec, tmp_path / "b", archive="dir")
    assert '"double": 1.0E309' in (root / "root" / "model.json").read_text()
    assert check_bundle(root) == []
    out = load_bundle(root).transform({"v": [[3.0, -4.0]]}).to_dict()["o"]
    assert out == [[0.75, -1.0]]  # the inf-norm: divide by max |x|


# ----------------------------------------------------------------------------- (b) the exporter guard


def test_guard_fails_a_bundle_the_jvm_would_refuse(tmp_path: Path) -> None:
    guard = JvmGuard()
    write = guard.wrap(write_bundle)
    write(NodeSpec("n", "normalizer", {"p_norm": {"double": 2.0}}, [("input", "v")], [("output", "o")]),
          tmp_path / "bad", archive="dir")
    report = guard.report()
    assert report is not None and "input_size" in report
    write(NodeSpec("t", "tokenizer", {}, [("input", "t")], [("output", "w")]), tmp_path / "ok", archive="dir")
    assert len(guard.checked) == 2 and len(guard.failures) == 1


# ----------------------------------------------------------------------------- (c) MLeap's own bundles


def _samples() -> list[Path]:
    if not SAMPLES.is_dir():
        pytest.skip(f"MLeap sample bundles not found at {SAMPLES} (the shared data directory is not mounted)")
    return sorted(SAMPLES.glob("*.zip"))


def test_mleap_written_samples_pass_and_load(tmp_path: Path) -> None:
    samples = _samples()
    assert len(samples) >= 3
    for sample in samples:
        assert check_bundle(sample) == [], format_problems(check_bundle(sample), bundle=sample)
        assert load_bundle(sample).input_columns
        with zipfile.ZipFile(sample) as zf:  # the unzipped directory form SageMaker serves
            zf.extractall(tmp_path / sample.stem)
        assert check_bundle(tmp_path / sample.stem) == []


def test_export_command_check_jvm_raises_on_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    from inference_pipeline.mleap.export import ExportError
    from inference_pipeline.mleap.export import cli as export_cli

    bad = write_bundle(NodeSpec("n", "normalizer", {"p_norm": {"double": 2.0}}, [("input", "v")], [("output", "o")]),
                       tmp_path / "bad", archive="dir")
    monkeypatch.setattr(export_cli, "local_session", lambda *_: None)
    monkeypatch.setattr(export_cli.PipelineModel, "load", staticmethod(lambda _: object()))
    monkeypatch.setattr(export_cli, "export_pipeline", lambda *a, **k: bad)
    (tmp_path / "saved").mkdir()
    assert export_cli.export_command(tmp_path / "saved", tmp_path / "out", None, None, "dir") == bad
    with pytest.raises(ExportError, match="input_size"):
        export_cli.export_command(tmp_path / "saved", tmp_path / "out", None, None, "dir", check_jvm=True)
