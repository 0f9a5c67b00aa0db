"""More convolutional kinds: transposed and depthwise convolutions, cropping, ConvLSTM."""

from __future__ import annotations

import attrs

from .base import WeightOptions, block, fail
from .layers import PADDING, PER_SIDE, Spatial, check_sizes, max_of
from .recurrent import RecurrentLayer
from .rules import (
    ACTIVATION,
    NON_NEGATIVE,
    POSITIVE,
    RANK,
    RATE,
    SIZES,
    Bool,
    Either,
    Maybe,
    OneOf,
    TupleOf,
    field,
)

OFFSETS = Maybe(Either(NON_NEGATIVE, TupleOf(NON_NEGATIVE, 1, 3)))
OFFSETS.describe = "a non-negative integer, a list of 1 to 3 of them, or null"


@block("conv_transpose", positional=("filters", "kernel_size", "strides", "padding", "output_padding"))
@attrs.frozen(kw_only=True)
class ConvTranspose(WeightOptions):
    """A transposed convolution over 1-3 spatial axes (Conv1DTranspose/2D/3D): it grows each
    axis to about ``size * strides``, undoing a strided convolution's shape."""

    filters: int = field(POSITIVE, doc="output channels")
    kernel_size: int | tuple[int, ...] = field(SIZES, doc="window per spatial axis (a scalar means every axis)")
    strides: int | tuple[int, ...] = field(SIZES, 1, "step per spatial axis")
    padding: str = field(PADDING, "valid", "valid or same")
    output_padding: int | tuple[int, ...] | None = field(
        OFFSETS, None, "extra rows added on one side, per axis, each below its stride (inferred if null)")
    dilation: int | tuple[int, ...] = field(SIZES, 1, "dilation rate per spatial axis")
    activation: str | None = field(ACTIVATION, None, "activation (linear if null)")
    rank: int | None = field(RANK, None, "spatial rank 1-3 (inferred from the input if null)")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "kernel_size", "strides", "dilation", "output_padding")
        if max_of(self.strides) > 1 and max_of(self.dilation) > 1:
            fail("dilation", "strides > 1 cannot be combined with dilation > 1")


@block("depthwise_conv", positional=("kernel_size", "strides", "padding", "depth_multiplier"))
@attrs.frozen(kw_only=True)
class DepthwiseConv(WeightOptions):
    """A depthwise convolution (DepthwiseConv1D/2D): each input channel is convolved on its
    own into ``depth_multiplier`` output channels."""

    kernel_size: int | tuple[int, ...] = field(SIZES, doc="window per spatial axis (a scalar means every axis)")
    strides: int | tuple[int, ...] = field(SIZES, 1, "step per spatial axis")
    padding: str = field(PADDING, "valid", "valid or same")
    depth_multiplier: int = field(POSITIVE, 1, "output channels per input channel")
    dilation: int | tuple[int, ...] = field(SIZES, 1, "dilation rate per spatial axis")
    activation: str | None = field(ACTIVATION, None, "activation (linear if null)")
    rank: int | None = field(Maybe(OneOf(1, 2)), None, "spatial rank 1 or 2 (inferred if null)")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "kernel_size", "strides", "dilation")


@block("cropping", short="cropping", positional=("cropping",))
@attrs.frozen(kw_only=True)
class Cropping(Spatial):
    """Removes rows from the edges of every spatial axis (Cropping1D/2D/3D): as many from
    both ends, or [before, after] per axis."""

    cropping: int | tuple[int | tuple[int, int], ...] = field(
        PER_SIDE, doc="rows removed from each end, per spatial axis, or [before, after] per axis")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "cropping")


@block("conv_lstm", positional=("filters", "kernel_size", "strides", "padding"))
@attrs.frozen(kw_only=True)
class ConvLSTM(WeightOptions, RecurrentLayer):
    """An LSTM whose gates are convolutions (ConvLSTM1D/2D/3D), over a sequence of 1-3D
    feature maps (batch, time, *spatial, channels). Its states h and c are feature maps too."""

    filters: int = field(POSITIVE, doc="output channels (the state's channels)")
    kernel_size: int | tuple[int, ...] = field(SIZES, doc="window per spatial axis (a scalar means every axis)")
    strides: int | tuple[int, ...] = field(SIZES, 1, "step per spatial axis (of the input convolution)")
    padding: str = field(PADDING, "valid", "valid or same")
    dilation: int | tuple[int, ...] = field(SIZES, 1, "dilation rate per spatial axis")
    activation: str | None = field(ACTIVATION, "tanh", "output activation")
    recurrent_activation: str | None = field(ACTIVATION, "sigmoid", "gate activation")
    dropout: float = field(RATE, 0.0, "dropout on the inputs")
    recurrent_dropout: float = field(RATE, 0.0, "dropout on the recurrent state")
    return_sequences: bool = field(Bool(), False, "emit every step, not only the last")
    go_backwards: bool = field(Bool(), False, "read the sequence in reverse")
    rank: int | None = field(RANK, None, "spatial rank 1-3 (inferred from the input if null)")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "kernel_size", "strides", "dilation")
        if max_of(self.strides) > 1 and max_of(self.dilation) > 1:
            fail("dilation", "strides > 1 cannot be combined with dilation > 1")
