"""Hypothesis strategies for shape-valid spec trees, and for trees that must be rejected.

``models()`` draws whole ModelSpecs over random inputs: chains, parallel branches with every
merge, residuals, time_distributed sub-trees, conv and recurrent stacks (bidirectional too),
every attention kind, embeddings with masks, multi-input graphs with shared nodes, and
encoder-decoder graphs. Each block is drawn for the static shape it will receive, and the
checker itself computes what flows on, so trees are valid by construction.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs
from hypothesis import strategies as st

from .. import specs as s
from ..blocks import Sig
from ..graphs.static import StaticInterpreter
from ..graphs.walk import Walk
from ..plugins import STRATEGIES, discover

SMALL = st.integers(1, 6)
WEIGHT_OPTIONS = st.fixed_dictionaries({}, optional={
    "kernel_initializer": st.sampled_from(["he_normal", "orthogonal", "zeros", 0.05]),
    "bias_initializer": st.sampled_from(["ones", -0.5]),
    "kernel_regularizer": st.builds(s.Regularizer, l2=st.just(1e-4)),
    "bias_regularizer": st.builds(s.Regularizer, l1=st.just(1e-3)),
    "kernel_constraint": st.sampled_from([s.MaxNorm(max_norm=2.0), s.MaxNorm(min_norm=0.5, max_norm=2.0, rate=0.5),
                                          s.MaxNorm(unit_norm=True), s.MaxNorm(non_neg=True)]),
})
CELLS = st.sampled_from(["lstm", "gru", "simple"])
BETWEEN = [None, s.Dropout(rate=0.1), s.LayerNorm(), s.Chain(blocks=(s.LayerNorm(), s.Dropout(rate=0.1)))]


def out_sig(block: s.Block, x: Sig) -> Sig | None:
    """What ``block`` yields for ``x`` according to the checker (None if it rejects it)."""
    try:
        outs = Walk(StaticInterpreter()).block(block, "t", [x])
    except s.SpecError:
        return None
    return outs[0] if len(outs) == 1 else None


@st.composite
def vector_block(draw: Any, x: Sig) -> s.Block:
    """A block for (batch, features)."""
    f = x.shape[-1] or 1
    options = ["dense", "dropout", "activation", "norm", "parallel", "residual", "repeat", "stock"]
    kind = draw(st.sampled_from(options))
    if kind == "stock":
        return draw(stock_block(x))
    if kind == "dense":
        return s.Dense(units=draw(SMALL), activation=draw(st.sampled_from([None, "relu", "tanh"])),
                       use_bias=draw(st.booleans()), **draw(WEIGHT_OPTIONS))
    if kind == "dropout":
        return s.Dropout(rate=draw(st.sampled_from([0.0, 0.25])),
                         noise_shape=draw(st.sampled_from([None, (None, 1), (None, f)])))
    if kind == "activation":
        return draw(st.sampled_from([s.Activation(name="relu", max_value=6.0), s.Activation(name="gelu"),
                                     s.Activation(name="leaky_relu", negative_slope=0.2),
                                     s.Activation(name="softmax", axis=-1), s.Activation(name="elu", alpha=0.5)]))
    if kind == "norm":
        return draw(st.sampled_from([s.BatchNorm(), s.LayerNorm(), s.BatchNorm(center=False)]))
    if kind == "repeat":
        return s.RepeatVector(n=draw(st.integers(1, 4)))
    if kind == "residual":
        return s.Residual(body=s.Dense(units=f), shortcut=draw(st.sampled_from([None, s.Dense(units=f)])))
    mode = draw(st.sampled_from(["concat", "add", "subtract", "multiply", "average", "maximum", "minimum", "dot"]))
    units = draw(SMALL)
    n = 2 if mode in ("subtract", "dot") else draw(st.integers(2, 3))
    branches = tuple(s.Dense(units=units if mode != "concat" else draw(SMALL)) for _ in range(n))
    return s.Parallel(branches=branches, merge=s.Merge(mode=mode, axes=1 if mode == "dot" else -1))


@st.composite
def sequence_block(draw: Any, x: Sig, depth: int) -> s.Block:
    """A block for (batch, time, features)."""
    t, f = x.shape[1], x.shape[-1]
    options = ["recurrent_stack", "cell", "bidirectional", "conv", "separable", "pool", "global_pool", "attention",
               "dense", "layer_norm", "spatial_dropout", "zero_padding", "upsampling", "permute", "masking",
               "stock"]
    if depth > 0:
        options += ["time_distributed", "parallel_seq", "conv_stack"]
    if t is not None:
        options.append("flatten")
    options += more_conv_options(x)
    kind = draw(st.sampled_from(options))
    if kind in MORE_CONV:
        return draw(more_conv(x, kind))
    if kind == "stock":
        return draw(stock_block(x))
    if kind == "recurrent_stack":
        cell = draw(CELLS)
        return s.RecurrentStack(cell=cell, units=tuple(draw(st.lists(SMALL, min_size=1, max_size=2))),
                                return_sequences=draw(st.booleans()), bidirectional=draw(st.booleans()),
                                merge_mode=draw(st.sampled_from(["concat", "sum", "ave", "mul"])),
                                use_cudnn=draw(st.sampled_from(["auto", False])) if cell != "simple" else "auto",
                                reset_after=draw(st.booleans()) if cell == "gru" else True,
                                between=draw(st.sampled_from(BETWEEN)))
    if kind in ("cell", "bidirectional"):
        cls = draw(st.sampled_from([s.LSTM, s.GRU, s.SimpleRNN]))
        layer = cls(units=draw(SMALL), return_sequences=draw(st.booleans()),
                    go_backwards=kind == "cell" and draw(st.booleans()),
                    use_bias=draw(st.booleans()), activation=draw(st.sampled_from(["tanh", "relu"])),
                    recurrent_initializer=draw(st.sampled_from([None, "glorot_uniform"])),
                    recurrent_regularizer=draw(st.sampled_from([None, s.Regularizer(l2=1e-3)])))
        if kind == "cell":
            return layer
        return s.Bidirectional(layer=layer, merge_mode=draw(st.sampled_from(["concat", "sum", "mul", "ave"])))
    if kind == "conv":
        padding = draw(st.sampled_from(["same", "causal"] + (["valid"] if t is not None and t >= 3 else [])))
        return s.Conv(filters=draw(SMALL), kernel_size=draw(st.integers(1, 3) if padding != "valid" else st.just(3)),
                      padding=padding, dilation=draw(st.sampled_from([1, 2])) if padding != "valid" else 1)
    if kind == "separable":
        return s.SeparableConv(filters=draw(SMALL), kernel_size=draw(st.integers(1, 3)), padding="same",
                               depth_multiplier=draw(st.integers(1, 2)), **draw(WEIGHT_OPTIONS))
    if kind == "conv_stack":
        return s.ConvStack(filters=(draw(SMALL), draw(SMALL)), kernel_size=draw(st.integers(1, 3)),
                           norm=draw(st.sampled_from([None, "batch", "layer"])), pool=None,
                           use_bias=draw(st.sampled_from([None, True, False])), separable=draw(st.booleans()))
    if kind == "pool":
        return s.Pool(mode=draw(st.sampled_from(["max", "avg"])), size=2, padding="same")
    if kind == "global_pool":
        return s.GlobalPool(mode=draw(st.sampled_from(["max", "avg"])), keepdims=draw(st.booleans()))
    if kind == "attention":
        which = draw(st.sampled_from(["dot", "additive", "multihead", "grouped", "pool"]))
        if which == "grouped":
            heads = draw(st.sampled_from([2, 4]))
            return s.Attention(kind="grouped", heads=heads, key_dim=draw(SMALL), kv_heads=draw(st.sampled_from([1, 2])),
                               use_gate=draw(st.booleans()), causal=draw(st.booleans()))
        if which == "pool":
            return s.Attention(kind="additive", pool=True, units=draw(st.sampled_from([None, 3])))
        if which == "multihead":
            return s.Attention(kind="multihead", heads=draw(st.integers(1, 2)), key_dim=draw(SMALL),
                               causal=draw(st.booleans()), value_dim=draw(st.sampled_from([None, 3])),
                               output_dim=draw(st.sampled_from([None, 5])), use_bias=draw(st.booleans()))
        return s.Attention(kind=which, use_scale=draw(st.booleans()), causal=draw(st.booleans()),
                           score_mode=draw(st.sampled_from(["dot", "concat"])) if which == "dot" else "dot")
    if kind == "dense":
        return s.Dense(units=draw(SMALL))
    if kind == "layer_norm":
        return s.LayerNorm()
    if kind == "spatial_dropout":
        return s.SpatialDropout(rate=0.1)
    if kind == "zero_padding":
        return s.ZeroPadding(padding=draw(st.integers(0, 2)))
    if kind == "upsampling":
        return s.UpSampling(size=draw(st.integers(1, 2)))
    if kind == "permute":
        return s.Permute(dims=(2, 1))
    if kind == "masking":
        return s.Masking(mask_value=-1e4)  # random data never hits it: no fully masked sequence
    if kind == "flatten":
        return s.Flatten()
    if kind == "time_distributed":
        inner = Sig((x.shape[0], f))
        return s.TimeDistributed(block=draw(chain(inner, depth - 1, min_len=1, max_len=2)))
    return s.Parallel(branches=(s.Dense(units=draw(SMALL)), s.LSTM(units=draw(SMALL), return_sequences=True)),
                      merge=s.Merge(mode="concat"))


@st.composite
def image_block(draw: Any, x: Sig, depth: int) -> s.Block:
    """A block for (batch, height, width, channels) or, for rank 5, (batch, time, h, w, c)."""
    spatial = x.shape[1:-1]
    options = ["conv", "separable", "pool", "adaptive_pool", "global_pool", "flatten", "batch_norm",
               "zero_padding", "upsampling", "spatial_dropout"]
    if x.rank == 4:
        options += ["conv_stack", "reshape", "stock", "preprocessing"] + (["time_distributed"] if depth > 0 else [])
    if x.rank == 5 and depth > 0:
        options = ["time_distributed", "conv"]
    options += more_conv_options(x)
    kind = draw(st.sampled_from(options))
    if kind in MORE_CONV:
        return draw(more_conv(x, kind))
    smallest = min(d for d in spatial if d is not None)
    if kind == "stock":
        return draw(stock_block(x))
    if kind == "preprocessing":
        return draw(preprocessing_block(x))
    if kind == "conv":
        valid = smallest >= 2 and draw(st.booleans())
        return s.Conv(filters=draw(SMALL), kernel_size=2 if valid else draw(st.integers(1, 3)),
                      strides=draw(st.sampled_from([1, 2])), padding="valid" if valid else "same",
                      activation=draw(st.sampled_from([None, "relu"])), **draw(WEIGHT_OPTIONS))
    if kind == "separable":
        return s.SeparableConv(filters=draw(SMALL), kernel_size=draw(st.integers(1, 3)), padding="same",
                               depth_multiplier=draw(st.integers(1, 2)))
    if kind == "conv_stack":
        return s.ConvStack(filters=tuple(draw(st.lists(SMALL, min_size=1, max_size=2))),
                           norm=draw(st.sampled_from([None, "batch"])), pool=2 if smallest >= 4 else None,
                           dropout=draw(st.sampled_from([0.0, 0.1])), separable=draw(st.booleans()))
    if kind == "pool":
        return s.Pool(mode=draw(st.sampled_from(["max", "avg"])), size=2, padding="same")
    if kind == "adaptive_pool":  # sizes TensorFlow's kernel pools: windows of ceil(n/out) + 1 fit
        fits = [[o for o in range(1, n + 2) if -(-n // o) + 1 <= n] if n else [] for n in spatial]
        if all(fits):
            return s.AdaptivePool(output_size=tuple(draw(st.sampled_from(f)) for f in fits),
                                  mode=draw(st.sampled_from(["max", "avg"])))
        kind = "global_pool"
    if kind == "global_pool":
        return s.GlobalPool(mode=draw(st.sampled_from(["max", "avg"])))
    if kind == "flatten":
        return s.Flatten()
    if kind == "batch_norm":
        return s.BatchNorm()
    if kind == "zero_padding":
        return s.ZeroPadding(padding=1)
    if kind == "upsampling":
        return s.UpSampling(size=2, interpolation=draw(st.sampled_from(["nearest", "bilinear"]))
                            if x.rank == 4 else "nearest")
    if kind == "spatial_dropout":
        return s.SpatialDropout(rate=0.2)
    if kind == "reshape":
        h, w, c = x.shape[1:]
        return s.Reshape(target_shape=(h or -1, (w or 1) * (c or 1)))
    inner = Sig((x.shape[0], *x.shape[2:]))
    return s.TimeDistributed(block=draw(chain(inner, depth - 1, min_len=1, max_len=3)))


MORE_CONV = ("conv_transpose", "depthwise_conv", "grouped_conv", "cropping", "per_side_padding", "conv_lstm")


def more_conv_options(x: Sig) -> list[str]:
    """The kinds of ``more_conv`` that suit a (batch, *spatial, channels) input of x's rank."""
    return [k for k in MORE_CONV if not (k == "depthwise_conv" and x.rank > 4 or k == "conv_lstm" and x.rank < 4)]


