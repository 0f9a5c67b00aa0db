"""The one walk over a spec tree or graph, run by an interpreter (static shapes or Keras tensors).

All composition logic lives here: chains, parallel branches, residuals, time_distributed,
stacks (expanded into their layers), graph nodes with sharing and recurrent states, outputs.
Interpreters only apply leaf layers, wrap time_distributed sub-trees and note results.
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

import attrs

from ..specs import (
    Block,
    Chain,
    Merge,
    ModelSpec,
    Parallel,
    Residual,
    SpecError,
    TimeDistributed,
)
from ..specs.convert import default_of
from ..specs.errors import join_path
from ..specs.recurrent import Recurrent

V = TypeVar("V")


class Interpreter(Protocol[V]):
    """What the walk needs from an interpreter whose values are of type V."""

    def input(self, name: str, spec: Any) -> V: ...

    def leaf(self, spec: Block, path: str, ins: list[V], states: list[V], return_state: bool) -> list[V]: ...

    def time_distributed(self, spec: TimeDistributed, path: str, x: V, inner: Any) -> V: ...

    def enter(self, spec: Block, path: str) -> None: ...

    def note(self, spec: Block, path: str, outs: list[V]) -> None: ...

    def sharing(self, node: str | None) -> None: ...


def child(spec: Block, path: str, field: str, index: int | None = None) -> str:
    """The path of a child as the canonical document writes it: the short form (only the SHORT
    field set, e.g. ``parallel: [...]``) drops the field name."""
    base = join_path(path, spec.KIND)
    short = spec.SHORT == field and all(
        a.name == field or getattr(spec, a.name) == default_of(a) for a in attrs.fields(type(spec)))
    here = base if short else join_path(base, field)
    return here if index is None else f"{here}[{index}]"


class Walk(Generic[V]):
    """Walks a ModelSpec with one interpreter."""

    def __init__(self, interpreter: Interpreter[V]) -> None:
        self.it = interpreter

    def block(self, spec: Block, path: str, ins: list[V], states: list[V] | None = None,
              return_state: bool = False) -> list[V]:
        self.it.enter(spec, path)
        outs = self._block(spec, path, ins, states or [], return_state)
        self.it.note(spec, path, outs)
        return outs

    def _block(self, spec: Block, path: str, ins: list[V], states: list[V], return_state: bool) -> list[V]:
        if isinstance(spec, Chain):
            for i, item in enumerate(spec.blocks):
                ins = self.block(item, f"{path}[{i}]", ins)
            return ins
        if callable(getattr(spec, "expand", None)):  # a definition's use, a repeat
            return self.expanded(spec, path, ins)
        if callable(getattr(spec, "layers", None)):  # a macro block: conv_stack, recurrent_stack
            for i, item in enumerate(spec.layers()):  # type: ignore[attr-defined]
                ins = self.block(item, f"{join_path(path, spec.KIND)}[{i}]", ins)
            return ins
        if isinstance(spec, Parallel):
            outs = []
            for i, branch in enumerate(spec.branches):
                where = child(spec, path, "branches", i)
                outs.append(self.single(self.block(branch, where, ins), where))
            return self.it.leaf(spec.merge, child(spec, path, "merge"), outs, [], False)
        if isinstance(spec, Residual):
            body = self.block(spec.body, child(spec, path, "body"), ins)
            short = self.block(spec.shortcut, child(spec, path, "shortcut"), ins) if spec.shortcut else ins
            return self.it.leaf(Merge(mode="add"), join_path(path, "residual.add"), body + short, [], False)
        if isinstance(spec, TimeDistributed):
            inner_path = child(spec, path, "block")
            x = self.single(ins, path)
            return [self.it.time_distributed(spec, path, x, lambda v: self.single(self.block(spec.block, inner_path, [v]), inner_path))]
        return self.it.leaf(spec, path, ins, states, return_state)

    def expanded(self, spec: Block, path: str, ins: list[V]) -> list[V]:
        """Run the blocks ``spec.expand()`` stands for, each at its path after the kind (one
        path for shared copies, so interpreters reuse their layers)."""
        base = join_path(path, spec.KIND)
        for sub, item in spec.expand():  # type: ignore[attr-defined]
            ins = self.block(item, base + sub, ins)
        return ins

    def single(self, outs: list[V], path: str) -> V:
        if len(outs) != 1:
            raise SpecError(path, f"yields {len(outs)} values where one is needed (a bidirectional "
                            "merge_mode none or return_state output must go to a merge or a graph node)")
        return outs[0]

    def model(self, spec: ModelSpec) -> tuple[dict[str, V], dict[str, V]]:
        """Walk a whole model: (inputs, outputs) by name."""
        inputs = {name: self.it.input(name, inp) for name, inp in spec.inputs.items()}
        if spec.body is not None:
            (name,) = inputs
            return inputs, {spec.name: self.single(self.block(spec.body, "body", [inputs[name]]), "body")}
        values: dict[str, tuple[list[V], list[V]]] = {name: ([v], []) for name, v in inputs.items()}
        for name in spec.order():
            values[name] = self.node(spec, name, values)
        outputs = {}
        for name, out in spec.outputs.items():
            x = _resolve([out.from_], values)
            if out.block is not None:
                x = self.block(out.block, f"outputs.{name}.block", x)
            outputs[name] = self.single(x, f"outputs.{name}")
        return inputs, outputs

    def node(self, spec: ModelSpec, name: str, values: dict[str, tuple[list[V], list[V]]]) -> tuple[list[V], list[V]]:
        """A node's (outputs, final states)."""
        node = spec.nodes[name]
        owner = node.share or name
        block = spec.nodes[owner].block
        assert block is not None
        if (node.initial_state or node.return_state) and not isinstance(block, Recurrent):
            key = "initial_state" if node.initial_state else "return_state"
            raise SpecError(f"nodes.{name}.{key}", "needs the node's block to be one lstm, gru or simple_rnn layer")
        self.it.sharing(name if node.share else None)
        try:
            outs = self.block(block, f"nodes.{owner}.block", _resolve(node.reads(), values),
                              _resolve(node.initial_state, values), node.return_state)
        finally:
            self.it.sharing(None)
        if node.share:
            self.it.enter(block, f"nodes.{name}")
            self.it.note(block, f"nodes.{name}", outs)
        return (outs[:1], outs[1:]) if node.return_state else (outs, [])


def _resolve(refs: tuple[str, ...] | list[str], values: dict[str, tuple[list[Any], list[Any]]]) -> list[Any]:
    """The values named by refs: ``name`` is a node's output(s), ``name.states`` its final states."""
    out: list[Any] = []
    for ref in refs:
        name, _, states = ref.partition(".")
        out.extend(values[name][1] if states else values[name][0])
    return out
