"""``check_bundle``: apply ``jvm_rules`` to a bundle without a JVM.

The walk mirrors bundle-ml's loader: ``bundle.json`` (``BundleFile.readInfo``), then ``root/``
(``NodeSerializer``: ``node.json`` + ``model.json``), the op's ``load()`` (attributes, files,
sub-models), the transformer's ports, and for pipelines each ``<child>.node/`` named in
``nodes``. Every violation becomes one ``Problem`` naming the node, op and field, with the Scala
source of the rule. The archive is read in memory (nothing is extracted to disk).
"""

from __future__ import annotations

import json
import math
import re
import tarfile
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from inference_pipeline.mleap.jvm_rules import (
    BASIC_TYPE_NAMES,
    BUNDLE_FILE_SOURCE,
    BUNDLE_INFO_SOURCE,
    CLUSTER_TREE_SERIALIZER,
    JSON_SUPPORT,
    MLEAP_JVM_VERSION,
    NODE_SERIALIZER,
    OWN_OPS,
    REGISTRY_SOURCE,
    RULES,
    SPRAY_JSON,
    TENSOR_BASES,
    TRANSFORMER_SOURCE,
    TREE_JSON_SOURCE,
    TREE_SERIALIZER,
    Attr,
    NodeFacts,
    OpRule,
    Ports,
    ValueType,
    not_jvm_loadable_message,
)

_SCALAR_KEYS = ("boolean", "int", "long", "float", "double", "string", "byte_string", "tensor", "basic_type",
                "data_shape", "model")
_INTEGER_BASES = {"int": 2**31, "short": 2**31, "byte": 2**31, "long": 2**63}


@dataclass(frozen=True)
class Problem:
    """One thing MLeap 0.20's loader would refuse (or silently misread)."""

    path: str  # the node's directory inside the bundle, e.g. "root/si_1.node"
    node: str
    op: str
    field: str  # attribute, port (suffixed " port"), or file
    message: str
    source: str  # the Scala file the rule comes from

    def __str__(self) -> str:
        where = f"{self.op} node {self.node!r}" if self.op else self.path
        return f"{where} ({self.path}): {self.field}: {self.message} [{self.source}]"


# ----------------------------------------------------------------------------- bundle files


class _Files:
    """Bundle files by posix path relative to the bundle root (the directory holding bundle.json)."""

    def __init__(self, entries: dict[str, bytes] | None = None, root: Path | None = None) -> None:
        self._entries = entries
        self._root = root

    def read(self, relative: str) -> bytes | None:
        if self._root is not None:
            target = self._root / relative
            return target.read_bytes() if target.is_file() else None
        assert self._entries is not None
        return self._entries.get(relative)

    def exists(self, relative: str) -> bool:
        return self.read(relative) is not None


