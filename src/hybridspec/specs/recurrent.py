"""Recurrent blocks: single LSTM/GRU/SimpleRNN layers, Bidirectional, RecurrentStack."""

from __future__ import annotations

from typing import Any

import attrs

from .base import CONSTRAINT, REGULARIZER, Block, MaxNorm, Regularizer, WeightOptions, block, fail
from .compose import BLOCK
from .rules import (
    ACTIVATION,
    INITIALIZER,
    POSITIVE,
    RATE,
    Bool,
    Instance,
    Maybe,
    OneOf,
    TupleOf,
    field,
)

MERGE_MODE = OneOf("concat", "sum", "mul", "ave", "none")
CUDNN = OneOf("auto", True, False)


@attrs.frozen(kw_only=True)
class RecurrentLayer(Block):
    """Base of layers that carry recurrent states: ``bidirectional`` wraps them, and a graph
    node may pass them ``initial_state`` and ask for ``return_state``."""


@attrs.frozen(kw_only=True)
class Recurrent(WeightOptions, RecurrentLayer):
    """Fields common to the three recurrent layers."""

    units: int = field(POSITIVE, doc="state size")
    activation: str | None = field(ACTIVATION, "tanh", "output activation")
    dropout: float = field(RATE, 0.0, "dropout on the inputs")
    recurrent_dropout: float = field(RATE, 0.0, "dropout on the recurrent state (disables cuDNN)")
    return_sequences: bool = field(Bool(), False, "emit every step, not only the last")
    go_backwards: bool = field(Bool(), False, "read the sequence in reverse")
    unroll: bool = field(Bool(), False, "unroll the loop (short sequences only)")
    recurrent_initializer: str | float | None = field(INITIALIZER, None, "recurrent kernel initializer "
                                                      "(Keras's orthogonal if null)")
    recurrent_regularizer: Regularizer | None = field(REGULARIZER, None, "recurrent kernel penalty")
    recurrent_constraint: MaxNorm | None = field(CONSTRAINT, None, "recurrent kernel constraint")

    def weight_kwargs(self) -> dict[str, Any]:
        recurrent = ("recurrent_initializer", "recurrent_regularizer", "recurrent_constraint")
        return {**super().weight_kwargs(), **{n: getattr(self, n) for n in recurrent if getattr(self, n) is not None}}

    CELL = ""


@block("lstm", short="units", positional=("units", "activation", "recurrent_activation"))
@attrs.frozen(kw_only=True)
class LSTM(Recurrent):
    """A long short-term memory layer."""

    recurrent_activation: str | None = field(ACTIVATION, "sigmoid", "gate activation")
    use_cudnn: str | bool = field(CUDNN, "auto", "auto, true (required) or false (never)")
    unit_forget_bias: bool = field(Bool(), True, "start the forget gate's bias at 1")

    CELL = "lstm"


@block("gru", short="units", positional=("units", "activation", "recurrent_activation"))
@attrs.frozen(kw_only=True)
class GRU(Recurrent):
    """A gated recurrent unit layer."""

    recurrent_activation: str | None = field(ACTIVATION, "sigmoid", "gate activation")
    reset_after: bool = field(Bool(), True, "apply the reset gate after the matmul (cuDNN form)")
    use_cudnn: str | bool = field(CUDNN, "auto", "auto, true (required) or false (never)")

    CELL = "gru"


@block("simple_rnn", short="units", positional=("units", "activation"))
@attrs.frozen(kw_only=True)
class SimpleRNN(Recurrent):
    """A fully connected recurrent layer."""

    CELL = "simple"


CELLS: dict[str, type[Recurrent]] = {"lstm": LSTM, "gru": GRU, "simple": SimpleRNN}
RECURRENT = Instance(RecurrentLayer, "an lstm, gru, simple_rnn or conv_lstm layer",
                     lambda: {"$ref": "#/$defs/RecurrentLayer"})


