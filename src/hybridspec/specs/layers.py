"""Layer-level blocks: each one maps to a single built-in Keras layer."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import attrs

from .base import CONSTRAINT, REGULARIZER, Block, MaxNorm, Regularizer, WeightOptions, block, fail
from .rules import (
    ACTIVATION,
    INITIALIZER,
    NON_NEGATIVE,
    POSITIVE,
    RANK,
    RATE,
    SIZES,
    Bool,
    Either,
    Float,
    Int,
    Maybe,
    Name,
    OneOf,
    Text,
    TupleOf,
    field,
)

PADDING = OneOf("valid", "same")


@block("dense", short="units", positional=("units", "activation"))
@attrs.frozen(kw_only=True)
class Dense(WeightOptions):
    """A fully connected layer over the last axis."""

    units: int = field(POSITIVE, doc="output features")
    activation: str | None = field(ACTIVATION, None, "activation (linear if null)")


@block("dropout", short="rate", positional=("rate",))
@attrs.frozen(kw_only=True)
class Dropout(Block):
    """Randomly zeroes inputs during training."""

    rate: float = field(RATE, doc="fraction of inputs dropped")
    noise_shape: tuple[int | None, ...] | None = field(
        Maybe(TupleOf(Maybe(POSITIVE), 1)), None, "shape of the drop mask with the batch axis, as in "
        "Keras: 1 shares a draw along an axis, null takes the input's size ([null, 1, 1, 1]: drop "
        "whole examples)")
    seed: int | None = field(Maybe(NON_NEGATIVE), None, "random seed")


@block("spatial_dropout", short="rate", positional=("rate",))
@attrs.frozen(kw_only=True)
class SpatialDropout(Block):
    """Drops whole feature maps; 1D, 2D or 3D by the input's rank."""

    rate: float = field(RATE, doc="fraction of channels dropped")
    seed: int | None = field(Maybe(NON_NEGATIVE), None, "random seed")


ACTIVATION_PARAMS = {
    "relu": ("max_value", "negative_slope", "threshold"),
    "leaky_relu": ("negative_slope",),
    "elu": ("alpha",),
    "softmax": ("axis",),
}


@block("activation", short="name", positional=("name",))
@attrs.frozen(kw_only=True)
class Activation(Block):
    """An activation layer; relu, leaky_relu, elu and softmax take parameters."""

    name: str = field(OneOf(*ACTIVATION.inner.choices), doc="activation function")  # type: ignore[attr-defined]
    layer_name: str | None = field(Maybe(Name()), None, "Keras layer name (from the path if null)")
    max_value: float | None = field(Maybe(Float(positive=True)), None, "relu: clip at this value")
    negative_slope: float | None = field(Maybe(Float(minimum=0.0)), None,
                                         "relu, leaky_relu: slope below the threshold")
    threshold: float | None = field(Maybe(Float()), None, "relu: values below are damped")
    alpha: float | None = field(Maybe(Float(positive=True)), None, "elu: scale of the negative part")
    axis: int | None = field(Maybe(Int()), None, "softmax: axis normalized over")

    COMMON = ("layer_name", "trainable")

    def label(self) -> str | None:
        return self.layer_name

    def __attrs_post_init__(self) -> None:
        allowed = ACTIVATION_PARAMS.get(self.name, ())
        for param in ("max_value", "negative_slope", "threshold", "alpha", "axis"):
            if getattr(self, param) is not None and param not in allowed:
                takes = ", ".join(allowed) if allowed else "no parameters"
                fail(param, f"activation '{self.name}' takes {takes}")


@block("flatten")
@attrs.frozen(kw_only=True)
class Flatten(Block):
    """Flattens all axes but the batch axis."""


@block("reshape", short="target_shape", positional=("target_shape",))
@attrs.frozen(kw_only=True)
class Reshape(Block):
    """Reshapes to ``target_shape`` (batch excluded); one entry may be -1."""

    target_shape: tuple[int, ...] = field(TupleOf(Either(POSITIVE, OneOf(-1)), 1),
                                          doc="new shape without the batch axis")

    def __attrs_post_init__(self) -> None:
        if self.target_shape.count(-1) > 1:
            fail("target_shape", f"at most one entry may be -1, got {list(self.target_shape)}")


@block("permute", short="dims", positional=("dims",))
@attrs.frozen(kw_only=True)
class Permute(Block):
    """Permutes the non-batch axes; ``dims`` is a permutation of 1..n."""

    dims: tuple[int, ...] = field(TupleOf(POSITIVE, 1), doc="permutation of 1..n")

    def __attrs_post_init__(self) -> None:
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            fail("dims", f"must be a permutation of 1..{len(self.dims)}, got {list(self.dims)}")


@block("repeat_vector", short="n", positional=("n",))
@attrs.frozen(kw_only=True)
class RepeatVector(Block):
    """Repeats a (batch, features) input ``n`` times along a new time axis."""

    n: int = field(POSITIVE, doc="repetitions")