def _sides(draw: Any, sizes: tuple[int | None, ...], most: int, cut: bool) -> Any:
    """Per-side amounts for ``sizes`` as a scalar, a per-axis list or [before, after] pairs; when
    ``cut`` (cropping) every axis keeps at least one row and unknown axes are left whole."""
    pairs = []
    for n in sizes:
        room = 0 if cut and n is None else min(most, (n or 1) - 1) if cut else most
        before = draw(st.integers(0, room))
        pairs.append((before, draw(st.integers(0, room - before if cut else most))))
    form = draw(st.sampled_from(["scalar", "axis", "pairs"]))
    if form == "scalar" and all(b == a == pairs[0][0] for b, a in pairs):
        return pairs[0][0]
    if form == "axis" and len(pairs) > 1 and all(b == a for b, a in pairs):
        return tuple(b for b, _ in pairs)
    return tuple(draw(st.sampled_from([p, p[0]])) if p[0] == p[1] else p for p in pairs)


@st.composite
def more_conv(draw: Any, x: Sig, kind: str) -> s.Block:
    """conv_transpose, depthwise_conv, grouped conv, cropping, per-side zero_padding, or conv_lstm
    (plain or bidirectional) for a (batch, *spatial, channels) input."""
    spatial, c = x.shape[1:-1], x.shape[-1] or 1
    fits = min((d for d in spatial if d is not None), default=0)  # valid padding only where sizes are known
    if kind == "conv_transpose":
        stride = draw(st.integers(1, 2))
        return s.ConvTranspose(filters=draw(SMALL), kernel_size=draw(st.integers(1, 3)), strides=stride,
                               padding=draw(st.sampled_from(["valid", "same"])),
                               output_padding=draw(st.sampled_from([None, *range(stride)])),
                               activation=draw(st.sampled_from([None, "relu"])), use_bias=draw(st.booleans()),
                               **draw(WEIGHT_OPTIONS))
    if kind == "depthwise_conv":
        k = draw(st.integers(1, 3))
        return s.DepthwiseConv(kernel_size=k, strides=draw(st.integers(1, 2)), dilation=draw(st.integers(1, 2)),
                               padding="valid" if None not in spatial and fits >= 2 * k and draw(st.booleans())
                               else "same", depth_multiplier=draw(st.integers(1, 2)),
                               use_bias=draw(st.booleans()), **draw(WEIGHT_OPTIONS))
    if kind == "grouped_conv":
        groups = draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0][-2:]))
        return s.Conv(filters=groups * draw(st.integers(1, 2)), kernel_size=draw(st.integers(1, 3)),
                      padding="same", groups=groups, strides=draw(st.integers(1, 2)))
    if kind == "cropping":
        return s.Cropping(cropping=_sides(draw, spatial, 2, cut=True))
    if kind == "per_side_padding":
        return s.ZeroPadding(padding=_sides(draw, spatial, 2, cut=False))
    k = draw(st.integers(1, 3))
    valid = None not in spatial[1:] and min(spatial[1:]) >= k and draw(st.booleans())  # type: ignore[type-var]
    bidirectional = draw(st.booleans())
    layer = s.ConvLSTM(filters=draw(SMALL), kernel_size=k, strides=draw(st.integers(1, 2)),
                       padding="valid" if valid else "same", return_sequences=draw(st.booleans()),
                       go_backwards=not bidirectional and draw(st.booleans()),
                       activation=draw(st.sampled_from(["tanh", "relu"])), use_bias=draw(st.booleans()),
                       dropout=draw(st.sampled_from([0.0, 0.1])))
    if not bidirectional:
        return layer
    return s.Bidirectional(layer=layer, merge_mode=draw(st.sampled_from(["concat", "sum", "mul", "ave"])))


