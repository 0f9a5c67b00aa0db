"""What each built-in kind costs: multiply-adds per sample, and the bytes of its weights.

Convention: a product of an (m x k) by a (k x n) matrix is m*k*n multiply-adds; normalization
counts one per element; copies, pooling, padding, activations and lookups count none. Axes of
unknown size count as 1, so a figure for a variable-length input is per time step.
A kind without a rule (a plugin's, say) is credited with its weights times its output positions.
"""

from __future__ import annotations

from typing import Any

from ..specs import (
    GRU,
    LSTM,
    Activation,
    Attention,
    Backbone,
    BatchNorm,
    Bidirectional,
    Conv,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalPool,
    LayerNorm,
    Masking,
    Merge,
    Permute,
    Pool,
    RepeatVector,
    Reshape,
    SeparableConv,
    SimpleRNN,
    SpatialDropout,
    UpSampling,
    ZeroPadding,
)
from .base import Impl, MacRule, Sig
from .precision import variable_of

ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "int32": 4, "int64": 8,
            "uint8": 1, "int8": 1, "bool": 1}
GATES = {LSTM: 4, GRU: 3, SimpleRNN: 1}
# multiply-adds of include_top=False at 224 x 224 x 3, scaled by the input's area
BACKBONE_MACS = {"vgg16": 15_360_000_000, "resnet50": 3_860_000_000,
                 "mobilenet_v2": 300_000_000, "efficientnet_b0": 390_000_000}


def size(dims: tuple[int | None, ...]) -> int:
    """The number of elements over ``dims``, unknown sizes counted as 1."""
    n = 1
    for d in dims:
        if d:
            n *= d
    return n


def positions(sig: Sig) -> int:
    """How many feature vectors a (batch, ..., features) tensor holds per sample."""
    return size(sig.shape[1:-1])


def itemsize(dtype: str) -> int:
    return ITEMSIZE.get(dtype, 4)


def weight_bytes(spec: Any, params: int, policy: str = "float32") -> int:
    """Bytes of a layer's weights in the variable dtype of ``policy``, the layer's; the sample
    count an adapted normalization keeps is an int64."""
    if not params:
        return 0
    count = 4 if type(spec).__name__ == "Normalization" and getattr(spec, "mean", 0) is None else 0
    return params * itemsize(variable_of(policy)) + count


def fallback_macs(trainable: int, outs: list[Sig]) -> int:
    """A kind without a rule: its trainable weights applied once per output position."""
    return trainable * positions(outs[0]) if outs and outs[0].rank >= 2 else trainable


def _dense(spec: Dense, ins: list[Sig], outs: list[Sig]) -> int:
    return (ins[0].shape[-1] or 0) * spec.units * positions(outs[0])


def _conv(spec: Conv, ins: list[Sig], outs: list[Sig]) -> int:
    kernel = size(spec.kernel_size if isinstance(spec.kernel_size, tuple) else (spec.kernel_size,) * (ins[0].rank - 2))
    return kernel * (ins[0].shape[-1] or 0) * spec.filters * positions(outs[0])


def _separable(spec: SeparableConv, ins: list[Sig], outs: list[Sig]) -> int:
    rank = ins[0].rank - 2
    kernel = size(spec.kernel_size if isinstance(spec.kernel_size, tuple) else (spec.kernel_size,) * rank)
    mid = (ins[0].shape[-1] or 0) * spec.depth_multiplier
    return (kernel * mid + mid * spec.filters) * positions(outs[0])


def _cell(layer: Any, x: Sig) -> int:
    d, u = x.shape[-1] or 0, layer.units
    return GATES[type(layer)] * u * (d + u) * (x.shape[1] or 1)


def _wrapped(layer: Any, ins: list[Sig], outs: list[Sig]) -> int:
    """One direction of a bidirectional layer: its own rule, or the fallback (conv_lstm)."""
    from .base import IMPLS

    impl = IMPLS[type(layer)]
    return macs_of(layer, impl, impl.params(layer, ins)[0], ins, outs)


def _attention(spec: Attention, ins: list[Sig], outs: list[Sig]) -> int:
    query = ins[0]
    value = ins[1] if len(ins) > 1 else query
    key = ins[2] if len(ins) > 2 else value
    tq, tv = query.shape[1] or 1, value.shape[1] or 1
    dq, dk, dv = (s.shape[-1] or 0 for s in (query, key, value))
    if spec.pool:
        units = spec.units or dq
        return tq * (dq * units + units + dq)
    if spec.kind == "multihead":
        hk = (spec.heads or 0) * (spec.key_dim or 0)
        return tq * dq * hk + tv * (dk + dv) * hk + 2 * tq * tv * hk + tq * hk * dq
    return tq * tv * (dk + dv)


def _merge(spec: Merge, ins: list[Sig], outs: list[Sig]) -> int:
    if spec.mode != "dot":
        return 0
    axis = spec.axes[0] if isinstance(spec.axes, tuple) else spec.axes
    return size(outs[0].shape[1:]) * (ins[0].shape[axis % ins[0].rank] or 1)


def _backbone(spec: Backbone, ins: list[Sig], outs: list[Sig]) -> int:
    h, w = (d or 224 for d in ins[0].shape[1:3])
    channels = (ins[0].shape[-1] or 3) / 3
    return int(BACKBONE_MACS[spec.name] * h * w / (224 * 224) * max(channels, 1.0))


def _none(spec: Any, ins: list[Sig], outs: list[Sig]) -> int:
    return 0


RULES: dict[type, MacRule] = {
    Dense: _dense, Conv: _conv, SeparableConv: _separable, Attention: _attention, Merge: _merge,
    Backbone: _backbone,
    BatchNorm: lambda s, ins, outs: size(outs[0].shape[1:]),
    LayerNorm: lambda s, ins, outs: size(outs[0].shape[1:]),
    LSTM: lambda s, ins, outs: _cell(s, ins[0]), GRU: lambda s, ins, outs: _cell(s, ins[0]),
    SimpleRNN: lambda s, ins, outs: _cell(s, ins[0]),
    Bidirectional: lambda s, ins, outs: 2 * _wrapped(s.layer, ins, outs),
    **{cls: _none for cls in (Dropout, SpatialDropout, Activation, Flatten, Reshape, Permute, RepeatVector,
                              Embedding, Masking, ZeroPadding, UpSampling, Pool, GlobalPool)},
}


def macs_of(spec: Any, impl: Impl, trainable: int, ins: list[Sig], outs: list[Sig]) -> int:
    """Multiply-adds per sample of a leaf: its Impl's rule, the built-in rule of its kind, or
    the fallback."""
    rule = impl.macs or RULES.get(type(spec))
    return rule(spec, ins, outs) if rule else fallback_macs(trainable, outs)