@block("embedding", positional=("vocab", "dim"))
@attrs.frozen(kw_only=True)
class Embedding(Block):
    """Maps integer ids to dense vectors; ``mask_zero`` makes id 0 padding."""

    vocab: int = field(POSITIVE, doc="vocabulary size (largest id + 1)")
    dim: int = field(POSITIVE, doc="vector size")
    mask_zero: bool = field(Bool(), False, "treat id 0 as padding and emit a mask")
    embeddings_initializer: str | float | None = field(INITIALIZER, None, "vectors' initializer (Keras's "
                                                       "uniform in [-0.05, 0.05] if null)")
    embeddings_regularizer: Regularizer | None = field(REGULARIZER, None, "vectors' penalty")
    activity_regularizer: Regularizer | None = field(REGULARIZER, None, "output penalty")
    embeddings_constraint: MaxNorm | None = field(CONSTRAINT, None, "vectors' constraint")
    weights: str | None = field(Maybe(Text()), None, "initial vectors: a .npy file of shape (vocab, dim), "
                                "relative to the document's folder and inside it (random if null)")

    def __attrs_post_init__(self) -> None:
        if self.weights is not None:
            path = PurePosixPath(self.weights.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or PureWindowsPath(self.weights).drive:
                fail("weights", f"must be a path inside the document's folder (no '..', not absolute), "
                     f"got {self.weights!r}")
            if path.suffix != ".npy":
                fail("weights", f"must name a .npy file, got {self.weights!r}")


@block("masking", short="mask_value", positional=("mask_value",))
@attrs.frozen(kw_only=True)
class Masking(Block):
    """Masks time steps whose features all equal ``mask_value``."""

    mask_value: float = field(Float(), 0.0, "value that marks padding")


@attrs.frozen(kw_only=True)
class Spatial(Block):
    """Base of blocks that act on 1-3 spatial axes; ``rank`` null means from the input."""

    rank: int | None = field(RANK, None, "spatial rank 1-3 (inferred from the input if null)")


def check_sizes(spec: Block, *names: str) -> None:
    """Per-axis sizes given as lists must have one entry per spatial axis."""
    rank = getattr(spec, "rank")  # noqa: B009 (every caller has a rank field)
    for name in names:
        value = getattr(spec, name)
        if rank is not None and isinstance(value, tuple) and len(value) != rank:
            fail(name, f"has {len(value)} entries but rank is {rank}")


@block("conv", positional=("filters", "kernel_size", "strides", "padding"))
@attrs.frozen(kw_only=True)
class Conv(WeightOptions):
    """A convolution over 1-3 spatial axes (Conv1D/2D/3D)."""

    rank: int | None = field(RANK, None, "spatial rank 1-3 (inferred from the input if null)")
    filters: int = field(POSITIVE, doc="output channels")
    kernel_size: int | tuple[int, ...] = field(SIZES, doc="window per spatial axis (a scalar means every axis)")
    strides: int | tuple[int, ...] = field(SIZES, 1, "step per spatial axis")
    padding: str = field(OneOf("valid", "same", "causal"), "valid", "valid, same or causal (rank 1)")
    dilation: int | tuple[int, ...] = field(SIZES, 1, "dilation rate per spatial axis")
    activation: str | None = field(ACTIVATION, None, "activation (linear if null)")
    groups: int = field(POSITIVE, 1, "split channels into this many groups convolved separately")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "kernel_size", "strides", "dilation")
        if self.filters % self.groups:
            fail("groups", f"filters ({self.filters}) must be divisible by groups ({self.groups})")
        if self.padding == "causal" and self.rank not in (None, 1):
            fail("padding", "causal padding needs rank 1")
        if max_of(self.strides) > 1 and max_of(self.dilation) > 1:
            fail("dilation", "strides > 1 cannot be combined with dilation > 1")


def max_of(sizes: int | tuple[int, ...]) -> int:
    return sizes if isinstance(sizes, int) else max(sizes)


@block("separable_conv", positional=("filters", "kernel_size", "strides", "padding"))
@attrs.frozen(kw_only=True)
class SeparableConv(WeightOptions):
    """A depthwise separable convolution (SeparableConv1D/2D)."""

    filters: int = field(POSITIVE, doc="output channels")
    kernel_size: int | tuple[int, ...] = field(SIZES, doc="window per spatial axis")
    strides: int | tuple[int, ...] = field(SIZES, 1, "step per spatial axis")
    padding: str = field(PADDING, "valid", "valid or same")
    depth_multiplier: int = field(POSITIVE, 1, "depthwise channels per input channel")
    activation: str | None = field(ACTIVATION, None, "activation (linear if null)")
    rank: int | None = field(Maybe(OneOf(1, 2)), None, "spatial rank 1 or 2 (inferred if null)")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "kernel_size", "strides")


