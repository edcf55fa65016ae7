"""Reading and writing MLeap bundles (JSON serialization), dir / zip / tar.gz layouts.

A bundle is ``bundle.json`` + ``root/`` (``node.json``, ``model.json``, and one
``<child>.node/`` directory per pipeline child listed in the ``nodes`` attribute). AWS's
SageMaker examples tar the directory contents so ``bundle.json`` sits at the top of
``model.tar.gz``; SageMaker unpacks that into ``/opt/ml/model``.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from inference_pipeline.archives import ArtifactError, extract_artifact, extract_zip
from inference_pipeline.mleap.attributes import attr_list_string, decode_attributes, dumps_json
from inference_pipeline.mleap.frame import FrameError, LeapFrame
from inference_pipeline.mleap.ops import base as ops_base
from inference_pipeline.mleap.ops.base import NodeShape, Op, OpContext, OpError

MLEAP_VERSION = "0.23.0"


class BundleError(ValueError):
    """The bundle cannot be read; the message names the file or node."""


@dataclass
class NodeSpec:
    """One node to write: op, encoded attributes, ports, children (pipelines), extra files."""

    name: str
    op: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: list[tuple[str, str]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)
    children: list[NodeSpec] = field(default_factory=list)
    extra_files: dict[str, bytes] = field(default_factory=dict)


# ----------------------------------------------------------------------------- writing


def _write_node(node: NodeSpec, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    attributes = dict(node.attributes)
    if node.op == "pipeline":
        attributes["nodes"] = attr_list_string([child.name for child in node.children])
    # dumps_json: ±inf doubles as ±1.0E309 literals (spray-json has no Infinity token).
    (directory / "model.json").write_text(dumps_json({"op": node.op, "attributes": attributes}))
    shape = {"inputs": [{"port": p, "name": n} for p, n in node.inputs],
             "outputs": [{"port": p, "name": n} for p, n in node.outputs]}
    (directory / "node.json").write_text(json.dumps({"name": node.name, "shape": shape}, indent=2))
    for relative, payload in node.extra_files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
    for child in node.children:
        _write_node(child, directory / f"{child.name}.node")


def _write_tree(root: NodeSpec, directory: Path, name: str | None,
                extra_root_files: dict[str, bytes] | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    bundle_json = {"uid": str(uuid.uuid4()), "name": name or root.name, "format": "json",
                   "version": MLEAP_VERSION, "timestamp": datetime.now().isoformat(timespec="milliseconds")}
    (directory / "bundle.json").write_text(json.dumps(bundle_json, indent=2))
    _write_node(root, directory / "root")
    for relative, payload in (extra_root_files or {}).items():
        (directory / relative).write_bytes(payload)


def write_bundle(root: NodeSpec, dest: Path, *, name: str | None = None,
                 archive: Literal["dir", "zip", "tar.gz"] = "dir",
                 extra_root_files: dict[str, bytes] | None = None) -> Path:
    """Write a bundle as a directory, a zip, or a model.tar.gz with bundle.json at the top."""
    dest = Path(dest)
    if archive == "dir":
        _write_tree(root, dest, name, extra_root_files)
        return dest
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "bundle"
        _write_tree(root, staging, name, extra_root_files)
        dest.parent.mkdir(parents=True, exist_ok=True)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        if archive == "zip":
            with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in files:
                    zf.write(path, path.relative_to(staging).as_posix())
        elif archive == "tar.gz":
            with tarfile.open(dest, "w:gz") as tf:
                for path in files:
                    tf.add(path, arcname=path.relative_to(staging).as_posix())
        else:
            raise ValueError(f"archive must be dir, zip or tar.gz, not {archive!r}")
    return dest


# ----------------------------------------------------------------------------- reading


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if path.with_suffix(".pb").is_file():
            raise BundleError(f"{path.with_suffix('.pb')}: protobuf-serialized bundles are not supported; "
                              "serialize with format json") from None
        raise BundleError(f"{path} is missing") from None
    except json.JSONDecodeError as exc:
        raise BundleError(f"{path} is not valid JSON: {exc}") from None


def _shape(raw: dict[str, Any]) -> NodeShape:
    shape = raw.get("shape") or {}
    ports = lambda key: tuple((p["port"], p["name"]) for p in shape.get(key, []))  # noqa: E731
    return NodeShape(ports("inputs"), ports("outputs"))


def load_op(node_dir: Path) -> Op:
    """Build the op of one node directory (recursively for pipelines)."""
    node = _read_json(node_dir / "node.json")
    model = _read_json(node_dir / "model.json")
    op_name = model.get("op")
    if not isinstance(op_name, str):
        raise BundleError(f"{node_dir / 'model.json'} has no op name")
    cls = ops_base.op_class(op_name)
    try:
        attributes = decode_attributes(model.get("attributes"))
        return cls(node.get("name", node_dir.name), attributes, _shape(node), OpContext(node_dir, node.get("name", "")))
    except (ops_base.UnsupportedOpError, BundleError):
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise BundleError(f"{op_name} node {node.get('name', node_dir.name)!r}: {exc}") from exc


class Bundle:
    """A loaded bundle: ``transform`` runs the root op over a frame of columns."""

    def __init__(self, source: Path, meta: dict[str, Any], root: Op) -> None:
        #: What was loaded: a bundle directory or archive.
        self.source = source
        self.meta = meta
        self.root = root
        self._needed = needed_by(root)
        self._inputs = list(self._needed)
        self.row_capable = bool(getattr(root, "row_capable", root.supports_row))

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.root.name))

    @property
    def input_columns(self) -> list[str]:
        """Columns the bundle needs from the caller (those no op produces)."""
        return list(self._inputs)

    def transform(self, data: Any) -> LeapFrame:
        if isinstance(data, LeapFrame):
            frame = data
        elif hasattr(data, "columns") and hasattr(data, "to_dict"):  # a pandas DataFrame
            frame = LeapFrame.from_pandas(data)
        else:
            frame = LeapFrame.from_dict(data)
        message = _missing_message(self._needed, frame)
        if message:
            raise FrameError(message)
        return self.root.transform(frame)

    def transform_row(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """One row of Python values in, the row with every output out (None if it was skipped).

        Uses the ops' numpy-free row path when every op has one (microseconds per row, like
        MLeap's RowTransformer); otherwise a one-row frame.
        """
        message = _missing_message(self._needed, row)
        if message:
            raise FrameError(message)
        if self.row_capable:
            out = dict(row)
            return out if self.root.transform_row(out) else None
        frame = self.root.transform(LeapFrame.from_dict({k: [v] for k, v in row.items()}))
        if frame.n_rows == 0:
            return None
        return {k: v[0] for k, v in frame.to_dict().items()}


def required_inputs(op: Op) -> list[str]:
    """Columns ``op`` needs from its caller (those no earlier op in a pipeline produces)."""
    return list(needed_by(op))


def needed_by(op: Op) -> dict[str, str]:
    """Each caller-supplied column, mapped to the label of the first op that reads it."""
    children = getattr(op, "children", None)
    if children is None:
        return {column: op.label for column in op.input_columns}
    needed: dict[str, str] = {}
    produced: set[str] = set()
    for child in children:
        for column, label in needed_by(child).items():
            if column not in produced and column not in needed:
                needed[column] = label
        produced |= _produced(child)
    return needed


def _produced(op: Op) -> set[str]:
    children = getattr(op, "children", None)
    if children is None:
        return set(op.output_columns)
    out: set[str] = set()
    for child in children:
        out |= _produced(child)
    return out


def _missing_message(needed: dict[str, str], present: Any) -> str | None:
    missing = [column for column in needed if column not in present]
    if not missing:
        return None
    details = "; ".join(f"{column!r} (needed by {needed[column]})" for column in missing)
    return f"input column(s) missing: {details}; the bundle needs {', '.join(needed)}"


def _bundle_root(path: Path, workdir: Path) -> Path:
    if path.is_dir():
        if (path / "bundle.json").is_file():
            return path
        zips = sorted(path.glob("*.zip"))
        if len(zips) == 1 and not (path / "root").exists():
            return _bundle_root(zips[0], workdir)
        raise BundleError(f"{path} has no bundle.json (expected bundle.json + root/, or exactly one .zip)")
    if path.suffix == ".zip" or path.name.endswith((".tar.gz", ".tgz")):
        try:
            if path.suffix == ".zip":
                extract_zip(path, workdir, label="bundle")
            else:
                extract_artifact(path, workdir)
        except ArtifactError as exc:
            raise BundleError(str(exc)) from None
        return _bundle_root(workdir, workdir / "_")
    raise BundleError(f"{path} is not a bundle directory, .zip or .tar.gz")


def load_bundle(path: str | Path) -> Bundle:
    """Load a bundle directory, ``.zip``, ``.tar.gz``, or a directory holding exactly one zip.

    Archives are extracted into a temporary directory that is removed once the ops are built
    (ops read every file at load time).
    """
    path = Path(path)
    if not path.exists():
        raise BundleError(f"{path} does not exist")
    with tempfile.TemporaryDirectory(prefix="mleap-bundle-") as workdir:
        root_dir = _bundle_root(path, Path(workdir))
        meta = _read_json(root_dir / "bundle.json")
        if meta.get("format", "json") != "json":
            raise BundleError(f"{root_dir / 'bundle.json'}: format {meta.get('format')!r} is not supported; "
                              "serialize the bundle with format json")
        return Bundle(path, meta, load_op(root_dir / "root"))


__all__ = ["Bundle", "BundleError", "NodeSpec", "OpError", "load_bundle", "load_op", "write_bundle"]


