"""Squeeze-and-excitation for hybridspec: ``squeeze_excite: {ratio: 4}``.

Channels are pooled over the spatial axes, squeezed to ``channels // ratio`` (at least 1) by a
relu dense layer, expanded back by a sigmoid one, and the input is scaled by them.
"""

from __future__ import annotations

from typing import Any

import attrs

import hybridspec as hs
from hybridspec.blocks.base import At, Sig, dense_like, same
from hybridspec.specs.rules import POSITIVE, field


@attrs.frozen(kw_only=True)
class SqueezeExcite(hs.Block):
    """Squeeze-and-excitation: rescales each channel by a gate computed from all channels."""

    ratio: int = field(POSITIVE, 4, "how much the middle layer squeezes the channels")


def hidden(spec: SqueezeExcite, channels: int) -> int:
    return max(1, channels // spec.ratio)


def shape(spec: SqueezeExcite, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    at.rank(x, 3, 4, 5, what="(batch, *spatial, channels) with 1-3 spatial axes")
    if x.shape[-1] is None:
        raise at.fail("needs known channels (last axis)", x)
    return same(x)


def params(spec: SqueezeExcite, ins: list[Sig]) -> tuple[int, int]:
    channels = ins[0].shape[-1] or 0
    middle = hidden(spec, channels)
    return dense_like(middle, channels, True) + dense_like(channels, middle, True), 0


def macs(spec: SqueezeExcite, ins: list[Sig], outs: list[Sig]) -> int:
    x = ins[0]
    channels = x.shape[-1] or 0
    spatial = 1
    for d in x.shape[1:-1]:
        spatial *= d or 1
    return 2 * channels * hidden(spec, channels) + spatial * channels


def build(spec: SqueezeExcite, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    channels = int(ins[0].shape[-1] or 0)
    pool = getattr(keras.layers, f"GlobalAveragePooling{ins[0].rank - 2}D")
    return (pool(keepdims=True, name=f"{name}_squeeze"),
            keras.layers.Dense(hidden(spec, channels), activation="relu", name=f"{name}_reduce"),
            keras.layers.Dense(channels, activation="sigmoid", name=f"{name}_expand"),
            keras.layers.Multiply(name=f"{name}_scale"))


def call(spec: SqueezeExcite, layers: Any, xs: list[Any], at: At) -> Any:
    pool, reduce, expand, scale = layers
    return scale([xs[0], expand(reduce(pool(xs[0])))])


def strategy(sig: Sig) -> Any:
    """SqueezeExcite blocks for ``sig``, or None where the block does not apply."""
    if sig.rank not in (3, 4, 5) or sig.shape[-1] is None:
        return None
    from hypothesis import strategies as st

    return st.builds(SqueezeExcite, ratio=st.integers(1, 8))


def register() -> None:
    """The ``hybridspec.blocks`` entry point: adds the ``squeeze_excite`` kind. It stands for
    no single Keras class, so it declares no ``keras=`` names (those map Keras classes to kinds
    for the coverage table, the hints and the importer)."""
    hs.register_block(SqueezeExcite, kind="squeeze_excite", shape=shape, params=params, build=build,
                      call=call, macs=macs, strategy=strategy)