SEEDS = st.none() | st.integers(0, 9)
FACTORS = st.sampled_from([0.1, 0.5, (-0.2, 0.3)])


@st.composite
def stock_block(draw: Any, x: Sig) -> s.Block:
    """Noise, normalization variants, identity, prelu, rescaling or normalization for any rank."""
    f = x.shape[-1] or 1
    kind = draw(st.sampled_from(["noise", "gaussian_dropout", "alpha_dropout", "identity", "activity",
                                 "unit_norm", "rms_norm", "group_norm", "prelu", "normalization", "rescaling"]))
    if kind == "noise":
        return s.GaussianNoise(stddev=draw(st.sampled_from([0.0, 0.1, 1.0])), seed=draw(SEEDS))
    if kind in ("gaussian_dropout", "alpha_dropout"):
        cls = s.GaussianDropout if kind == "gaussian_dropout" else s.AlphaDropout
        return cls(rate=draw(st.sampled_from([0.0, 0.2])), seed=draw(SEEDS))
    if kind == "identity":
        return s.Identity()
    if kind == "activity":
        return s.ActivityRegularization(l1=draw(st.sampled_from([0.0, 0.01])), l2=draw(st.sampled_from([0.0, 0.1])))
    axes = st.sampled_from([-1, x.rank - 1, tuple(range(1, x.rank))])
    if kind == "unit_norm":
        return s.UnitNorm(axis=draw(axes))
    if kind == "rms_norm":
        return s.RMSNorm(axis=draw(axes), epsilon=draw(st.sampled_from([1e-6, 1e-3])))
    if kind == "group_norm":
        return s.GroupNorm(groups=draw(st.sampled_from([-1, *(g for g in range(1, f + 1) if f % g == 0)])),
                           center=draw(st.booleans()), scale=draw(st.booleans()))
    if kind == "prelu":
        shared = draw(st.lists(st.integers(1, x.rank - 1), unique=True, max_size=x.rank - 1))
        return s.PReLU(shared_axes=tuple(shared) or None, alpha_initializer=draw(st.sampled_from([None, "ones", 0.25])),
                       alpha_regularizer=draw(st.sampled_from([None, s.Regularizer(l2=1e-3)])))
    if kind == "normalization":
        stats = draw(st.sampled_from(["adapt", "scalar", "list"]))
        if stats == "adapt":
            return s.Normalization(axis=draw(axes), invert=draw(st.booleans()))
        mean, variance = (0.5, 2.0) if stats == "scalar" else (tuple(range(f)), (1.0,) * f)
        return s.Normalization(mean=mean, variance=variance, invert=draw(st.booleans()))
    return s.Rescaling(scale=draw(st.sampled_from([1 / 255, 2.0])), offset=draw(st.sampled_from([0.0, -1.0])))


