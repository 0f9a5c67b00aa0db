"""The top level: ModelSpec with its inputs, a body or a graph of named nodes, and outputs."""

from __future__ import annotations

from typing import Any

import attrs

from .base import Block, _accept_positional
from .compose import BLOCK
from .errors import SpecError
from .rules import (
    POSITIVE,
    Bool,
    Either,
    Instance,
    MapOf,
    Maybe,
    Name,
    OneOf,
    Rule,
    TupleOf,
    field,
)
from .rules import closest as _closest
from .train import TrainSpec

DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "bool")


@attrs.frozen(kw_only=True)
class InputSpec:
    """A model input: its shape without the batch axis (null for unknown sizes) and dtype."""

    shape: tuple[int | None, ...] = field(TupleOf(Maybe(POSITIVE), 1), doc="shape without the batch axis")
    dtype: str = field(OneOf(*DTYPES), "float32", "element type")


_accept_positional(InputSpec, ("shape", "dtype"))


def _as_inputs(value: Any) -> Any:
    """Inputs given in Python as shapes: ``{"x": (28, 28, 1)}``."""
    if not isinstance(value, dict):
        return value
    return {k: InputSpec(shape=tuple(v)) if isinstance(v, list | tuple) else v for k, v in value.items()}


class Ref(Rule):
    """A reference to a node: ``name``, or ``name.states`` for a node's final recurrent states."""

    describe = "a node name, or name.states"
    schema = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.states)?$"}

    def problem(self, value: object) -> tuple[str, str] | None:
        if not isinstance(value, str):
            return self.bad(value)
        name, _, suffix = value.partition(".")
        ok = Name().problem(name) is None and suffix in ("", "states")
        return None if ok else self.bad(value)


REFS = Either(Ref(), TupleOf(Ref(), 1))


@attrs.frozen(kw_only=True)
class Node:
    """A graph node: the block applied to the nodes it reads.

    ``share: other`` applies node ``other``'s layers (same weights) to this node's inputs.
    ``initial_state`` and ``return_state`` connect recurrent layers (encoder-decoder)."""

    from_: str | tuple[str, ...] = field(REFS, alias="from_", doc="node(s) or input(s) read")
    block: Block | None = field(Maybe(BLOCK), None, "the block (null with share)")
    share: str | None = field(Maybe(Name()), None, "reuse this node's layers and weights")
    initial_state: tuple[str, ...] = field(TupleOf(Ref()), (), "initial recurrent states")
    return_state: bool = field(Bool(), False, "also expose final states as name.states")

    def __attrs_post_init__(self) -> None:
        if (self.block is None) == (self.share is None):
            raise SpecError("block", "a node needs exactly one of block and share")

    def reads(self) -> tuple[str, ...]:
        return (self.from_,) if isinstance(self.from_, str) else self.from_


@attrs.frozen(kw_only=True)
class Output:
    """A model output: a node, optionally followed by a head block."""

    from_: str = field(Ref(), alias="from_", doc="node or input read")
    block: Block | None = field(Maybe(BLOCK), None, "head applied to it")


@attrs.frozen(kw_only=True)
class ModelSpec:
    """A whole model: inputs, then either a ``body`` (one input) or a graph of ``nodes``."""

    name: str = field(Name(), doc="model name")
    inputs: dict[str, InputSpec] = field(MapOf(Instance(InputSpec, "an input such as {shape: [28, 28, 1]}"), 1),
                                         doc="named inputs", converter=_as_inputs)
    body: Block | None = field(Maybe(BLOCK), None, "the tree applied to the single input")
    nodes: dict[str, Node] = field(MapOf(Instance(Node, "a node")), attrs.Factory(dict),
                                   "named graph nodes, in any order")
    outputs: dict[str, Output] = field(MapOf(Instance(Output, "an output")), attrs.Factory(dict),
                                       "named outputs (graph models)")
    train: TrainSpec | None = field(
        Maybe(Instance(TrainSpec, "a train section", lambda: {"$ref": "#/$defs/TrainSpec"})),
        None, "how to train the model (optimizer, losses, metrics, callbacks)")

    def __attrs_post_init__(self) -> None:
        if (self.body is None) == (not self.nodes):
            raise SpecError("body", "a model needs either a body or nodes, not both")
        if self.body is not None:
            if len(self.inputs) != 1:
                raise SpecError("inputs", f"a body model takes one input, got {len(self.inputs)}; "
                                "use nodes for several")
            if self.outputs:
                raise SpecError("outputs", "a body model's output is its body; use nodes for named outputs")
        else:
            if not self.outputs:
                raise SpecError("outputs", "a graph model needs at least one output")
            self.order()

    def order(self) -> list[str]:
        """Node names in an order where each node comes after what it reads."""
        clash = set(self.inputs) & set(self.nodes)
        if clash:
            raise SpecError(f"nodes.{sorted(clash)[0]}", "a node cannot have an input's name")
        known = list(self.inputs) + list(self.nodes)
        for name, node in self.nodes.items():
            refs = [("from", r) for r in node.reads()] + [("initial_state", r) for r in node.initial_state]
            if node.share is not None:
                refs.append(("share", node.share))
            for key, ref in refs:
                target, _, states = ref.partition(".")
                if target not in self.inputs and target not in self.nodes:
                    raise SpecError(f"nodes.{name}.{key}", f"unknown node '{target}'.{_closest(target, known)}")
                if states and not (target in self.nodes and self.nodes[target].return_state):
                    raise SpecError(f"nodes.{name}.{key}",
                                    f"'{ref}' needs node '{target}' to set return_state: true")
            if node.share is not None and self.nodes.get(node.share, node).share is not None:
                raise SpecError(f"nodes.{name}.share", f"'{node.share}' must be a node with its own block")
        for name, out in self.outputs.items():
            if out.from_.partition(".")[0] not in self.inputs | self.nodes:
                raise SpecError(f"outputs.{name}.from", f"unknown node '{out.from_}'.{_closest(out.from_, known)}")
        return _toposort(self)


def _toposort(spec: ModelSpec) -> list[str]:
    """Depth-first order without recursion, so long graphs need no deep stack."""
    done: dict[str, None] = {}
    for root in spec.nodes:
        path: dict[str, None] = {}  # the nodes being visited, in order
        stack = [(root, iter(_reads(spec, root)))]
        while stack:
            name, pending = stack[-1]
            path.setdefault(name)
            ref = next((r for r in pending if r not in done and r not in spec.inputs), None)
            if ref is None:
                stack.pop()
                path.pop(name)
                done.setdefault(name)
            elif ref in path:
                cycle = [*list(path)[list(path).index(ref):], ref]
                raise SpecError(f"nodes.{ref}", "the graph has a cycle: " + " -> ".join(cycle))
            else:
                stack.append((ref, iter(_reads(spec, ref))))
    return list(done)


def _reads(spec: ModelSpec, name: str) -> list[str]:
    node = spec.nodes[name]
    refs = (*node.reads(), *node.initial_state, *([node.share] if node.share else []))
    return [ref.partition(".")[0] for ref in refs]
