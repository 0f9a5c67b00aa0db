"""Core layers: dense, dropout, activation, reshaping, embedding, masking, normalization."""

from __future__ import annotations

import math
from typing import Any

from ..specs import (
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
    SpatialDropout,
)
from .arrays import check_file, load_array
from .base import At, Sig, dense_like, implements, same
from .keras_args import compute_dtype, field_args, weight_args


def _dense_shape(spec: Dense, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if x.rank < 2:
        raise at.fail("needs an input of rank 2 or more (batch, ..., features)", x)
    if x.shape[-1] is None:
        raise at.fail("needs a known last dimension (features)", x)
    return same(x, x.shape[:-1] + (spec.units,), dtype=compute_dtype(spec))


def _dense_build(spec: Dense, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.Dense(spec.units, activation=spec.activation, name=name, **weight_args(spec))


implements(Dense, shape=_dense_shape, build=_dense_build,
           params=lambda s, ins: (dense_like(s.units, ins[0].shape[-1], s.use_bias), 0),
           keras=("Dense",))


def _passthrough(spec: Any, ins: list[Sig], at: At) -> Sig:
    return at.one(ins)


def _dropout_shape(spec: Dropout, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    noise = spec.noise_shape
    if noise is not None and (len(noise) != x.rank or any(
            n not in (None, 1) and d is not None and n != d for n, d in zip(noise, x.shape, strict=True))):
        written = ", ".join("null" if n is None else str(n) for n in noise)
        raise at.fail(f"noise_shape [{written}] does not fit the input: it needs one entry per axis, the "
                      "batch axis first, each null, 1 or the input's size", x)
    return x


def _dropout_build(spec: Dropout, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.Dropout(spec.rate, noise_shape=spec.noise_shape, seed=spec.seed, name=name)


implements(Dropout, shape=_dropout_shape, build=_dropout_build, keras=("Dropout",))


def _spatial_dropout_shape(spec: SpatialDropout, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    at.rank(x, 3, 4, 5, what="(batch, *spatial, channels) with 1-3 spatial axes")
    return x


def _spatial_dropout_build(spec: SpatialDropout, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    cls = {3: keras.layers.SpatialDropout1D, 4: keras.layers.SpatialDropout2D,
           5: keras.layers.SpatialDropout3D}[ins[0].rank]
    return cls(spec.rate, seed=spec.seed, name=name)


implements(SpatialDropout, shape=_spatial_dropout_shape, build=_spatial_dropout_build,
           keras=("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"))


def _activation_shape(spec: Activation, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if spec.axis is not None and not -x.rank <= spec.axis < x.rank:
        raise at.fail(f"softmax axis {spec.axis} is out of range for a rank-{x.rank} input", x)
    if spec.axis == 0 or spec.axis == -x.rank:
        raise at.fail("softmax over the batch axis is not allowed", x)
    return same(x, dtype="float32" if x.dtype.startswith(("int", "bool")) else x.dtype)


def _activation_build(spec: Activation, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    if spec.name == "relu" and (spec.max_value, spec.negative_slope, spec.threshold) != (None,) * 3:
        return keras.layers.ReLU(max_value=spec.max_value, negative_slope=spec.negative_slope or 0.0,
                                 threshold=spec.threshold or 0.0, name=name)
    if spec.name == "leaky_relu" and spec.negative_slope is not None:
        return keras.layers.LeakyReLU(negative_slope=spec.negative_slope, name=name)
    if spec.name == "elu" and spec.alpha is not None:
        return keras.layers.ELU(alpha=spec.alpha, name=name)
    if spec.name == "softmax" and spec.axis is not None:
        return keras.layers.Softmax(axis=spec.axis, name=name)
    return keras.layers.Activation(spec.name, name=name)


implements(Activation, shape=_activation_shape, build=_activation_build,
           keras=("Activation", "ReLU", "LeakyReLU", "ELU", "Softmax"), keras_args={"activation": "name"})


def _product(dims: tuple[int | None, ...]) -> int | None:
    return None if any(d is None for d in dims) else math.prod(dims)  # type: ignore[arg-type]


def _flatten_shape(spec: Flatten, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if x.rank < 2:
        raise at.fail("needs an input of rank 2 or more", x)
    return same(x, (x.shape[0], _product(x.shape[1:])), masked=False)


def _layer(name_of: str) -> Any:
    def build(spec: Any, name: str, ins: list[Sig], at: At) -> Any:
        import keras

        return getattr(keras.layers, name_of)(name=name)

    return build


implements(Flatten, shape=_flatten_shape, build=_layer("Flatten"), keras=("Flatten",))


def _reshape_shape(spec: Reshape, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    total, target = _product(x.shape[1:]), spec.target_shape
    known = math.prod(d for d in target if d != -1)
    if total is None:
        out = tuple(None if d == -1 else d for d in target)
    elif -1 in target:
        if total % known:
            raise at.fail(f"cannot reshape {total} values to {list(target)}", x)
        out = tuple(total // known if d == -1 else d for d in target)
    elif known != total:
        raise at.fail(f"cannot reshape {total} values to {list(target)} ({known} values)", x)
    else:
        out = target
    return same(x, (x.shape[0], *out), masked=False)


def _reshape_build(spec: Reshape, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.Reshape(spec.target_shape, name=name)


implements(Reshape, shape=_reshape_shape, build=_reshape_build, keras=("Reshape",))


def _permute_shape(spec: Permute, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if len(spec.dims) != x.rank - 1:
        raise at.fail(f"dims {list(spec.dims)} must permute all {x.rank - 1} non-batch axes", x)
    return same(x, (x.shape[0], *(x.shape[d] for d in spec.dims)), masked=False)


def _permute_build(spec: Permute, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.Permute(spec.dims, name=name)


implements(Permute, shape=_permute_shape, build=_permute_build, keras=("Permute",))


def _repeat_shape(spec: RepeatVector, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    at.rank(x, 2, what="(batch, features)")
    return same(x, (x.shape[0], spec.n, x.shape[1]), masked=False)


def _repeat_build(spec: RepeatVector, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.RepeatVector(spec.n, name=name)


implements(RepeatVector, shape=_repeat_shape, build=_repeat_build, keras=("RepeatVector",))


def _embedding_shape(spec: Embedding, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if not x.dtype.startswith(("int", "uint")):
        raise at.fail(f"needs integer ids (an int32 or int64 input), got dtype {x.dtype}", x)
    if spec.weights is not None:
        check_file(spec.weights, (spec.vocab, spec.dim), at)
    return same(x, x.shape + (spec.dim,), dtype="float32", masked=spec.mask_zero or x.masked)


def _embedding_build(spec: Embedding, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    options = field_args(spec)
    layer = keras.layers.Embedding(spec.vocab, spec.dim, mask_zero=spec.mask_zero, name=name,
                                   **{k: v for k, v in options.items() if k.endswith(("_initializer", "_regularizer",
                                                                                      "_constraint"))})
    if spec.weights is not None:  # set after building, so the vectors are weights, not config
        array = load_array(spec.weights, (spec.vocab, spec.dim), at)
        layer.build(ins[0].shape)
        layer.set_weights([array.astype(layer.embeddings.dtype)])
    return layer


implements(Embedding, shape=_embedding_shape, build=_embedding_build,
           params=lambda s, ins: (s.vocab * s.dim, 0),
           keras=("Embedding",), keras_args={"input_dim": "vocab", "output_dim": "dim"})


def _masking_shape(spec: Masking, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if x.rank < 3:
        raise at.fail("needs a (batch, time, ...) input of rank 3 or more", x)
    return same(x, masked=True)


def _masking_build(spec: Masking, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.Masking(spec.mask_value, name=name)


implements(Masking, shape=_masking_shape, build=_masking_build, keras=("Masking",))


def _norm_shape(spec: Any, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if x.rank < 2 or x.shape[-1] is None:
        raise at.fail("needs an input of rank 2 or more with known features", x)
    return same(x, dtype="float32")


def _norm_params(spec: BatchNorm | LayerNorm, ins: list[Sig]) -> tuple[int, int]:
    features = ins[0].shape[-1] or 0
    trainable = features * (int(spec.center) + int(spec.scale))
    return trainable, 2 * features if isinstance(spec, BatchNorm) else 0


def _batch_norm_build(spec: BatchNorm, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.BatchNormalization(momentum=spec.momentum, epsilon=spec.epsilon,
                                           center=spec.center, scale=spec.scale, name=name)


def _layer_norm_build(spec: LayerNorm, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    return keras.layers.LayerNormalization(epsilon=spec.epsilon, center=spec.center,
                                           scale=spec.scale, name=name)


implements(BatchNorm, shape=_norm_shape, build=_batch_norm_build, params=_norm_params,
           keras=("BatchNormalization",))
implements(LayerNorm, shape=_norm_shape, build=_layer_norm_build, params=_norm_params,
           keras=("LayerNormalization",))