@st.composite
def preprocessing_block(draw: Any, x: Sig) -> s.Block:
    """A resizing, cropping or random augmentation layer for (batch, height, width, channels)."""
    h, w = x.shape[1] or 1, x.shape[2] or 1
    kind = draw(st.sampled_from(["flip", "rotation", "zoom", "translation", "contrast", "brightness",
                                 "crop", "resizing", "center_crop", "augment"]))
    if kind == "augment":
        seed = draw(SEEDS)
        options = [s.RandomGrayscale(seed=seed), s.RandomSharpness(factor=0.3, seed=seed),
                   s.RandomInvert(factor=0.5, seed=seed), s.RandomPosterization(factor=(2, 6), seed=seed),
                   s.RandomGaussianBlur(sigma=0.5, seed=seed),
                   s.RandomErasing(seed=seed), s.RandomShear(x_factor=(0.0, 0.1), y_factor=(0.0, 0.2), seed=seed),
                   s.RandomPerspective(scale=0.5, seed=seed), s.Solarization(threshold_factor=0.5, seed=seed),
                   s.RandomColorJitter(brightness_factor=0.1, contrast_factor=0.2, seed=seed), s.AutoContrast(),
                   s.RandAugment(num_ops=1, seed=seed), s.AugMix(num_chains=2, chain_depth=1, seed=seed),
                   s.RandomElasticTransform(scale=0.5, seed=seed)]
        if x.shape[3] == 3:
            options += [s.RandomHue(factor=0.2, seed=seed), s.RandomSaturation(factor=(0.3, 0.6), seed=seed),
                        s.RandomColorDegeneration(factor=0.2, seed=seed)]
        return draw(st.sampled_from(options))
    if kind == "flip":
        return s.RandomFlip(mode=draw(st.sampled_from(["horizontal", "vertical", "horizontal_and_vertical"])),
                            seed=draw(SEEDS))
    geometric = {"fill_mode": draw(st.sampled_from(["reflect", "constant", "nearest", "wrap"])),
                 "interpolation": draw(st.sampled_from(["bilinear", "nearest"])), "seed": draw(SEEDS)}
    if kind == "rotation":
        return s.RandomRotation(factor=draw(FACTORS), **geometric)
    if kind == "zoom":
        return s.RandomZoom(height_factor=draw(FACTORS), width_factor=draw(st.none() | FACTORS), **geometric)
    if kind == "translation":
        return s.RandomTranslation(height_factor=draw(FACTORS), width_factor=draw(FACTORS), **geometric)
    if kind == "contrast":
        return s.RandomContrast(factor=draw(st.sampled_from([0.2, (0.1, 0.4)])), seed=draw(SEEDS))
    if kind == "brightness":
        return s.RandomBrightness(factor=draw(FACTORS), value_range=(0, 1), seed=draw(SEEDS))
    if kind == "crop":
        return s.RandomCrop(height=draw(st.integers(1, h)), width=draw(st.integers(1, w)), seed=draw(SEEDS))
    if kind == "center_crop":
        return s.CenterCrop(height=draw(st.integers(1, h + 1)), width=draw(st.integers(1, w + 1)))
    return s.Resizing(height=draw(st.integers(1, 8)), width=draw(st.integers(1, 8)),
                      interpolation=draw(st.sampled_from(["bilinear", "nearest", "bicubic", "area"])),
                      crop_to_aspect_ratio=draw(st.booleans()))