def _archive_entries(names_and_data: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    return {str(PurePosixPath(name.lstrip("/"))).removeprefix("./"): data for name, data in names_and_data}


def _open(path: Path) -> tuple[_Files | None, list[Problem]]:
    def bundle_problem(message: str, source: str = BUNDLE_FILE_SOURCE) -> Problem:
        return Problem(str(path), "", "", "bundle.json", message, source)

    if path.is_dir():
        if (path / "bundle.json").is_file():
            return _Files(root=path), []
        zips = sorted(path.glob("*.zip"))
        if len(zips) == 1:
            files, problems = _open(zips[0])
            note = bundle_problem(f"missing at the top of {path}; MLeap's BundleFile loads a path not ending in "
                                  f".zip as a directory bundle, so {zips[0].name} inside it is not found "
                                  "(unzip it into the directory)")
            return files, [note, *problems]
        return None, [bundle_problem(f"missing: {path} has no bundle.json")]
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                entries = _archive_entries((i.filename, zf.read(i)) for i in zf.infolist() if not i.is_dir())
        elif path.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(path, "r:gz") as tf:
                members = [m for m in tf.getmembers() if m.isfile()]
                entries = _archive_entries((m.name, tf.extractfile(m).read()) for m in members)  # type: ignore[union-attr]
        else:
            return None, [bundle_problem(f"{path} is not a bundle directory, .zip or .tar.gz")]
    except (zipfile.BadZipFile, tarfile.TarError, OSError) as exc:
        return None, [bundle_problem(f"cannot read {path}: {exc}")]
    if "bundle.json" not in entries:
        return None, [bundle_problem("missing at the archive's top level (MLeap expects bundle.json and root/ "
                                     "there, with no wrapping folder)")]
    return _Files(entries), []


# ----------------------------------------------------------------------------- JSON and values


class _NonFinite(ValueError):
    pass


def _reject_constant(token: str) -> Any:
    raise _NonFinite(token)


def _parse_json(data: bytes) -> tuple[Any, str | None]:
    """spray-json's grammar: like Python's json but without NaN / Infinity / -Infinity tokens."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_reject_constant), None
    except _NonFinite as exc:
        return None, f"contains the token {exc}, which spray-json cannot parse (write ±1.0E309 or null)"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"is not valid JSON: {exc}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _element_problem(base: str, value: Any, vtype: ValueType) -> str | None:
    if base in ("double", "float"):
        return None if value is None or _is_number(value) else f"{value!r} is not a number or null"
    if base in _INTEGER_BASES:
        if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
            return f"{value!r} is not an integer"
        limit = _INTEGER_BASES[base]
        return None if -limit <= value < limit else f"{value} overflows a JVM {'Long' if base == 'long' else 'Int'}"
    if base == "boolean":
        return None if isinstance(value, bool) else f"{value!r} is not a JSON boolean"
    if base in ("string", "byte_string"):
        return None if isinstance(value, str) else f"{value!r} is not a string"
    if base == "basic_type":
        return None if value in BASIC_TYPE_NAMES else f"{value!r} is not a basic type ({', '.join(BASIC_TYPE_NAMES)})"
    if base == "data_shape":
        return _data_shape_problem(value)
    if base == "tensor":
        return _tensor_problem(value, ValueType("tensor", vtype.tensor_base, vtype.dims))
    return None


def _dimensions_problem(shape: Any, where: str) -> tuple[list[int] | None, str | None]:
    if not isinstance(shape, dict) or not isinstance(shape.get("dimensions"), list):
        return None, f"{where} needs {{\"dimensions\": [...]}}"
    sizes = []
    for dim in shape["dimensions"]:
        # TensorDimension is jsonFormat2(size, name): both members are required.
        if not isinstance(dim, dict) or not _is_number(dim.get("size")) or not isinstance(dim.get("name"), str):
            return None, f"{where} dimension {dim!r} needs an integer size and a string name"
        sizes.append(int(dim["size"]))
    return sizes, None


def _data_shape_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"{value!r} is not a data shape object"
    if value.get("base") not in ("scalar", "list", "tensor"):
        return f"data shape base {value.get('base')!r} is not scalar, list or tensor"
    if not isinstance(value.get("isNullable"), bool):
        return "data shape needs a boolean isNullable (a required member)"
    if "tensorShape" in value:
        return _dimensions_problem(value["tensorShape"], "tensorShape")[1]
    return None


def _tensor_problem(raw: Any, vtype: ValueType) -> str | None:
    if not isinstance(raw, dict):
        return f"{raw!r} is not a tensor object"
    present = [base for base in TENSOR_BASES if base in raw]
    if not present:
        return "has no values array (JsonSupport: \"Invalid tensor\")"
    if present[0] != vtype.base:
        return f"is a {present[0]} tensor; the reader expects {vtype.base}"
    values = raw[present[0]]
    if not isinstance(values, list):
        return "tensor values are not an array"
    bad = next((p for p in (_element_problem(vtype.base, v, vtype) for v in values) if p), None)
    if bad:
        return f"tensor value {bad}"
    if "shape" not in raw:
        return "tensor has no shape (a required member)"
    sizes, problem = _dimensions_problem(raw["shape"], "tensor shape")
    if problem or sizes is None:
        return problem
    if len(sizes) < vtype.dims:
        return f"tensor has {len(sizes)} dimension(s); the reader indexes {vtype.dims}"
    if vtype.dims >= 2 and math.prod(sizes) != len(values):
        return f"tensor shape {sizes} does not hold {len(values)} values"
    return None


def value_problem(attr: Attr, raw: Any) -> str | None:
    """Why ``raw`` is not what the attribute's getter reads (None when it is)."""
    vtype = attr.type
    if not isinstance(raw, dict):
        return f"is not an MLeap value object: {raw!r}"
    kind = raw.get("type")
    if kind not in (None, "list", "tensor"):
        return f"has type {kind!r}; JsonSupport knows only list and tensor (\"invalid type\")"
    if vtype.base == "any":
        return None
    expected = "scalar" if kind is None else kind
    if expected != vtype.container:
        return f"is a {expected}; the getter reads {vtype.describe()}"
    if vtype.container == "tensor":
        return _tensor_problem(raw, vtype)
    if vtype.base not in raw:
        others = [k for k in raw if k in _SCALAR_KEYS and (vtype.container == "scalar" or raw[k])]
        if others:
            return (f"holds {others[0]!r} but the getter reads {vtype.base!r}, so MLeap would see the default "
                    f"(0, false, \"\" or an empty list); write {vtype.describe()}")
        return None  # the Scala writer's omission of zero/false/empty: reads the default
    if vtype.container == "list":
        values = raw[vtype.base]
        if not isinstance(values, list):
            return f"{vtype.base!r} is not an array"
        bad = next((p for p in (_element_problem(vtype.base, v, vtype) for v in values) if p), None)
        return f"element {bad}" if bad else None
    value = raw[vtype.base]
    bad = _element_problem(vtype.base, value, vtype)
    if bad:
        return bad
    if attr.choices and value not in attr.choices:
        return f"{value!r} is not one of {', '.join(attr.choices)}"
    return None


# ----------------------------------------------------------------------------- trees


def _split_problem(split: Any) -> str | None:
    if not isinstance(split, dict):
        return "internal node has no split object"
    kind = split.get("type")
    if kind == "continuous":  # jsonFormat2(featureIndex, threshold)
        if not isinstance(split.get("featureIndex"), int) or not (_is_number(split.get("threshold"))
                                                                   or split.get("threshold") is None):
            return "continuous split needs an integer featureIndex and a number threshold"
        return None
    if kind == "categorical":  # jsonFormat4(featureIndex, isLeft, numCategories, categories)
        ok = (isinstance(split.get("featureIndex"), int) and isinstance(split.get("isLeft"), bool)
              and isinstance(split.get("numCategories"), int) and isinstance(split.get("categories"), list)
              and all(_is_number(c) for c in split["categories"]))
        return None if ok else "categorical split needs featureIndex, isLeft, numCategories and categories"
    return f"split type {kind!r} is not continuous or categorical"


def _decision_tree_problems(lines: list[str], leaf_size: int | None) -> list[str]:
    """TreeSerializer.read: pre-order lines; an internal node is followed by its two subtrees."""
    needed, index = 1, 0
    while needed:
        if index >= len(lines):
            return [f"ends after {index} line(s) with {needed} subtree(s) still to read"]
        node, error = _parse_json(lines[index].encode())
        index += 1
        needed -= 1
        if error:
            return [f"line {index} {error}"]
        kind = node.get("type") if isinstance(node, dict) else None
        if kind == "internal":
            problem = _split_problem(node.get("split"))
            if problem:
                return [f"line {index}: {problem}"]
            needed += 2
        elif kind == "leaf":
            values = node.get("values")
            if not isinstance(values, list) or not all(_is_number(v) for v in values):
                return [f"line {index}: leaf needs a values array of numbers"]
            if leaf_size is not None and len(values) != leaf_size:
                return [f"line {index}: leaf has {len(values)} values but num_classes is {leaf_size}"]
        else:
            return [f"line {index}: node type {kind!r} is not internal or leaf"]
    return []


def _cluster_tree_problems(lines: list[str]) -> list[str]:
    """cluster NodeSerializer.read: each node (index, norm, values, numChildren) precedes its children."""
    needed, index = 1, 0
    while needed:
        if index >= len(lines):
            return [f"ends after {index} line(s) with {needed} node(s) still to read"]
        node, error = _parse_json(lines[index].encode())
        index += 1
        needed -= 1
        if error:
            return [f"line {index} {error}"]
        ok = (isinstance(node, dict) and isinstance(node.get("index"), int) and _is_number(node.get("norm"))
              and isinstance(node.get("values"), list) and isinstance(node.get("numChildren"), int))
        if not ok:
            return [f"line {index}: needs index, norm, values and numChildren"]
        needed += node["numChildren"]
    return []


# ----------------------------------------------------------------------------- the walk


class _Walk:
    def __init__(self, files: _Files) -> None:
        self.files = files
        self.problems: list[Problem] = []

    def add(self, path: str, node: str, op: str, fld: str, message: str, source: str) -> None:
        self.problems.append(Problem(path, node, op, fld, message, source))

    def json_file(self, relative: str, node: str, op: str, source: str) -> Any:
        data = self.files.read(relative)
        if data is None:
            if self.files.exists(str(PurePosixPath(relative).with_suffix(".pb"))):
                self.add(relative, node, op, PurePosixPath(relative).name, "is protobuf; only JSON bundles are "
                         "checked", source)
            else:
                self.add(str(PurePosixPath(relative).parent), node, op, PurePosixPath(relative).name, "is missing",
                         source)
            return None
        document, error = _parse_json(data)
        if error:
            self.add(relative, node, op, PurePosixPath(relative).name, error, SPRAY_JSON)
        return document

    def bundle_info(self) -> bool:
        info = self.json_file("bundle.json", "", "", BUNDLE_FILE_SOURCE)
        if not isinstance(info, dict):
            if info is not None:
                self.add("bundle.json", "", "", "bundle.json", "is not a JSON object", BUNDLE_FILE_SOURCE)
            return False
        for key in ("uid", "name", "format", "version", "timestamp"):  # jsonFormat6(Bundle): required members
            if not isinstance(info.get(key), str):
                self.add("bundle.json", "", "", key, "is a required string member", JSON_SUPPORT)
        try:
            uuid.UUID(str(info.get("uid")))
        except ValueError:
            self.add("bundle.json", "", "", "uid", f"{info.get('uid')!r} is not a UUID (UUID.fromString)",
                     BUNDLE_INFO_SOURCE)
        if info.get("format") == "protobuf":
            self.add("bundle.json", "", "", "format", "protobuf bundles are not checked (serialize as json)",
                     JSON_SUPPORT)
            return False
        if info.get("format") != "json":
            self.add("bundle.json", "", "", "format", f"{info.get('format')!r} is not json or protobuf", JSON_SUPPORT)
            return False
        return True

    def node(self, directory: str) -> None:
        node = self.json_file(f"{directory}/node.json", "", "", NODE_SERIALIZER)
        model = self.json_file(f"{directory}/model.json", "", "", NODE_SERIALIZER)
        name = node.get("name", "") if isinstance(node, dict) else ""
        inputs, outputs = self.shape(directory, node, name)
        if not isinstance(model, dict):
            return
        if self.own_op(directory, name, model, inputs, outputs):
            return
        rule = self.rule_for(directory, name, model)
        if rule is None:
            return
        attributes = self.model(directory, name, rule, model)
        facts = NodeFacts(name, rule.op, attributes, tuple(inputs), tuple(outputs),
                          lambda rel: self.files.exists(f"{directory}/{rel}"))
        for port_kind, spec, present in (("input", rule.inputs, inputs), ("output", rule.outputs, outputs)):
            for fld, message in _port_problems(spec, present, attributes, port_kind):
                self.add(directory, name, rule.op, fld, message, rule.core or TRANSFORMER_SOURCE)
        for check in rule.checks:
            for fld, message in check.run(facts):
                self.add(directory, name, rule.op, fld, message, check.source or rule.source)
        if rule.op == "pipeline":
            for child in facts.string_list("nodes"):
                self.node(f"{directory}/{child}.node")

    def shape(self, directory: str, node: Any, name: str) -> tuple[list[str], list[str]]:
        if not isinstance(node, dict):
            return [], []
        if not isinstance(node.get("name"), str):
            self.add(directory, name, "", "name", "node.json needs a string name", JSON_SUPPORT)
        shape = node.get("shape")
        ports: dict[str, list[str]] = {"inputs": [], "outputs": []}
        if not isinstance(shape, dict):
            self.add(directory, name, "", "shape", "node.json needs a shape", NODE_SERIALIZER)
            return [], []
        for key in ports:
            sockets = shape.get(key)
            if not isinstance(sockets, list):
                self.add(directory, name, "", f"shape.{key}", "is a required array", JSON_SUPPORT)
                continue
            for socket in sockets:  # Socket is jsonFormat2(port, name)
                if not isinstance(socket, dict) or not all(isinstance(socket.get(k), str) for k in ("port", "name")):
                    self.add(directory, name, "", f"shape.{key}", f"socket {socket!r} needs string port and name",
                             JSON_SUPPORT)
                else:
                    ports[key].append(socket["port"])
        return ports["inputs"], ports["outputs"]

    def own_op(self, directory: str, name: str, model: dict[str, Any], inputs: list[str], outputs: list[str]) -> bool:
        """One of inference-pipeline's own ops: the JVM refuses it; report it naming the op and the fields."""
        own = OWN_OPS.get(model.get("op"))  # type: ignore[arg-type]
        if own is None:
            return False
        raw = model.get("attributes")
        attributes: dict[str, Any] = raw if isinstance(raw, dict) else {}
        facts = NodeFacts(name, own.op, attributes, tuple(inputs), tuple(outputs),
                          lambda rel: self.files.exists(f"{directory}/{rel}"))
        for fld, detail in own.fields(facts):
            self.add(directory, name, own.op, fld, f"{detail}; {not_jvm_loadable_message(own)}", REGISTRY_SOURCE)
        return True

    def rule_for(self, directory: str, name: str, model: dict[str, Any]) -> OpRule | None:
        op = model.get("op")
        if not isinstance(op, str):
            self.add(directory, name, "", "op", "model.json needs a string op", JSON_SUPPORT)
            return None
        rule = RULES.get(op)
        if rule is None:
            self.add(directory, name, op, "op", f"{op!r} is not an op MLeap {MLEAP_JVM_VERSION} registers",
                     REGISTRY_SOURCE)
        return rule

    def model(self, directory: str, name: str, rule: OpRule, model: dict[str, Any]) -> dict[str, Any]:
        """Attributes, files and sub-models of one model.json (a node's or an ensemble member's)."""
        attributes = model.get("attributes") or {}
        if not isinstance(attributes, dict):
            self.add(directory, name, rule.op, "attributes", "is not an object", JSON_SUPPORT)
            return {}
        for attr in rule.attributes:
            if attr.name not in attributes:
                if attr.required:
                    self.add(directory, name, rule.op, attr.name, f"is missing (model.value reads {attr.type.describe()})",
                             rule.attr_source(attr))
                continue
            problem = value_problem(attr, attributes[attr.name])
            if problem:
                self.add(directory, name, rule.op, attr.name, problem, rule.attr_source(attr))
        for file_name in rule.files:
            self.tree_file(directory, name, rule, file_name, attributes)
        if rule.sub_models:
            raw = attributes.get(rule.sub_models)
            members = raw.get("string", []) if isinstance(raw, dict) else []
            for member in members:
                self.sub_model(f"{directory}/{member}", name, rule)
        if rule.op == "one_vs_rest":
            count = attributes.get("num_classes", {}).get("long", 0) if isinstance(attributes.get("num_classes"), dict) else 0
            for i in range(int(count) if _is_number(count) else 0):
                if self.files.exists(f"{directory}/model{i}/model.json"):
                    self.sub_model(f"{directory}/model{i}", name, rule)
        return attributes

    def sub_model(self, directory: str, owner: str, rule: OpRule) -> None:
        model = self.json_file(f"{directory}/model.json", owner, rule.op, rule.source)
        if not isinstance(model, dict):
            return
        member_rule = self.rule_for(directory, owner, model)
        if member_rule is None:
            return
        if rule.sub_model_ops and member_rule.op not in rule.sub_model_ops:
            self.add(directory, owner, rule.op, "op", f"member op {member_rule.op!r}; the reader casts to "
                     f"{' or '.join(rule.sub_model_ops)}", rule.source)
        self.model(directory, owner, member_rule, model)

    def tree_file(self, directory: str, name: str, rule: OpRule, file_name: str, attributes: dict[str, Any]) -> None:
        data = self.files.read(f"{directory}/{file_name}")
        source = TREE_SERIALIZER if rule.tree == "decision" else CLUSTER_TREE_SERIALIZER
        if data is None:
            self.add(directory, name, rule.op, file_name, "is missing", source)
            return
        lines = data.decode("utf-8", errors="replace").split("\n")
        if rule.tree == "decision":
            classes = attributes.get("num_classes", {})
            leaf_size = classes.get("long") if isinstance(classes, dict) and rule.op == "decision_tree_classifier" else None
            problems = _decision_tree_problems(lines, int(leaf_size) if isinstance(leaf_size, (int, float)) else None)
            source = TREE_JSON_SOURCE if problems and "split" in problems[0] else source
        else:
            problems = _cluster_tree_problems(lines)
        for message in problems:
            self.add(directory, name, rule.op, file_name, message, source)


def _indexed_count(attributes: dict[str, Any], key: str) -> int:
    raw = attributes.get(key)
    if not isinstance(raw, dict):
        return 0
    if raw.get("type") == "list":
        arrays = [v for k, v in raw.items() if k != "type" and isinstance(v, list)]
        return len(arrays[0]) if arrays else 0
    value = raw.get("int", raw.get("long", 0))
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _port_problems(spec: Ports, present: list[str], attributes: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    if spec.unconstrained:
        return []
    needed = list(spec.fixed)
    if spec.indexed_by:
        needed += [f"{spec.prefix}{i}" for i in range(_indexed_count(attributes, spec.indexed_by))]
    problems = [(f"{port} port", f"{kind} port is required (shape.{kind}(\"{port}\"))")
                for port in needed if port not in present]
    if spec.any_of and not any(port in present for port in spec.any_of):
        problems.append((f"{kind}s", f"needs at least one of the ports {', '.join(spec.any_of)}"))
    known = set(needed) | set(spec.any_of) | set(spec.allowed)
    indexed = re.compile(rf"{re.escape(spec.prefix)}\d+") if spec.allow_indexed else None
    for port in present:
        if port not in known and not (indexed and indexed.fullmatch(port)):
            expected = ", ".join(sorted(known)) or "indexed ports"
            problems.append((f"{port} port", f"MLeap {MLEAP_JVM_VERSION} does not read this {kind} port "
                                             f"(its model's ports: {expected}); the column would be ignored"))
    return problems


def check_bundle(path: str | Path) -> list[Problem]:
    """Every way the bundle at ``path`` (dir, .zip or .tar.gz) breaks a rule of MLeap 0.20's loader."""
    files, problems = _open(Path(path))
    if files is None:
        return problems
    walk = _Walk(files)
    walk.problems.extend(problems)
    if walk.bundle_info():
        walk.node("root")
    return walk.problems


def format_problems(problems: list[Problem], *, bundle: str | Path | None = None) -> str:
    """One line per problem, or a one-line all-clear; ``bundle`` names the checked path."""
    label = f"{bundle}: " if bundle is not None else ""
    if not problems:
        return f"{label}no problems: MLeap {MLEAP_JVM_VERSION}'s loader accepts this bundle"
    lines = [f"{label}{len(problems)} problem(s) for MLeap {MLEAP_JVM_VERSION}'s loader:"]
    lines += [f"  - {problem}" for problem in problems]
    return "\n".join(lines)


__all__ = ["Problem", "check_bundle", "format_problems", "value_problem"]
