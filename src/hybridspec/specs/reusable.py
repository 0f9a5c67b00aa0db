"""Reusable multi-layer blocks: ConvStack, Attention, Backbone."""

from __future__ import annotations

import attrs

from .base import Block, block, fail
from .layers import (
    Activation,
    BatchNorm,
    Conv,
    Dropout,
    LayerNorm,
    Pool,
    SeparableConv,
    SpatialDropout,
    check_sizes,
)
from .rules import (
    ACTIVATION,
    POSITIVE,
    RANK,
    RATE,
    SIZES,
    Bool,
    LocalPath,
    Maybe,
    Name,
    OneOf,
    TupleOf,
    field,
)


@block("conv_stack", positional=("filters",))
@attrs.frozen(kw_only=True)
class ConvStack(Block):
    """Convolutions, each followed by optional norm, activation, pooling and dropout."""

    filters: tuple[int, ...] = field(TupleOf(POSITIVE, 1), doc="output channels of each layer")
    kernel_size: int | tuple[int, ...] = field(SIZES, 3, "window of every convolution")
    strides: int | tuple[int, ...] = field(SIZES, 1, "step of every convolution")
    padding: str = field(OneOf("valid", "same"), "same", "valid or same")
    activation: str | None = field(ACTIVATION, "relu", "activation after each convolution")
    norm: str | None = field(Maybe(OneOf("batch", "layer")), None, "normalization before the activation")
    pool: int | tuple[int, ...] | None = field(Maybe(SIZES), None, "pooling window after each layer")
    pool_mode: str = field(OneOf("max", "avg"), "max", "max or avg pooling")
    dropout: float = field(RATE, 0.0, "dropout after each layer")
    spatial_dropout: bool = field(Bool(), False, "drop whole channels instead of values")
    rank: int | None = field(RANK, None, "spatial rank 1-3 (inferred from the input if null)")
    use_bias: bool | None = field(Maybe(Bool()), None, "convolutions add a bias; null: only without "
                                  "a norm (a norm's offset makes the bias redundant)")
    separable: bool = field(Bool(), False, "depthwise separable convolutions (rank 1 or 2)")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "kernel_size", "strides", "pool")
        if self.spatial_dropout and not self.dropout:
            fail("spatial_dropout", "needs a dropout rate above 0")
        if self.separable and self.rank == 3:
            fail("separable", "separable convolutions have rank 1 or 2, rank is 3")

    def layers(self) -> list[Block]:
        """The layers this stack stands for, in order."""
        out: list[Block] = []
        conv = SeparableConv if self.separable else Conv
        bias = self.norm is None if self.use_bias is None else self.use_bias
        for filters in self.filters:
            out.append(conv(filters=filters, kernel_size=self.kernel_size, strides=self.strides,
                            padding=self.padding, rank=self.rank, use_bias=bias,
                            activation=None if self.norm else self.activation))
            if self.norm:
                out.append(BatchNorm() if self.norm == "batch" else LayerNorm())
                if self.activation:
                    out.append(Activation(name=self.activation))
            if self.pool is not None:
                out.append(Pool(mode=self.pool_mode, size=self.pool, padding=self.padding,
                                rank=self.rank))
            if self.dropout:
                drop = SpatialDropout if self.spatial_dropout else Dropout
                out.append(drop(rate=self.dropout))
        return out


@block("attention")
@attrs.frozen(kw_only=True)
class Attention(Block):
    """Dot-product, additive or multi-head attention, or additive attention pooling.

    One input: self-attention. Two inputs (graph nodes): [query, value]; three: [query, value,
    key]. ``pool: true`` reduces a (batch, time, d) sequence to (batch, d) with a tanh
    projection to ``units``, a learned context vector and a softmax over time."""

    kind: str = field(OneOf("dot", "additive", "multihead", "grouped"), "dot",
                      "score function (grouped: grouped-query attention, kv_heads key/value heads)")
    pool: bool = field(Bool(), False, "additive attention pooling over time to one vector")
    units: int | None = field(Maybe(POSITIVE), None, "pool: attention size (input features if null)")
    heads: int | None = field(Maybe(POSITIVE), None, "multihead: number of heads")
    key_dim: int | None = field(Maybe(POSITIVE), None, "multihead: size of each head")
    kv_heads: int | None = field(Maybe(POSITIVE), None, "grouped: key/value heads (heads is a multiple)")
    use_gate: bool = field(Bool(), False, "grouped: a learned gate on the attention output")
    value_dim: int | None = field(Maybe(POSITIVE), None, "multihead: size of each value head (key_dim if null)")
    output_dim: int | None = field(Maybe(POSITIVE), None, "multihead: output features (the query's if null)")
    use_bias: bool = field(Bool(), True, "multihead, grouped: biases in the projections")
    score_mode: str = field(OneOf("dot", "concat"), "dot", "dot: scores as q.k, or concat: sum of tanh(q + k)")
    use_scale: bool = field(Bool(), False, "dot, additive: learn a score scale")
    causal: bool = field(Bool(), False, "mask future positions (self-attention over time)")
    dropout: float = field(RATE, 0.0, "dropout on the attention weights")

    def __attrs_post_init__(self) -> None:
        if self.pool and self.kind != "additive":
            fail("pool", "attention pooling is the additive form; set kind: additive")
        if self.units is not None and not self.pool:
            fail("units", "only attention pooling (pool: true) takes units")
        multihead, grouped = self.kind == "multihead", self.kind == "grouped"
        if (multihead or grouped) and (self.heads is None or self.key_dim is None):
            fail("heads" if self.heads is None else "key_dim", f"{self.kind} attention needs heads and key_dim")
        if not (multihead or grouped) and (self.heads is not None or self.key_dim is not None):
            fail("heads" if self.heads is not None else "key_dim", "only multihead and grouped attention take this")
        if grouped != (self.kv_heads is not None):
            fail("kv_heads", "grouped attention needs kv_heads" if grouped else "only grouped attention takes this")
        if grouped and self.heads is not None and self.kv_heads is not None and self.heads % self.kv_heads:
            fail("kv_heads", f"must divide heads: {self.heads} query heads do not split into {self.kv_heads} groups")
        if self.use_gate and not grouped:
            fail("use_gate", "only grouped attention takes this")
        if self.pool and (self.causal or self.dropout or self.use_scale):
            fail("pool", "attention pooling takes only units")
        if (multihead or grouped) and self.use_scale:
            fail("use_scale", f"{self.kind} attention always scales")
        extra = [f for f in ("value_dim", "output_dim") if getattr(self, f) is not None]
        if extra and not multihead:
            fail(extra[0], "only multihead attention takes this")
        if not self.use_bias and not (multihead or grouped):
            fail("use_bias", "only multihead and grouped attention take this")
        if self.score_mode != "dot" and self.kind != "dot":
            fail("score_mode", "only dot attention takes a score mode")


BACKBONES = ("vgg16", "resnet50", "mobilenet_v2", "efficientnet_b0")


@block("backbone", short="name", positional=("name",))
@attrs.frozen(kw_only=True)
class Backbone(Block):
    """A keras.applications model without its classifier head."""

    name: str = field(OneOf(*BACKBONES), doc="application name")
    weights: str | None = field(Maybe(LocalPath()), None, "path of a local weights file (random init if null)")
    trainable: bool = field(Bool(), True, "false freezes every weight")
    pooling: str | None = field(Maybe(OneOf("avg", "max")), None, "global pooling of the features")
    layer_name: str | None = field(Maybe(Name()), None, "Keras layer name (from the path if null)")

    COMMON = ("layer_name", "trainable")

    def label(self) -> str | None:
        return self.layer_name
