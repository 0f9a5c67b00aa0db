"""Spatial layers: convolutions, upsampling and pooling over 1-3 spatial axes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..specs import AdaptivePool, Conv, GlobalPool, Pool, SeparableConv, UpSampling
from .base import At, Sig, implements, same
from .keras_args import compute_dtype, weight_args


def spatial_rank(spec: Any, x: Sig, at: At, ranks: tuple[int, ...] = (1, 2, 3)) -> int:
    """The spatial rank of ``x`` (batch, *spatial, channels), checked against ``spec.rank``."""
    rank = x.rank - 2
    if rank not in ranks:
        need = " or ".join(str(r + 2) for r in ranks)
        raise at.fail(f"needs a rank-{need} input (batch, *spatial, channels)", x)
    if spec.rank is not None and spec.rank != rank:
        raise at.fail(f"rank {spec.rank} needs a rank-{spec.rank + 2} input", x)
    for name in ("kernel_size", "strides", "dilation", "size", "padding"):
        value = getattr(spec, name, None)
        if isinstance(value, tuple) and len(value) != rank:
            raise at.fail(f"{name} has {len(value)} entries for {rank} spatial axes", x)
    return rank


def per_axis(value: int | tuple[int, ...], rank: int) -> tuple[int, ...]:
    return (value,) * rank if isinstance(value, int) else value


def window_out(n: int | None, k: int, s: int, padding: str, d: int = 1) -> int | None:
    """Output length of a sliding window over ``n`` positions."""
    if n is None:
        return None
    if padding in ("same", "causal"):
        return -(-n // s)  # exact for any size, unlike math.ceil(n / s)
    return (n - d * (k - 1) - 1) // s + 1


def _sliding(spec: Any, x: Sig, at: At, rank: int, kernel: tuple[int, ...], strides: tuple[int, ...],
             dilation: tuple[int, ...], padding: str) -> tuple[int | None, ...]:
    out = []
    for axis, (n, k, s, d) in enumerate(zip(x.shape[1:-1], kernel, strides, dilation, strict=True)):
        length = window_out(n, k, s, padding, d)
        if length is not None and length < 1:
            span = d * (k - 1) + 1
            raise at.fail(f"spatial axis {axis + 1} shrinks below 1 (window {span} > size {n} "
                          f"with {padding} padding); use padding: same or a smaller window", x)
        out.append(length)
    return tuple(out)


def _conv_shape(spec: Conv, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at)
    if spec.padding == "causal" and rank != 1:
        raise at.fail("causal padding needs a rank-3 input (batch, time, channels)", x)
    if x.shape[-1] is None:
        raise at.fail("needs known channels (last axis)", x)
    if x.shape[-1] % spec.groups:
        raise at.fail(f"input channels ({x.shape[-1]}) must be divisible by groups ({spec.groups}), "
                      f"as must filters ({spec.filters})", x)
    spatial = _sliding(spec, x, at, rank, per_axis(spec.kernel_size, rank), per_axis(spec.strides, rank),
                       per_axis(spec.dilation, rank), spec.padding)
    return same(x, (x.shape[0], *spatial, spec.filters), dtype=compute_dtype(spec), masked=False)


def _conv_params(spec: Conv, ins: list[Sig]) -> tuple[int, int]:
    x = ins[0]
    kernel = math.prod(per_axis(spec.kernel_size, x.rank - 2))
    return kernel * (x.shape[-1] or 0) // spec.groups * spec.filters + (spec.filters if spec.use_bias else 0), 0


def _conv_build(spec: Conv, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    rank = ins[0].rank - 2
    cls = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}[rank]
    return cls(spec.filters, spec.kernel_size, strides=spec.strides, padding=spec.padding,
               dilation_rate=spec.dilation, groups=spec.groups, activation=spec.activation, name=name,
               **weight_args(spec))


implements(Conv, shape=_conv_shape, build=_conv_build, params=_conv_params,
           keras=("Conv1D", "Conv2D", "Conv3D"), keras_args={"dilation_rate": "dilation"})


def _separable_shape(spec: SeparableConv, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at, (1, 2))
    if x.shape[-1] is None:
        raise at.fail("needs known channels (last axis)", x)
    spatial = _sliding(spec, x, at, rank, per_axis(spec.kernel_size, rank), per_axis(spec.strides, rank),
                       (1,) * rank, spec.padding)
    return same(x, (x.shape[0], *spatial, spec.filters), dtype=compute_dtype(spec), masked=False)


def _separable_params(spec: SeparableConv, ins: list[Sig]) -> tuple[int, int]:
    x = ins[0]
    channels = x.shape[-1] or 0
    depthwise = math.prod(per_axis(spec.kernel_size, x.rank - 2)) * channels * spec.depth_multiplier
    pointwise = channels * spec.depth_multiplier * spec.filters
    return depthwise + pointwise + (spec.filters if spec.use_bias else 0), 0


def _separable_build(spec: SeparableConv, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    cls = {1: keras.layers.SeparableConv1D, 2: keras.layers.SeparableConv2D}[ins[0].rank - 2]
    args = weight_args(spec)
    for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
        if key in args:  # a separable conv has two kernels: apply to both
            value = args.pop(key)
            args[key.replace("kernel", "depthwise")] = args[key.replace("kernel", "pointwise")] = value
    return cls(spec.filters, spec.kernel_size, strides=spec.strides, padding=spec.padding,
               depth_multiplier=spec.depth_multiplier, activation=spec.activation, name=name, **args)


implements(SeparableConv, shape=_separable_shape, build=_separable_build, params=_separable_params,
           keras=("SeparableConv1D", "SeparableConv2D"),
           keras_args={f"{part}_{what}": f"kernel_{what}" for part in ("depthwise", "pointwise")
                       for what in ("initializer", "regularizer", "constraint")})


def _resizing(field: str, grow: Callable[[int, int], int], prefix: str) -> dict[str, Any]:
    """Shape rule and builder of a block that resizes each spatial axis by its own ``field`` value
    (and, in 2D, interpolates as ``spec.interpolation`` says, where the spec has one)."""

    def shape(spec: Any, ins: list[Sig], at: At) -> Sig:
        x = at.one(ins)
        rank = spatial_rank(spec, x, at)
        if getattr(spec, "interpolation", "nearest") != "nearest" and rank != 2:
            raise at.fail(f"interpolation {spec.interpolation!r} needs a 2D input (batch, height, width, "
                          f"channels); {prefix}{rank}D only repeats", x)
        values = per_axis(getattr(spec, field), rank)
        spatial = tuple(None if n is None else grow(n, v) for n, v in zip(x.shape[1:-1], values, strict=True))
        return same(x, (x.shape[0], *spatial, x.shape[-1]), masked=False)

    def build(spec: Any, name: str, ins: list[Sig], at: At) -> Any:
        import keras

        rank = ins[0].rank - 2
        values = per_axis(getattr(spec, field), rank)
        extra = {"interpolation": spec.interpolation} if rank == 2 and hasattr(spec, "interpolation") else {}
        return getattr(keras.layers, f"{prefix}{rank}D")(values[0] if rank == 1 else values, name=name, **extra)

    return {"shape": shape, "build": build}


implements(UpSampling, **_resizing("size", lambda n, factor: n * factor, "UpSampling"),
           keras=("UpSampling1D", "UpSampling2D", "UpSampling3D"))


def _by_rank(prefix: str, rank: int) -> Any:
    import keras

    return getattr(keras.layers, f"{prefix}{rank}D")


def _pool_shape(spec: Pool, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at)
    size = per_axis(spec.size, rank)
    strides = per_axis(spec.strides if spec.strides is not None else spec.size, rank)
    spatial = _sliding(spec, x, at, rank, size, strides, (1,) * rank, spec.padding)
    return same(x, (x.shape[0], *spatial, x.shape[-1]), masked=False)


def _pool_build(spec: Pool, name: str, ins: list[Sig], at: At) -> Any:
    rank = ins[0].rank - 2
    prefix = "MaxPooling" if spec.mode == "max" else "AveragePooling"
    return _by_rank(prefix, rank)(pool_size=spec.size, strides=spec.strides, padding=spec.padding, name=name)


implements(Pool, shape=_pool_shape, build=_pool_build,
           keras=tuple(f"{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3)),
           keras_args={"pool_size": "size"})


def _global_pool_shape(spec: GlobalPool, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at)
    shape = (x.shape[0], *(1,) * rank, x.shape[-1]) if spec.keepdims else (x.shape[0], x.shape[-1])
    return same(x, shape, masked=False)


def _global_pool_build(spec: GlobalPool, name: str, ins: list[Sig], at: At) -> Any:
    rank = ins[0].rank - 2
    prefix = "GlobalMaxPooling" if spec.mode == "max" else "GlobalAveragePooling"
    return _by_rank(prefix, rank)(keepdims=spec.keepdims, name=name)


implements(GlobalPool, shape=_global_pool_shape, build=_global_pool_build,
           keras=tuple(f"Global{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3)))


def _adaptive_pool_shape(spec: AdaptivePool, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at)
    size = per_axis(spec.output_size, rank)
    if len(size) != rank:
        raise at.fail(f"output_size has {len(size)} entries for {rank} spatial axes", x)
    if at.backend == "tensorflow":  # its two pooled windows must fit in the axis
        for axis, (n, out) in enumerate(zip(x.shape[1:-1], size, strict=True), start=1):
            if n is not None and -(-n // out) + 1 > n:
                raise at.fail(f"Keras on TensorFlow cannot pool axis {axis} of size {n} to {out}: it "
                              f"pools windows of {-(-n // out)} and {-(-n // out) + 1} positions, more than "
                              "the axis has" + (" (use global_pool with keepdims: true)" if out == 1 else ""), x)
    return same(x, (x.shape[0], *size, x.shape[-1]), masked=False)


def _adaptive_pool_build(spec: AdaptivePool, name: str, ins: list[Sig], at: At) -> Any:
    rank = ins[0].rank - 2
    prefix = "AdaptiveMaxPooling" if spec.mode == "max" else "AdaptiveAveragePooling"
    return _by_rank(prefix, rank)(per_axis(spec.output_size, rank), name=name)


implements(AdaptivePool, shape=_adaptive_pool_shape, build=_adaptive_pool_build,
           keras=tuple(f"Adaptive{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3)))