PER_SIDE = Either(NON_NEGATIVE, TupleOf(Either(NON_NEGATIVE, TupleOf(NON_NEGATIVE, 2, 2)), 1, 3))
PER_SIDE.describe = ("a non-negative integer, or a list of 1 to 3 entries (one per spatial axis), "
                     "each a non-negative integer or a [before, after] pair")


@block("zero_padding", short="padding", positional=("padding",))
@attrs.frozen(kw_only=True)
class ZeroPadding(Spatial):
    """Pads every spatial axis with zeros: as many on both sides, or [before, after] per axis."""

    padding: int | tuple[int | tuple[int, int], ...] = field(PER_SIDE, 1, "zeros added on each side, per spatial "
                                                             "axis, or [before, after] per axis")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "padding")


@block("upsampling", short="size", positional=("size",))
@attrs.frozen(kw_only=True)
class UpSampling(Spatial):
    """Repeats every spatial axis ``size`` times (2D: or interpolates, ``bilinear`` and others)."""

    size: int | tuple[int, ...] = field(SIZES, 2, "factor per spatial axis")
    interpolation: str = field(OneOf("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"),
                               "nearest", "2D only: how new rows and columns are filled")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "size")


@block("pool", short="size", positional=("size", "strides", "padding"))
@attrs.frozen(kw_only=True)
class Pool(Spatial):
    """Max or average pooling over 1-3 spatial axes."""

    mode: str = field(OneOf("max", "avg"), "max", "max or avg")
    size: int | tuple[int, ...] = field(SIZES, 2, "window per spatial axis")
    strides: int | tuple[int, ...] | None = field(Maybe(SIZES), None, "step (the window size if null)")
    padding: str = field(PADDING, "valid", "valid or same")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "size", "strides")


@block("global_pool", short="mode", positional=("mode",))
@attrs.frozen(kw_only=True)
class GlobalPool(Spatial):
    """Max or average over every spatial (or time) axis."""

    mode: str = field(OneOf("max", "avg"), "avg", "max or avg")
    keepdims: bool = field(Bool(), False, "keep the pooled axes with size 1")


@block("adaptive_pool", short="output_size", positional=("output_size", "mode"))
@attrs.frozen(kw_only=True)
class AdaptivePool(Spatial):
    """Average or max pooling to a fixed size per spatial axis, whatever the input's size
    (PyTorch's AdaptiveAvgPool2d): windows of two lengths tile each axis."""

    output_size: int | tuple[int, ...] = field(SIZES, doc="output size per spatial axis")
    mode: str = field(OneOf("max", "avg"), "avg", "max or avg")

    def __attrs_post_init__(self) -> None:
        check_sizes(self, "output_size")


@block("batch_norm")
@attrs.frozen(kw_only=True)
class BatchNorm(Block):
    """Batch normalization over the last axis."""

    momentum: float = field(Float(minimum=0.0, below=1.0), 0.99, "moving average momentum")
    epsilon: float = field(Float(positive=True), 0.001, "variance epsilon")
    center: bool = field(Bool(), True, "learn an offset (beta)")
    scale: bool = field(Bool(), True, "learn a scale (gamma)")


@block("layer_norm")
@attrs.frozen(kw_only=True)
class LayerNorm(Block):
    """Layer normalization over the last axis."""

    epsilon: float = field(Float(positive=True), 0.001, "variance epsilon")
    center: bool = field(Bool(), True, "learn an offset (beta)")
    scale: bool = field(Bool(), True, "learn a scale (gamma)")


MERGE_MODES = ("concat", "add", "subtract", "multiply", "average", "maximum", "minimum", "dot")


@block("merge", short="mode", positional=("mode",))
@attrs.frozen(kw_only=True)
class Merge(Block):
    """Merges several inputs: concat along an axis, element-wise ops (sizes of 1 broadcast as in
    Keras, aligned from the last axis; the features axis only with ``broadcast``), or a dot product."""

    mode: str = field(OneOf(*MERGE_MODES), "concat", "how inputs are combined")
    axis: int = field(Int(), -1, "concat: axis to join along")
    axes: int | tuple[int, ...] = field(Either(Int(), TupleOf(Int(), 2, 2)), -1,
                                        "dot: axis of each input to contract")
    normalize: bool = field(Bool(), False, "dot: L2-normalize first (cosine similarity)")
    broadcast: bool = field(Bool(), False, "element-wise: let a features (last) axis of size 1 "
                            "broadcast too, as Keras does")

    def __attrs_post_init__(self) -> None:
        if self.mode != "concat" and self.axis != -1:
            fail("axis", f"only concat takes an axis, mode is '{self.mode}'")
        if self.mode in ("concat", "dot") and self.broadcast:
            fail("broadcast", f"only element-wise modes broadcast, mode is '{self.mode}'")
        if self.mode != "dot" and (self.axes != -1 or self.normalize):
            fail("axes" if self.axes != -1 else "normalize", f"only dot takes this, mode is '{self.mode}'")
