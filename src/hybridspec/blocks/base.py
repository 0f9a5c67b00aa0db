"""What every block module provides: a shape rule, a parameter count and a Keras builder.

``Sig`` is the static value that flows through the checker: a shape (batch first, None where
unknown), a dtype, whether a Keras mask rides along, and the path that produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..specs import Block, SpecError

Shape = tuple[int | None, ...]


@attrs.frozen
class Sig:
    """A static tensor: shape with batch, dtype, mask flag and the path it came from."""

    shape: Shape
    dtype: str = "float32"
    masked: bool = False
    source: str = ""

    @property
    def rank(self) -> int:
        return len(self.shape)


def show(shape: Shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


@attrs.frozen
class At:
    """Where a rule is applied: the node's path and kind, graph call options and the document's folder."""

    path: str
    kind: str
    initial_state: tuple[Sig, ...] = ()
    return_state: bool = False
    folder: str | None = None  # the document's folder: files it names are read from there
    backend: str = "tensorflow"  # the Keras backend the report is for (kernel choices differ)

    def fail(self, message: str, *sigs: Sig) -> SpecError:
        """A SpecError naming this node and the shapes (and origins) it got."""
        got = "; ".join(f"got {show(s.shape)}" + (f" from {s.source}" if s.source else "") for s in sigs)
        return SpecError(self.path, f"{message}; {got}" if got else message, self.kind)

    def one(self, ins: Sequence[Sig]) -> Sig:
        if len(ins) != 1:
            raise SpecError(self.path, f"takes one input, got {len(ins)}: "
                            + ", ".join(f"{show(s.shape)} from {s.source}" for s in ins), self.kind)
        return ins[0]

    def rank(self, sig: Sig, *ranks: int, what: str = "") -> None:
        if sig.rank not in ranks:
            need = " or ".join(str(r) for r in ranks)
            err = self.fail(f"needs a rank-{need} input{' ' + what if what else ''}", sig)
            if sig.source.startswith("inputs.") and sig.rank == max(ranks) + 1:
                shape = list(sig.shape[1:])
                err = SpecError(err.path, f"{err.message}. An input's shape leaves out the batch "
                                f"axis, which is always there: if {shape[0]} in {sig.source}.shape "
                                f"{shape} is the batch size, write {shape[1:]}", err.kind)
            raise err


ShapeRule = Callable[[Any, list[Sig], At], "Sig | list[Sig]"]
ParamRule = Callable[[Any, list[Sig]], tuple[int, int]]
Builder = Callable[[Any, str, list[Sig], At], Any]
MacRule = Callable[[Any, list[Sig], list[Sig]], int]


def call_one(spec: Any, layer: Any, inputs: list[Any], at: At) -> Any:
    return layer(inputs[0])


def no_params(spec: Any, ins: list[Sig]) -> tuple[int, int]:
    return 0, 0


def no_lint(spec: Any, ins: list[Sig], at: At) -> tuple[str, tuple[str, ...]]:
    return "", ()


@attrs.frozen
class Impl:
    """A block's static rule, parameter count and Keras builder (plus how to call the layer),
    its lint: a kernel status for the report (e.g. cuDNN) and warnings, and its Keras coverage:
    the ``keras.layers`` class names it builds (``keras``) and the Keras argument names that
    differ from our field names (``keras_args``: ``{"output_dim": "dim"}``), and ``macs``: its
    multiply-adds per sample from its inputs and outputs (None: weights times output positions)."""

    shape: ShapeRule
    build: Builder
    params: ParamRule = no_params
    call: Callable[[Any, Any, list[Any], At], Any] = call_one
    lint: Callable[[Any, list[Sig], At], tuple[str, tuple[str, ...]]] = no_lint
    keras: tuple[str, ...] = ()
    keras_args: Mapping[str, str] = attrs.field(factory=dict)
    macs: MacRule | None = None


IMPLS: dict[type[Block], Impl] = {}


def implements(cls: type[Block], **kw: Any) -> None:
    """Register the implementation of a spec class. A ``lint`` written for the spec alone
    (the form before lints were told the inputs and the backend) is still accepted."""
    lint = kw.get("lint")
    if lint is not None and _positional(lint) == 1:
        kw["lint"] = lambda spec, ins, at: lint(spec)
    IMPLS[cls] = Impl(**kw)


def _positional(fn: Callable[..., Any]) -> int:
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 3
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 3
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def same(sig: Sig, shape: Shape | None = None, **changes: Any) -> Sig:
    """``sig`` with a new shape and/or other fields; the source is set by the interpreter."""
    return attrs.evolve(sig, shape=sig.shape if shape is None else shape, **changes)


def dense_like(units: int, features: int | None, bias: bool) -> int:
    return (features or 0) * units + (units if bias else 0)