@st.composite
def step(draw: Any, x: Sig, depth: int) -> s.Block:
    """One block that accepts ``x``; now and then frozen (trainable: false) or named."""
    plugins = [strategy for strategy in (make(x) for make in STRATEGIES.values()) if strategy is not None]
    if plugins and draw(st.integers(0, 3)) == 0:  # kinds from register_block(strategy=...)
        return draw(st.one_of(plugins))
    if x.rank == 2:
        block = draw(vector_block(x))
    elif x.rank == 3:
        block = draw(sequence_block(x, depth))
    else:
        block = draw(image_block(x, depth))
    return draw(_options(block))


_NAMES = itertools.count()  # layer names must be unique in a model: never drawn twice


@st.composite
def _options(draw: Any, block: s.Block) -> s.Block:
    if draw(st.integers(0, 9)) == 0:
        block = attrs.evolve(block, trainable=False)
    if draw(st.integers(0, 9)) == 0:
        names: dict[str, Any] = {block.COMMON[0]: f"n{next(_NAMES)}"}
        block = attrs.evolve(block, **names)
    return block


@st.composite
def chain(draw: Any, x: Sig, depth: int = 2, min_len: int = 1, max_len: int = 4) -> s.Block:
    """A chain of blocks starting from ``x`` (a single block when it has length 1)."""
    blocks: list[s.Block] = []
    target = draw(st.integers(min_len, max_len))
    for _ in range(20):
        if len(blocks) >= target:
            break
        candidate = draw(step(x, depth))
        y = out_sig(candidate, x)
        if y is None or y.shape[-1] is None or any(d is not None and d > 64 for d in y.shape):
            continue
        blocks.append(candidate)
        x = y
    if not blocks:
        blocks.append(s.Dropout(rate=0.0))
    return blocks[0] if len(blocks) == 1 else s.Chain(blocks=tuple(blocks))


