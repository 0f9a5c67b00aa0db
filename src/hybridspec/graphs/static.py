"""The static interpreter: runs the walk on shapes and builds the Report. No TensorFlow."""

from __future__ import annotations

import os
from typing import Any

import attrs

from ..backends import BACKENDS
from ..backends import current as current_backend
from ..blocks import IMPLS, At, Sig
from ..blocks.costs import ITEMSIZE, macs_of, size, weight_bytes
from ..blocks.precision import compute_of, is_mixed, output_dtype, policy_of, variable_of
from ..specs import Block, InputSpec, ModelSpec, SpecError, TimeDistributed
from ..specs.values import ensure_bound
from .limits import MAX_BYTES, MAX_PARAMS, enforce
from .report import Report, Row
from .walk import Walk


class StaticInterpreter:
    """Values are Sigs. Rows are kept in walk order; composites total their subtree's figures
    (trainable, non-trainable, multiply-adds, weight bytes, activation bytes). ``macs`` and
    ``activations`` count every application, shared layers' too."""

    def __init__(self, folder: str | None = None, policy: str = "float32",
                 float32: frozenset[str] = frozenset(), backend: str = "tensorflow") -> None:
        self.folder = folder
        self.backend = backend  # the Keras backend whose kernel choices the lint reports
        self.policy = policy  # the model's dtype policy
        self.float32 = float32  # leaves kept in float32 under a mixed policy: the outputs
        self.inner: dict[str, str] = {}  # a time_distributed path -> the leaf its output comes from
        self.made: list[str] = []  # leaves in the order their layers are made
        self.wrapper32: set[str] = set()  # time_distributed paths kept in float32: they wrap an output layer
        self.kept32: set[str] = set()  # output leaves without a dtype of their own: float32
        self.rows: dict[str, Row | None] = {}
        self.totals: list[list[int]] = []
        self.seen_inputs: dict[str, list[Sig]] = {}
        self.shared_by: str | None = None
        self.macs = self.activations = 0
        self.frozen: list[bool] = []  # per open block: whether it or a block around it is frozen
        self.names: dict[str, str] = {}  # the user's layer names -> their paths
        self.input_names: set[str] = set()

    def input(self, name: str, spec: InputSpec) -> Sig:
        sig = Sig((None, *spec.shape), spec.dtype, False, f"inputs.{name}")
        held = _bytes([sig])
        self.activations += held
        self.rows[sig.source] = Row(sig.source, "input", (sig.shape,), sig.dtype, False, activation_bytes=held)
        self.input_names.add(name)
        return sig

    def _add(self, trainable: int, frozen: int, macs: int, weights: int, held: int) -> None:
        if self.totals:
            top = self.totals[-1]
            top[0] += trainable
            top[1] += frozen
            top[2] += macs
            top[3] += weights
            top[4] += held

    def sharing(self, node: str | None) -> None:
        self.shared_by = node

    def enter(self, spec: Block, path: str) -> None:
        self.rows.setdefault(path, None)
        self.totals.append([0, 0, 0, 0, 0])
        self.frozen.append(not spec.trainable or bool(self.frozen and self.frozen[-1]))
        self._name(spec, path)

    def _name(self, spec: Block, path: str) -> None:
        """Record the user's layer name of ``spec``; refuse one used twice."""
        name = spec.label()
        if name is None or (path.startswith("nodes.") and path.count(".") == 1):  # a share's row
            return
        other = self.names.setdefault(name, path)
        if name in self.input_names or other != path:
            where = f"input {name}" if name in self.input_names else other
            raise SpecError(path, f"the layer name '{name}' is already used by {where}; layer names "
                            "must be unique in a model", spec.KIND)

    def leaf(self, spec: Block, path: str, ins: list[Sig], states: list[Sig], return_state: bool) -> list[Sig]:
        impl = IMPLS.get(type(spec))
        if impl is None:
            raise SpecError(path, f"no implementation is registered for {type(spec).__name__}", spec.KIND)
        at = At(path, spec.KIND, tuple(states), return_state, self.folder, self.backend)
        result = impl.shape(spec, ins, at)
        policy = policy_of(spec, "float32" if path in self.float32 else self.policy)
        if path in self.float32 and policy_of(spec, "") == "":
            self.kept32.add(path)
        outs = [attrs.evolve(s, source=path, dtype=output_dtype(s.dtype, policy))
                for s in (result if isinstance(result, list) else [result])]
        if path in self.seen_inputs:
            first = [s.shape[1:] for s in self.seen_inputs[path]]
            if [s.shape[1:] for s in ins] != first:
                raise at.fail(f"shared by nodes.{self.shared_by}, its layers were built for inputs "
                              f"{first}; a shared node needs the same input shapes", *ins)
            row = self.rows[path]
            assert row is not None
            self._applied(0, 0, row.macs, 0, row.activation_bytes)
            return outs
        self.seen_inputs[path] = ins
        self.made.append(path)
        self._name(spec, path)
        trainable, frozen = impl.params(spec, ins)
        macs = macs_of(spec, impl, trainable, ins, outs)
        weights = weight_bytes(spec, trainable + frozen, policy)
        if not spec.trainable or (self.frozen and self.frozen[-1]):
            trainable, frozen = 0, trainable + frozen
        held = _bytes(outs)
        self._applied(trainable, frozen, macs, weights, held)
        cudnn, warnings = impl.lint(spec, ins, at)
        self.rows[path] = Row(path, spec.KIND, tuple(s.shape for s in outs), outs[0].dtype,
                              outs[0].masked, trainable, frozen, True, cudnn, warnings, macs, weights, held,
                              compute_of(policy), variable_of(policy))
        return outs

    def _applied(self, trainable: int, frozen: int, macs: int, weights: int, held: int) -> None:
        self.macs += macs
        self.activations += held
        self._add(trainable, frozen, macs, weights, held)

    def time_distributed(self, spec: TimeDistributed, path: str, x: Sig, inner: Any) -> Sig:
        if x.rank < 3:
            raise At(path, spec.KIND).fail("needs a (batch, time, ...) input of rank 3 or more", x)
        macs, held, before = self.macs, self.activations, len(self.made)
        y = inner(Sig((x.shape[0], *x.shape[2:]), x.dtype, False, x.source))
        self.inner[path] = y.source
        if any(p in self.kept32 for p in self.made[before:]):
            self.wrapper32.add(path)
        # Keras's TimeDistributed declares its output in its own compute dtype
        y = attrs.evolve(y, dtype=output_dtype(y.dtype, "float32" if path in self.wrapper32 else self.policy))
        steps = (x.shape[1] or 1) - 1  # the inner walk counted one step
        self._applied(0, 0, steps * (self.macs - macs), 0, steps * (self.activations - held))
        return Sig((x.shape[0], x.shape[1], *y.shape[1:]), y.dtype, x.masked, path)

    def leaf_of(self, sig: Sig) -> str:
        """The path of the leaf whose layer produced ``sig`` (inside a time_distributed)."""
        source = sig.source
        while source in self.inner:
            source = self.inner[source]
        return source

    def note(self, spec: Block, path: str, outs: list[Sig]) -> None:
        trainable, frozen, macs, weights, held = self.totals.pop()
        self.frozen.pop()
        self._add(trainable, frozen, macs, weights, held)
        if self.rows.get(path) is None:
            shared = self.shared_by is None and path.startswith("nodes.") and path.count(".") == 1
            self.rows[path] = Row(path, f"share of {spec.KIND}" if shared else spec.KIND,
                                  tuple(s.shape for s in outs), outs[0].dtype, outs[0].masked,
                                  0 if shared else trainable, 0 if shared else frozen, leaf=False,
                                  macs=macs, weight_bytes=0 if shared else weights, activation_bytes=held)


