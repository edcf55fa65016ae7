"""The op interface and registry of the MLeap runtime.

An op module registers its classes with ``@register_op("<mleap op name>")``. A class is
built at LOAD time from the node's decoded attributes and shape, so a bad or unsupported
bundle fails before any request; at request time ``transform(frame)`` adds the op's output
columns to the frame (or filters its rows) in one vectorised pass.

The interface (see ``Op``)::

    @register_op("my_op")                      # the model.json "op" name(s)
    class MyOp(Op):                            # or SingleColumnOp for input -> output ops
        def __init__(self, name, attributes, shape: NodeShape, context: OpContext): ...
        input_columns: list[str]               # defaults: the node.json port columns
        output_columns: list[str]
        def transform(self, frame: LeapFrame) -> LeapFrame: ...
        supports_row = True                    # optional numpy-free single-row path:
        def transform_row(self, row: dict) -> bool: ...

``attributes`` are already decoded (``attributes.decode_attributes``; read them with the
``get_*`` helpers, which map the Scala writer's ``{}`` to false/0/""). Raise ``ValueError``
in ``__init__`` for a bad model (the loader names the node) and ``OpError`` in ``transform``
for bad input. ``Op.from_model(attributes, node, bundle_dir)`` builds an op without a bundle.

To add ops: write a module under ``mleap/ops/``, decorate the classes, and import the module
explicitly in ``mleap/ops/__init__.py`` (no try/except: a broken module must fail loudly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from inference_pipeline.mleap.frame import LeapFrame


class UnsupportedOpError(ValueError):
    """A bundle names an op this runtime does not implement."""


class OpError(ValueError):
    """An op cannot run on this input (e.g. an unseen label with handleInvalid=error)."""


@dataclass(frozen=True)
class NodeShape:
    """node.json's shape: (port, column name) pairs in file order."""

    inputs: tuple[tuple[str, str], ...] = ()
    outputs: tuple[tuple[str, str], ...] = ()

    def input(self, port: str) -> str | None:
        return dict(self.inputs).get(port)

    def require_input(self, port: str) -> str:
        """The column of input ``port``; ValueError (a bad bundle) when node.json lacks it."""
        column = self.input(port)
        if column is None:
            raise ValueError(f"node.json has no {port!r} input port")
        return column

    def output(self, port: str) -> str | None:
        return dict(self.outputs).get(port)

    def indexed_inputs(self, prefix: str = "input") -> list[str]:
        """Columns of ``input0..inputN`` in index order, or the single legacy ``input`` port."""
        return _indexed(self.inputs, prefix)

    def indexed_outputs(self, prefix: str = "output") -> list[str]:
        return _indexed(self.outputs, prefix)


def _indexed(ports: tuple[tuple[str, str], ...], prefix: str) -> list[str]:
    numbered = sorted(((int(port[len(prefix):]), name) for port, name in ports
                       if port.startswith(prefix) and port[len(prefix):].isdigit()))
    if numbered:
        return [name for _, name in numbered]
    return [name for port, name in ports if port == prefix]


@dataclass
class OpContext:
    """What an op may need at load time besides its attributes (its directory in the bundle)."""

    node_dir: Path
    name: str
    extra: dict[str, Any] = field(default_factory=dict)


class Op:
    """Base class of every op."""

    op_name: ClassVar[str] = ""

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        self.name = name
        self.attributes = attributes
        self.shape = shape
        self.context = context

    @classmethod
    def from_model(cls, attributes: dict[str, Any], node: NodeShape, bundle_dir: Path, name: str = "") -> Op:
        """Build from decoded attributes, the node's shape and its directory (tree files live there)."""
        return cls(name or cls.op_name, attributes, node, OpContext(Path(bundle_dir), name))

    @property
    def label(self) -> str:
        return f"{self.op_name} {self.name!r}"

    @property
    def input_columns(self) -> list[str]:
        return [column for _, column in self.shape.inputs]

    @property
    def output_columns(self) -> list[str]:
        return [column for _, column in self.shape.outputs]

    def transform(self, frame: LeapFrame) -> LeapFrame:
        raise NotImplementedError

    #: Ops that implement ``transform_row`` serve single rows without numpy (like MLeap's
    #: RowTransformer): a 1-row request then costs microseconds instead of array set-up.
    supports_row: ClassVar[bool] = False

    def transform_row(self, row: dict[str, Any]) -> bool:
        """Add this op's outputs to ``row`` (Python scalars; vectors as lists of floats).

        Returns False when the row is dropped (handleInvalid=skip).
        """
        raise NotImplementedError


class SingleColumnOp(Op):
    """An op reading one column (port ``input``, or ``input0``) and writing one (``output``)."""

    def __init__(self, name: str, attributes: dict[str, Any], shape: NodeShape, context: OpContext) -> None:
        super().__init__(name, attributes, shape, context)
        inputs, outputs = shape.indexed_inputs(), shape.indexed_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(f"node.json must have one input and one output port, has "
                             f"{[p for p, _ in shape.inputs]} -> {[p for p, _ in shape.outputs]}")
        self.input, self.output = inputs[0], outputs[0]


_OPS: dict[str, type[Op]] = {}
T = TypeVar("T", bound=type[Op])


def register_op(*names: str) -> Callable[[T], T]:
    def decorate(cls: T) -> T:
        for name in names:
            _OPS[name] = cls
        if not cls.op_name:
            cls.op_name = names[0]
        return cls

    return decorate


def supported_ops() -> list[str]:
    return sorted(_OPS)


def op_class(name: str) -> type[Op]:
    try:
        return _OPS[name]
    except KeyError:
        raise UnsupportedOpError(f"op {name!r} is not supported; supported ops: {', '.join(supported_ops())}") from None