INPUT_SHAPES = st.one_of(
    st.tuples(SMALL).map(lambda t: (t, "float32")),
    st.tuples(st.sampled_from([None, 2, 4, 5]), SMALL).map(lambda t: (t, "float32")),
    st.tuples(st.integers(2, 8), st.integers(2, 8), st.integers(1, 3)).map(lambda t: (t, "float32")),
    st.tuples(st.integers(1, 3), st.integers(2, 6), st.integers(2, 6), st.integers(1, 2)).map(lambda t: (t, "float32")),
)


@st.composite
def body_models(draw: Any) -> s.ModelSpec:
    """A single-input model whose body is a random tree; sometimes token ids with an embedding."""
    if draw(st.integers(0, 5)) == 0:
        t = draw(st.sampled_from([None, 3, 5]))
        embed = s.Embedding(vocab=draw(st.integers(2, 20)), dim=draw(SMALL), mask_zero=draw(st.booleans()))
        x = out_sig(embed, Sig((None, t), "int32"))
        assert x is not None
        rest = draw(chain(x))
        body = s.Chain(blocks=(embed, *(rest.blocks if isinstance(rest, s.Chain) else (rest,))))
        return s.ModelSpec(name="m", inputs={"x": s.InputSpec(shape=(t,), dtype="int32")}, body=body)
    shape, dtype = draw(INPUT_SHAPES)
    body = draw(chain(Sig((None, *shape), dtype), depth=2))
    return s.ModelSpec(name="m", inputs={"x": s.InputSpec(shape=shape, dtype=dtype)}, body=body)


def _to_vector(x: Sig) -> s.Block:
    return s.GlobalPool() if x.rank >= 3 else s.Dropout(rate=0.0)