@block("bidirectional", short="layer", positional=("layer", "merge_mode"))
@attrs.frozen(kw_only=True)
class Bidirectional(Block):
    """Runs a recurrent layer forwards and backwards and merges the two."""

    layer: RecurrentLayer = field(RECURRENT, doc="the recurrent layer, e.g. {lstm: {units: 64}}")
    merge_mode: str = field(MERGE_MODE, "concat", "how the two directions are combined")

    def __attrs_post_init__(self) -> None:
        if getattr(self.layer, "go_backwards", False):
            fail("layer.go_backwards", "a bidirectional layer already reads both ways; Keras refuses go_backwards here")


@block("recurrent_stack", positional=("units",))
@attrs.frozen(kw_only=True)
class RecurrentStack(Block):
    """Stacked recurrent layers; inner layers always return sequences."""

    cell: str = field(OneOf(*CELLS), "lstm", "lstm, gru or simple")
    units: tuple[int, ...] = field(TupleOf(POSITIVE, 1), doc="state size of each layer")
    return_sequences: bool = field(Bool(), False, "the last layer emits every step")
    bidirectional: bool = field(Bool(), False, "wrap every layer in Bidirectional")
    merge_mode: str = field(MERGE_MODE, "concat", "bidirectional merge of every layer")
    dropout: float = field(RATE, 0.0, "input dropout of every layer")
    recurrent_dropout: float = field(RATE, 0.0, "recurrent dropout (disables cuDNN)")
    activation: str | None = field(ACTIVATION, "tanh", "output activation")
    recurrent_activation: str | None = field(ACTIVATION, "sigmoid", "gate activation (lstm, gru)")
    use_bias: bool = field(Bool(), True, "add bias vectors")
    unroll: bool = field(Bool(), False, "unroll the loops")
    go_backwards: bool = field(Bool(), False, "read sequences in reverse")
    reset_after: bool = field(Bool(), True, "gru: reset gate after the matmul")
    use_cudnn: str | bool = field(CUDNN, "auto", "auto, true or false (lstm, gru)")
    between: Block | None = field(Maybe(BLOCK), None, "block (or list) inserted between consecutive "
                                  "layers, e.g. {dropout: 0.2} or [layer_norm, {dropout: 0.2}]")

    def __attrs_post_init__(self) -> None:
        if self.merge_mode == "none" and self.bidirectional and len(self.units) > 1:
            fail("merge_mode", "'none' yields two outputs, so it only suits a single layer")
        if self.cell == "simple":
            for name, default in (("recurrent_activation", "sigmoid"), ("use_cudnn", "auto")):
                if getattr(self, name) != default:
                    fail(name, "a simple cell has no such option")
        if self.bidirectional and self.go_backwards:
            fail("go_backwards", "a bidirectional stack already reads both ways; Keras refuses go_backwards here")
        if self.cell != "gru" and not self.reset_after:
            fail("reset_after", "only gru has reset_after")

    def layers(self) -> list[Block]:
        """The layers this stack stands for, in order."""
        out: list[Block] = []
        for i, units in enumerate(self.units):
            last = i == len(self.units) - 1
            kwargs: dict[str, Any] = dict(
                units=units, activation=self.activation, dropout=self.dropout,
                recurrent_dropout=self.recurrent_dropout, use_bias=self.use_bias,
                return_sequences=self.return_sequences if last else True,
                go_backwards=self.go_backwards, unroll=self.unroll)
            if self.cell != "simple":
                kwargs.update(recurrent_activation=self.recurrent_activation, use_cudnn=self.use_cudnn)
            if self.cell == "gru":
                kwargs["reset_after"] = self.reset_after
            layer = CELLS[self.cell](**kwargs)
            if i and self.between is not None:
                out.append(self.between)
            out.append(Bidirectional(layer=layer, merge_mode=self.merge_mode)
                       if self.bidirectional else layer)
        return out