def _bytes(sigs: list[Sig]) -> int:
    """Bytes per sample of the tensors ``sigs`` (unknown sizes count as 1)."""
    return sum(size(s.shape[1:]) * ITEMSIZE.get(s.dtype, 4) for s in sigs)


def check(spec: ModelSpec, folder: str | os.PathLike[str] | None = None, *,
          max_params: int | float | None = MAX_PARAMS, max_bytes: int | float | None = MAX_BYTES,
          policy: str | None = None, backend: str | None = None) -> Report:
    """Infer every node's shapes, dtypes, parameters and costs under the dtype ``policy`` (the
    train section's mixed_precision if None, else float32) and the kernels Keras takes on
    ``backend`` (None: KERAS_BACKEND's, else tensorflow), refuse a model over ``max_params``
    parameters or ``max_bytes`` bytes of weights (None: no limit), and judge the train section
    against them; raise SpecError naming the first bad node. Files the document names
    (embedding weights) are read from ``folder``, the document's folder (the current directory
    if None)."""
    ensure_bound(spec)
    policy = policy or (spec.train.mixed_precision if spec.train else None) or "float32"
    backend = backend or current_backend()
    if backend not in BACKENDS:
        raise SpecError("backend", f"must be one of {', '.join(BACKENDS)}, got {backend!r}")
    where = None if folder is None else os.fspath(folder)
    interpreter = StaticInterpreter(where, policy, backend=backend)
    _, outputs = Walk(interpreter).model(spec)
    leaves = frozenset(p for p in (interpreter.leaf_of(s) for s in outputs.values())
                       if not p.startswith("inputs."))
    if is_mixed(policy):  # again, with the output layers in float32 as Keras recommends
        interpreter = StaticInterpreter(where, policy, leaves, backend)
        _, outputs = Walk(interpreter).model(spec)
    needed = _needed(spec)
    rows = tuple(_unused(r, needed) for r in interpreter.rows.values() if r is not None)
    report = Report(spec.name, rows, {k: v.shape for k, v in outputs.items()}, interpreter.names,
                    interpreter.macs, interpreter.activations, policy, tuple(sorted(leaves)), backend)
    enforce(report, max_params=max_params, max_bytes=max_bytes)
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
