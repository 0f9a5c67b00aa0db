"""Transposed and depthwise convolutions, per-side padding and cropping, and ConvLSTM."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..specs import ConvLSTM, ConvTranspose, Cropping, DepthwiseConv, ZeroPadding
from .base import At, Sig, implements, same
from .conv import _sliding, per_axis, spatial_rank, window_out
from .keras_args import compute_dtype, weight_args
from .recurrent import _call_cell, cudnn_lint

DEPTHWISE_ARGS = {f"depthwise_{part}": f"kernel_{part}" for part in ("initializer", "regularizer", "constraint")}


def transpose_out(n: int | None, k: int, s: int, padding: str, op: int | None, d: int) -> int | None:
    """Output length of a transposed convolution, as Keras computes it."""
    if n is None:
        return None
    span = (k - 1) * d + 1
    if padding == "valid":
        return (n - 1) * s + span + (max(span, s) - span if op is None else op)
    return n * s if op is None else (n - 1) * s + span % 2 + op


def _known_channels(x: Sig, at: At) -> int:
    if x.shape[-1] is None:
        raise at.fail("needs known channels (last axis)", x)
    return x.shape[-1]


def _transpose_shape(spec: ConvTranspose, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at)
    _known_channels(x, at)
    strides = per_axis(spec.strides, rank)
    pads: tuple[int | None, ...] = (None,) * rank
    if spec.output_padding is not None:
        if isinstance(spec.output_padding, tuple) and len(spec.output_padding) != rank:
            raise at.fail(f"output_padding has {len(spec.output_padding)} entries for {rank} spatial axes", x)
        pads = per_axis(spec.output_padding, rank)
    out = []
    for axis, (n, k, s, op, d) in enumerate(zip(x.shape[1:-1], per_axis(spec.kernel_size, rank), strides, pads,
                                                per_axis(spec.dilation, rank), strict=True)):
        if op is not None and op >= s:
            raise at.fail(f"output_padding {op} of spatial axis {axis + 1} must be below its stride {s}", x)
        if spec.padding == "same" and op == 0 and (k - 1) * d % 2:
            raise at.fail(f"spatial axis {axis + 1}: with same padding, an even (dilated) kernel "
                          f"{(k - 1) * d + 1} and output_padding 0, TensorFlow cannot run the layer (its output "
                          "is one row short of what it can compute); use output_padding null or 1, or an odd kernel", x)
        out.append(transpose_out(n, k, s, spec.padding, op, d))
    return same(x, (x.shape[0], *out, spec.filters), dtype=compute_dtype(spec), masked=False)


def _transpose_params(spec: ConvTranspose, ins: list[Sig]) -> tuple[int, int]:
    x = ins[0]
    kernel = math.prod(per_axis(spec.kernel_size, x.rank - 2))
    return kernel * (x.shape[-1] or 0) * spec.filters + (spec.filters if spec.use_bias else 0), 0


def _transpose_build(spec: ConvTranspose, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    cls = getattr(keras.layers, f"Conv{ins[0].rank - 2}DTranspose")
    return cls(spec.filters, spec.kernel_size, strides=spec.strides, padding=spec.padding,
               output_padding=spec.output_padding, dilation_rate=spec.dilation, activation=spec.activation,
               name=name, **weight_args(spec))


def _transpose_lint(spec: ConvTranspose, ins: list[Sig], at: At) -> tuple[str, tuple[str, ...]]:
    if at.backend == "tensorflow" and max(per_axis(spec.dilation, 1)) > 1:
        return "", ("TensorFlow's CPU kernel cannot run a dilated transposed convolution "
                    "(it runs on GPUs only); set dilation: 1 to run on CPUs",)
    return "", ()


implements(ConvTranspose, shape=_transpose_shape, params=_transpose_params, build=_transpose_build,
           lint=_transpose_lint, keras=("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"),
           keras_args={"dilation_rate": "dilation"})


def _depthwise_shape(spec: DepthwiseConv, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    rank = spatial_rank(spec, x, at, (1, 2))
    channels = _known_channels(x, at)
    spatial = _sliding(spec, x, at, rank, per_axis(spec.kernel_size, rank), per_axis(spec.strides, rank),
                       per_axis(spec.dilation, rank), spec.padding)
    return same(x, (x.shape[0], *spatial, channels * spec.depth_multiplier), dtype=compute_dtype(spec),
                masked=False)


def _depthwise_params(spec: DepthwiseConv, ins: list[Sig]) -> tuple[int, int]:
    x = ins[0]
    out = (x.shape[-1] or 0) * spec.depth_multiplier
    return math.prod(per_axis(spec.kernel_size, x.rank - 2)) * out + (out if spec.use_bias else 0), 0


def _depthwise_build(spec: DepthwiseConv, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    args = {{v: k for k, v in DEPTHWISE_ARGS.items()}.get(k, k): v for k, v in weight_args(spec).items()}
    cls = getattr(keras.layers, f"DepthwiseConv{ins[0].rank - 2}D")
    return cls(spec.kernel_size, strides=spec.strides, padding=spec.padding, depth_multiplier=spec.depth_multiplier,
               dilation_rate=spec.dilation, activation=spec.activation, name=name, **args)


implements(DepthwiseConv, shape=_depthwise_shape, params=_depthwise_params, build=_depthwise_build,
           keras=("DepthwiseConv1D", "DepthwiseConv2D"), keras_args={"dilation_rate": "dilation", **DEPTHWISE_ARGS})


def sides(value: int | tuple[int | tuple[int, int], ...], rank: int) -> tuple[tuple[int, int], ...]:
    """Per-side amounts as one (before, after) pair per spatial axis."""
    entries = (value,) * rank if isinstance(value, int) else value
    return tuple((e, e) if isinstance(e, int) else e for e in entries)


def _per_side(field: str, sign: int, prefix: str) -> dict[str, Callable[..., Any]]:
    """Shape rule and builder of zero_padding (sign 1) or cropping (sign -1)."""

    def shape(spec: Any, ins: list[Sig], at: At) -> Sig:
        x = at.one(ins)
        value = getattr(spec, field)
        if x.rank == 3 and isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value):
            raise at.fail(f"{field} has 2 entries for 1 spatial axis; for a 1D input write "
                          f"[{list(value)}] for [before, after]", x)
        rank = spatial_rank(spec, x, at)
        out = []
        for axis, (n, (before, after)) in enumerate(zip(x.shape[1:-1], sides(value, rank), strict=True)):
            length = None if n is None else n + sign * (before + after)
            if length is not None and length < 1:
                raise at.fail(f"cropping {before} + {after} removes all of spatial axis {axis + 1} "
                              f"(size {n}); crop less", x)
            out.append(length)
        return same(x, (x.shape[0], *out, x.shape[-1]), masked=False)

    def build(spec: Any, name: str, ins: list[Sig], at: At) -> Any:
        import keras

        rank = ins[0].rank - 2
        pairs = sides(getattr(spec, field), rank)
        return getattr(keras.layers, f"{prefix}{rank}D")(pairs[0] if rank == 1 else pairs, name=name)

    return {"shape": shape, "build": build}


implements(ZeroPadding, **_per_side("padding", 1, "ZeroPadding"),
           keras=("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"))
implements(Cropping, **_per_side("cropping", -1, "Cropping"), keras=("Cropping1D", "Cropping2D", "Cropping3D"))


def conv_lstm_states(spec: ConvLSTM, x: Sig, at: At) -> Sig:
    """The shape of each state (h and c) for input ``x``: (batch, *out_spatial, filters)."""
    at.rank(x, 4, 5, 6, what="(batch, time, *spatial, channels)")
    rank = x.rank - 3
    if spec.rank is not None and spec.rank != rank:
        raise at.fail(f"rank {spec.rank} needs a rank-{spec.rank + 3} input", x)
    if None in x.shape[2:-1]:
        raise at.fail("needs known spatial sizes (Keras's ConvLSTM builds its states from them)", x)
    _known_channels(x, at)
    spatial = []
    for axis, n, k, s, d in zip(range(rank), x.shape[2:-1], *(per_axis(getattr(spec, name), rank) for name in
                                                          ("kernel_size", "strides", "dilation")), strict=True):
        length = window_out(n, k, s, spec.padding, d)
        if length is not None and length < 1:
            raise at.fail(f"spatial axis {axis + 1} shrinks below 1 (window {d * (k - 1) + 1} > size {n} "
                          "with valid padding); use padding: same or a smaller window", x)
        spatial.append(length)
    return Sig((x.shape[0], *spatial, spec.filters), compute_dtype(spec))


def _conv_lstm_shape(spec: ConvLSTM, ins: list[Sig], at: At) -> Sig | list[Sig]:
    x = at.one(ins)
    state = conv_lstm_states(spec, x, at)
    shape = (x.shape[0], x.shape[1], *state.shape[1:]) if spec.return_sequences else state.shape
    out = same(x, shape, dtype=state.dtype, masked=x.masked and spec.return_sequences)
    if at.initial_state and (len(at.initial_state) != 2
                             or any(s.shape[1:] != state.shape[1:] for s in at.initial_state)):
        raise at.fail(f"initial_state needs 2 states (h, c) of shape {(None, *state.shape[1:])}; got "
                      + ", ".join(f"{s.shape} from {s.source}" for s in at.initial_state))
    return [out, state, state] if at.return_state else out


def _conv_lstm_params(spec: ConvLSTM, ins: list[Sig]) -> tuple[int, int]:
    x, f = ins[0], spec.filters
    kernel = math.prod(per_axis(spec.kernel_size, x.rank - 3))
    return kernel * ((x.shape[-1] or 0) + f) * 4 * f + (4 * f if spec.use_bias else 0), 0


def _conv_lstm_build(spec: ConvLSTM, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    cls = getattr(keras.layers, f"ConvLSTM{ins[0].rank - 3}D")
    return cls(spec.filters, spec.kernel_size, strides=spec.strides, padding=spec.padding,
               dilation_rate=spec.dilation, activation=spec.activation,
               recurrent_activation=spec.recurrent_activation, dropout=spec.dropout,
               recurrent_dropout=spec.recurrent_dropout, return_sequences=spec.return_sequences,
               return_state=at.return_state, go_backwards=spec.go_backwards, name=name, **weight_args(spec))


implements(ConvLSTM, shape=_conv_lstm_shape, params=_conv_lstm_params, build=_conv_lstm_build,
           call=_call_cell, lint=cudnn_lint,
           keras=("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"), keras_args={"dilation_rate": "dilation"})
