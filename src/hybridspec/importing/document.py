"""Simplified calls written as a ModelSpec: a body where one block is left, nodes elsewhere.

Nodes are named after the Keras layer that yields them; the first call of a shared layer
holds its block and the others ``share`` it; an output read by nothing else folds its last
block into ``outputs.NAME.block``. No Keras here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..specs import Bidirectional, InputSpec, ModelSpec, Node, Output, SpecError
from ..specs.model import DTYPES
from .graph import Call, Graph
from .simplify import Links


def identifier(name: str, taken: set[str]) -> str:
    """``name`` as a node name (letters, digits, underscores), unique among ``taken``."""
    base = re.sub(r"\W+", "_", name).strip("_") or "node"
    base = f"n_{base}" if base[0].isdigit() else base
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}_{n}"
    taken.add(out)
    return out


def to_spec(name: str, graph: Graph, input_names: Sequence[str], output_names: Sequence[str],
            dtypes: Sequence[str]) -> ModelSpec:
    taken: set[str] = set()
    inputs = {identifier(n, taken): _input(n, graph.shapes[t], d)
              for n, t, d in zip(input_names, graph.inputs, dtypes, strict=True)}
    model = identifier(name, set())
    if len(inputs) == 1 and len(graph.outputs) == 1 and len(graph.calls) == 1:
        (call,) = graph.calls
        if call.ins == graph.inputs and call.outs == graph.outputs and not call.return_state:
            return ModelSpec(name=model, inputs=inputs, body=call.block)
    if not graph.calls:
        raise SpecError("", "the model has no layers between its inputs and outputs")
    return Writer(graph, dict(zip(graph.inputs, inputs, strict=True)), taken).spec(model, inputs, output_names)


def _values(call: Call) -> int:
    """How many of a state-returning call's outputs are values (a bidirectional layer without
    a merge yields two), the rest being its states."""
    block = call.parts[-1]
    return 2 if isinstance(block, Bidirectional) and block.merge_mode == "none" else 1


def _input(name: str, shape: tuple[int | None, ...], dtype: str) -> InputSpec:
    if dtype not in DTYPES:
        raise SpecError(f"inputs.{name}", f"dtype {dtype} is not one of {', '.join(DTYPES)}")
    return InputSpec(shape=shape[1:], dtype=dtype)


class Writer:
    """Names calls and writes each tensor list as node references."""

    def __init__(self, graph: Graph, inputs: dict[int, str], taken: set[str]) -> None:
        self.graph, self.inputs, self.links = graph, inputs, Links(graph)
        self.names = {id(c): identifier(c.name, taken) for c in graph.calls}

    def spec(self, name: str, inputs: dict[str, InputSpec], output_names: Sequence[str]) -> ModelSpec:
        folded = self._folds()
        owners: dict[object, str] = {}
        nodes = {}
        for c in self.graph.calls:
            if id(c) in folded:
                continue
            owner = owners.setdefault(c.key, self.names[id(c)])
            shared = owner != self.names[id(c)]
            nodes[self.names[id(c)]] = Node(
                from_=self.ref(c.ins), block=None if shared else c.block, share=owner if shared else None,
                initial_state=tuple(self.refs(c.states)), return_state=c.return_state)
        outputs = {}
        taken: set[str] = set()
        for out_name, t in zip(output_names, self.graph.outputs, strict=True):
            made = self.links.producer.get(t)
            key = identifier(out_name, taken)
            if made is not None and id(made) in folded:
                outputs[key] = Output(from_=self.refs(made.ins)[0], block=made.block)
            else:
                outputs[key] = Output(from_=self.refs([t])[0])
        return ModelSpec(name=name, inputs=inputs, nodes=nodes, outputs=outputs)

    def _folds(self) -> set[int]:
        """Calls that become an output's block: one input, one output read only by that output."""
        out = []
        for t in self.graph.outputs:
            c = self.links.producer.get(t)
            if (c is not None and self.links.readers[t] == [None] and c.outs == [t] and len(c.ins) == 1
                    and not c.states and not c.return_state and len(self.links.groups[c.key]) == 1
                    and len(self.refs(c.ins)) == 1):
                out.append(id(c))
        return set(out[1:] if len(out) == len(self.graph.calls) else out)

    def ref(self, tensors: list[int]) -> str | tuple[str, ...]:
        refs = self.refs(tensors)
        return refs[0] if len(refs) == 1 else tuple(refs)

    def refs(self, tensors: list[int]) -> list[str]:
        """Node references for tensors: ``name`` for all of a call's outputs (but its states),
        ``name.states`` for all its states, ``name.N`` / ``name.states.N`` for one of them."""
        out, i = [], 0
        while i < len(tensors):
            t = tensors[i]
            if t in self.inputs:
                out.append(self.inputs[t])
                i += 1
                continue
            c = self.links.producer[t]
            name = self.names[id(c)]
            n = _values(c) if c.return_state else len(c.outs)
            group, stem = (c.outs[:n], name) if t in c.outs[:n] else (c.outs[n:], f"{name}.states")
            if tensors[i:i + len(group)] == group:
                out.append(stem)
                i += len(group)
            else:
                out.append(f"{stem}.{group.index(t)}")
                i += 1
        return out