@st.composite
def graph_models(draw: Any) -> s.ModelSpec:
    """Multi-input, multi-output graphs: branches merged, shared (Siamese) nodes, cross-attention
    and encoder-decoder recurrent nodes passing their final states."""
    kind = draw(st.sampled_from(["branches", "siamese", "seq2seq", "cross_attention", "conv_states",
                                 "bidirectional_states"]))
    if kind == "conv_states":
        return draw(conv_state_graphs())
    if kind == "bidirectional_states":
        return draw(bidirectional_states())
    if kind == "seq2seq":
        cls = draw(st.sampled_from([s.LSTM, s.GRU, s.SimpleRNN]))
        units = draw(SMALL)
        f1, f2 = draw(SMALL), draw(SMALL)
        nodes = {"enc": s.Node(from_="src", block=cls(units=units), return_state=True),
                 "dec": s.Node(from_="tgt", block=cls(units=units, return_sequences=True), initial_state=("enc.states",))}
        if draw(st.booleans()):
            nodes["dec2"] = s.Node(from_="tgt", share="dec", initial_state=("enc.states",))
        outputs = {"seq": s.Output(from_="dec2" if "dec2" in nodes else "dec", block=s.Dense(units=draw(SMALL))),
                   "code": s.Output(from_="enc", block=s.Dense(units=1))}
        return s.ModelSpec(name="g", inputs={"src": s.InputSpec(shape=(draw(st.sampled_from([None, 3])), f1)),
                                             "tgt": s.InputSpec(shape=(draw(st.sampled_from([None, 4])), f2))},
                           nodes=nodes, outputs=outputs)
    if kind == "cross_attention":
        f = draw(SMALL)
        which = draw(st.sampled_from(["dot", "additive", "multihead"]))
        att = s.Attention(kind=which, heads=2 if which == "multihead" else None,
                          key_dim=draw(SMALL) if which == "multihead" else None)
        fv = draw(SMALL) if which == "multihead" else f
        nodes = {"att": s.Node(from_=("q", "v"), block=att), "pooled": s.Node(from_="att", block=s.GlobalPool())}
        return s.ModelSpec(name="g", inputs={"q": s.InputSpec(shape=(draw(st.integers(1, 4)), f)),
                                             "v": s.InputSpec(shape=(draw(st.integers(1, 4)), fv))},
                           nodes=nodes, outputs={"y": s.Output(from_="pooled", block=s.Dense(units=2))})
    shape_a, _ = draw(INPUT_SHAPES)
    a = Sig((None, *shape_a))
    branch_a = draw(chain(a, depth=1, max_len=3))
    va = out_sig(branch_a, a)
    assert va is not None
    nodes = {"na": s.Node(from_="a", block=s.Chain(blocks=(branch_a, _to_vector(va))))}
    inputs = {"a": s.InputSpec(shape=shape_a)}
    if kind == "siamese":
        inputs["b"] = s.InputSpec(shape=shape_a)
        nodes["nb"] = s.Node(from_="b", share="na")
    else:
        shape_b, _ = draw(INPUT_SHAPES)
        b = Sig((None, *shape_b))
        branch_b = draw(chain(b, depth=1, max_len=3))
        vb = out_sig(branch_b, b)
        assert vb is not None
        inputs["b"] = s.InputSpec(shape=shape_b)
        nodes["nb"] = s.Node(from_="b", block=s.Chain(blocks=(branch_b, _to_vector(vb))))
    nodes["both"] = s.Node(from_=("na", "nb"), block=s.Merge(mode="concat"))
    outputs = {"label": s.Output(from_="both", block=s.Dense(units=draw(SMALL), activation="softmax")),
               "score": s.Output(from_="both", block=s.Dense(units=1))}
    return s.ModelSpec(name="g", inputs=inputs, nodes=nodes, outputs=outputs)


