"""The static interpreter: runs the walk on shapes and builds the Report. No TensorFlow."""

from __future__ import annotations

from typing import Any

import attrs

from ..blocks import IMPLS, At, Sig
from ..specs import Block, InputSpec, ModelSpec, SpecError, TimeDistributed
from .report import Report, Row
from .walk import Walk


class StaticInterpreter:
    """Values are Sigs. Rows are kept in walk order; composites total their subtree's params."""

    def __init__(self) -> None:
        self.rows: dict[str, Row | None] = {}
        self.totals: list[list[int]] = []
        self.seen_inputs: dict[str, list[Sig]] = {}
        self.shared_by: str | None = None

    def input(self, name: str, spec: InputSpec) -> Sig:
        sig = Sig((None, *spec.shape), spec.dtype, False, f"inputs.{name}")
        self.rows[sig.source] = Row(sig.source, "input", (sig.shape,), sig.dtype, False)
        return sig

    def sharing(self, node: str | None) -> None:
        self.shared_by = node

    def enter(self, spec: Block, path: str) -> None:
        self.rows.setdefault(path, None)
        self.totals.append([0, 0])

    def leaf(self, spec: Block, path: str, ins: list[Sig], states: list[Sig], return_state: bool) -> list[Sig]:
        impl = IMPLS.get(type(spec))
        if impl is None:
            raise SpecError(path, f"no implementation is registered for {type(spec).__name__}", spec.KIND)
        at = At(path, spec.KIND, tuple(states), return_state)
        result = impl.shape(spec, ins, at)
        outs = [attrs.evolve(s, source=path) for s in (result if isinstance(result, list) else [result])]
        if path in self.seen_inputs:
            first = [s.shape[1:] for s in self.seen_inputs[path]]
            if [s.shape[1:] for s in ins] != first:
                raise at.fail(f"shared by nodes.{self.shared_by}, its layers were built for inputs "
                              f"{first}; a shared node needs the same input shapes", *ins)
            return outs
        self.seen_inputs[path] = ins
        trainable, frozen = impl.params(spec, ins)
        if self.totals:
            self.totals[-1][0] += trainable
            self.totals[-1][1] += frozen
        cudnn, warnings = impl.lint(spec)
        self.rows[path] = Row(path, spec.KIND, tuple(s.shape for s in outs), outs[0].dtype,
                              outs[0].masked, trainable, frozen, True, cudnn, warnings)
        return outs

    def time_distributed(self, spec: TimeDistributed, path: str, x: Sig, inner: Any) -> Sig:
        if x.rank < 3:
            raise At(path, spec.KIND).fail("needs a (batch, time, ...) input of rank 3 or more", x)
        y = inner(Sig((x.shape[0], *x.shape[2:]), x.dtype, False, x.source))
        return Sig((x.shape[0], x.shape[1], *y.shape[1:]), y.dtype, x.masked, path)

    def note(self, spec: Block, path: str, outs: list[Sig]) -> None:
        trainable, frozen = self.totals.pop()
        if self.totals:
            self.totals[-1][0] += trainable
            self.totals[-1][1] += frozen
        if self.rows.get(path) is None:
            shared = self.shared_by is None and path.startswith("nodes.") and path.count(".") == 1
            self.rows[path] = Row(path, f"share of {spec.KIND}" if shared else spec.KIND,
                                  tuple(s.shape for s in outs), outs[0].dtype, outs[0].masked,
                                  0 if shared else trainable, 0 if shared else frozen, leaf=False)


def check(spec: ModelSpec) -> Report:
    """Infer every node's shapes and parameters, and judge the train section against them;
    raise SpecError naming the first bad node."""
    interpreter = StaticInterpreter()
    _, outputs = Walk(interpreter).model(spec)
    needed = _needed(spec)
    rows = tuple(_unused(r, needed) for r in interpreter.rows.values() if r is not None)
    report = Report(spec.name, rows, {k: v.shape for k, v in outputs.items()})
    if spec.train is not None:
        from ..training.check import plan

        plan(spec, report)
    return report


def _unused(row: Row, needed: set[str]) -> Row:
    """An input row with a warning when no output depends on that input."""
    if row.kind != "input" or row.path.removeprefix("inputs.") in needed:
        return row
    return attrs.evolve(row, warnings=(*row.warnings, "no output depends on this input; remove it "
                                       "or read it from a node"))


def _needed(spec: ModelSpec) -> set[str]:
    """The inputs and nodes that some output depends on."""
    if spec.body is not None:
        return set(spec.inputs)
    todo = [out.from_.partition(".")[0] for out in spec.outputs.values()]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            node = spec.nodes.get(name)
            if node is not None:
                todo.extend(ref.partition(".")[0] for ref in (*node.reads(), *node.initial_state))
    return seen