@st.composite
def conv_state_graphs(draw: Any) -> s.ModelSpec:
    """An encoder conv_lstm node passing its final states [h, c] to a decoder conv_lstm node."""
    size, k, stride = draw(st.integers(3, 6)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    cell = {"filters": draw(SMALL), "kernel_size": k, "strides": stride, "padding": draw(st.sampled_from(["valid", "same"]))}
    nodes = {"enc": s.Node(from_="src", block=s.ConvLSTM(**cell), return_state=True),
             "dec": s.Node(from_="tgt", block=s.ConvLSTM(**cell, return_sequences=True), initial_state=("enc.states",))}
    inputs = {"src": s.InputSpec(shape=(draw(st.integers(1, 3)), size, draw(SMALL))),
              "tgt": s.InputSpec(shape=(draw(st.sampled_from([None, 2])), size, draw(SMALL)))}
    return s.ModelSpec(name="g", inputs=inputs, nodes=nodes,
                       outputs={"frames": s.Output(from_="dec"), "code": s.Output(from_="enc", block=s.GlobalPool())})


@st.composite
def bidirectional_states(draw: Any) -> s.ModelSpec:
    """A bidirectional encoder returning its states; the decoder starts from the forward or the
    backward ones (``enc.states.N``), and outputs read one state and one selected value."""
    classes: list[Any] = [s.LSTM, s.GRU]
    cls = draw(st.sampled_from(classes))
    n, units = (2 if cls is s.LSTM else 1), draw(SMALL)
    mode = draw(st.sampled_from(["concat", "sum", "none"]))
    first = draw(st.sampled_from([0, n]))
    enc = s.Bidirectional(layer=cls(units=units, return_sequences=draw(st.booleans())), merge_mode=mode)
    nodes = {"enc": s.Node(from_="src", block=enc, return_state=True),
             "dec": s.Node(from_="tgt", block=cls(units=units), initial_state=tuple(
                 f"enc.states.{first + i}" for i in range(n)))}
    outputs = {"y": s.Output(from_="dec", block=s.Dense(units=2)),
               "state": s.Output(from_=f"enc.states.{draw(st.integers(0, 2 * n - 1))}"),
               "enc": s.Output(from_=f"enc.{draw(st.integers(0, 1))}" if mode == "none" else "enc")}
    return s.ModelSpec(name="g", inputs={"src": s.InputSpec(shape=(draw(st.sampled_from([None, 3])), draw(SMALL))),
                                         "tgt": s.InputSpec(shape=(draw(st.sampled_from([None, 4])), draw(SMALL)))},
                       nodes=nodes, outputs=outputs)


def models() -> st.SearchStrategy[s.ModelSpec]:
    """Shape-valid models: single-input trees and multi-input graphs."""
    discover()
    return st.one_of(body_models(), graph_models())


@st.composite
def invalid_more_conv(draw: Any) -> s.ModelSpec:
    """A crop that removes a whole axis, groups that do not divide the input channels, or a
    same-padded transposed convolution with an even kernel and output_padding 0."""
    n, c, cut = draw(st.integers(1, 5)), draw(st.sampled_from([3, 5, 7])), draw(st.integers(0, 5))
    block = draw(st.sampled_from([
        s.Cropping(cropping=((min(cut, n), n - min(cut, n)), 0) if draw(st.booleans()) else (n + 1) // 2),
        s.Conv(filters=2, kernel_size=1, groups=2),
        s.ConvTranspose(filters=2, kernel_size=draw(st.sampled_from([2, 4])), strides=draw(st.integers(1, 2)),
                        padding="same", output_padding=0)]))
    return _model((n, n, c), block)


@st.composite
def stock_models(draw: Any) -> s.ModelSpec:
    """Models whose body starts with 1-3 preprocessing, augmentation, noise or normalization
    layers (after a mask from ``masking`` sometimes), then maybe a random tail."""
    shape, dtype = draw(INPUT_SHAPES | st.tuples(st.integers(2, 8), st.integers(2, 8), st.integers(1, 3)).map(
        lambda t: (t, "float32")))  # images twice as often
    x = Sig((None, *shape), dtype)
    blocks: list[s.Block] = []
    if x.rank == 3 and draw(st.booleans()):
        blocks.append(s.Masking(mask_value=-1e4))
        x = Sig(x.shape, masked=True)
    for _ in range(draw(st.integers(1, 3))):
        block = draw(preprocessing_block(x) if x.rank == 4 and draw(st.booleans()) else stock_block(x))
        y = out_sig(block, x)
        if y is not None:
            blocks.append(block)
            x = y
    if draw(st.booleans()):
        blocks.append(draw(chain(x, depth=1, max_len=2)))
    body = blocks[0] if len(blocks) == 1 else s.Chain(blocks=tuple(blocks or [s.Identity()]))
    return s.ModelSpec(name="m", inputs={"x": s.InputSpec(shape=shape, dtype=dtype)}, body=body)


def _model(shape: tuple[int | None, ...], body: s.Block) -> s.ModelSpec:
    return s.ModelSpec(name="bad", inputs={"x": s.InputSpec(shape=shape)}, body=body)


@st.composite
def invalid_models(draw: Any) -> tuple[str, s.ModelSpec]:
    """(rule, spec) pairs that ``check`` must reject, each breaking one shape rule."""
    rule = draw(st.sampled_from(["rank", "merge", "time_distributed", "shrink", "attention", "more_conv", "groups"]))
    f, g = draw(st.integers(2, 6)), draw(st.integers(7, 9))  # unequal and not 1: no broadcasting
    if rule == "groups":  # g channels that do not split into the groups
        groups = draw(st.sampled_from([k for k in range(2, 11) if g % k]))
        return rule, _model((f,), s.Chain(blocks=(s.Dense(units=g), s.GroupNorm(groups=groups))))
    if rule == "rank":
        block = draw(st.sampled_from([s.LSTM(units=f), s.RecurrentStack(units=(f,)), s.Conv(filters=f, kernel_size=1),
                                      s.Attention(kind="additive", pool=True), s.GlobalPool()]))
        return rule, _model((f,), block)
    if rule == "merge":
        mode = draw(st.sampled_from(["add", "subtract", "multiply", "average", "maximum", "minimum"]))
        branches = (s.Dense(units=f), s.Dense(units=g))
        return rule, _model((f,), s.Parallel(branches=branches, merge=s.Merge(mode=mode)))
    if rule == "time_distributed":
        return rule, _model((f,), s.TimeDistributed(block=s.Dense(units=f)))
    if rule == "shrink":
        length = draw(st.integers(1, 4))
        block = draw(st.sampled_from([s.Conv(filters=2, kernel_size=length + 1),
                                      s.Pool(size=length + 1),
                                      s.Conv(filters=2, kernel_size=2, dilation=length)]))
        return rule, _model((length, f), s.Chain(blocks=(s.Dense(units=2), block)))
    if rule == "more_conv":
        return rule, draw(invalid_more_conv())
    kind = draw(st.sampled_from(["dot", "additive"]))
    nodes = {"att": s.Node(from_=("q", "v"), block=s.Attention(kind=kind))}
    return rule, s.ModelSpec(name="bad", inputs={"q": s.InputSpec(shape=(3, f)), "v": s.InputSpec(shape=(4, g))},
                             nodes=nodes, outputs={"y": s.Output(from_="att")})
