"""Preprocessing layers: rescaling, resizing, cropping, normalization and random augmentation."""

from __future__ import annotations

import math
from typing import Any

from ..specs import (
    CenterCrop,
    Normalization,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from .base import At, Sig, implements, same
from .keras_args import field_args


def stock(class_name: str, **renames: str) -> Any:
    """A builder of ``keras.layers.<class_name>`` from the spec's non-null fields."""

    def build(spec: Any, name: str, ins: list[Sig], at: At) -> Any:
        import keras

        return getattr(keras.layers, class_name)(name=name, **field_args(spec, **renames))

    return build


def image(ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    at.rank(x, 4, what="(batch, height, width, channels)")
    return x


def _augment_shape(spec: Any, ins: list[Sig], at: At) -> Sig:
    return same(image(ins, at), masked=False)


def _sized_shape(spec: Any, ins: list[Sig], at: At) -> Sig:
    x = image(ins, at)
    return same(x, (x.shape[0], spec.height, spec.width, x.shape[3]), dtype="float32", masked=False)


def _rescaling_shape(spec: Rescaling, ins: list[Sig], at: At) -> Sig:
    return same(at.one(ins), dtype="float32")


implements(Rescaling, shape=_rescaling_shape, build=stock("Rescaling"), keras=("Rescaling",))
implements(Resizing, shape=_sized_shape, build=stock("Resizing"), keras=("Resizing",))
implements(CenterCrop, shape=_sized_shape, build=stock("CenterCrop"), keras=("CenterCrop",))


def _random_crop_build(spec: RandomCrop, name: str, ins: list[Sig], at: At) -> Any:
    """RandomCrop, then a CenterCrop of the same size: Keras 3.15's RandomCrop returns images
    uncropped at inference (keras-team/keras#21868), and the centre crop restores the documented
    behaviour (at training it receives the crop's size and passes it through)."""
    import keras

    return (keras.layers.RandomCrop(spec.height, spec.width, seed=spec.seed, name=name),
            keras.layers.CenterCrop(spec.height, spec.width, name=f"{name}_center"))


implements(RandomCrop, shape=_sized_shape, build=_random_crop_build, keras=("RandomCrop",),
           call=lambda spec, layers, xs, at: layers[1](layers[0](xs[0])))
for _spec, _name in ((RandomFlip, "RandomFlip"), (RandomRotation, "RandomRotation"), (RandomZoom, "RandomZoom"),
                     (RandomTranslation, "RandomTranslation"), (RandomContrast, "RandomContrast"),
                     (RandomBrightness, "RandomBrightness")):
    implements(_spec, shape=_augment_shape, build=stock(_name), keras=(_name,))


def kept_axes(axis: int | tuple[int, ...], x: Sig, at: At) -> tuple[int, ...]:
    """``axis`` as non-negative axes of ``x``; the batch axis and out-of-range axes are errors."""
    axes = (axis,) if isinstance(axis, int) else axis
    if any(not -x.rank <= a < x.rank for a in axes):
        raise at.fail(f"axis {list(axes) if len(axes) > 1 else axes[0]} is out of range for a rank-{x.rank} input", x)
    found = tuple(sorted({a % x.rank for a in axes}))
    if 0 in found:
        raise at.fail("cannot work along the batch axis (axis 0)", x)
    return found


def known_sizes(axes: tuple[int, ...], x: Sig, at: At, what: str) -> tuple[int, ...]:
    sizes = tuple(x.shape[a] for a in axes)
    if None in sizes:
        raise at.fail(f"needs a known size on axis {', '.join(map(str, axes))} ({what})", x)
    return sizes  # type: ignore[return-value]


def _normalization_shape(spec: Normalization, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    axes = kept_axes(spec.axis, x, at)
    sizes = known_sizes(axes, x, at, "one mean and variance per index")
    for name in ("mean", "variance"):
        value = getattr(spec, name)
        if isinstance(value, tuple) and len(value) > 1 and (len(axes) > 1 or len(value) != sizes[0]):
            raise at.fail(f"{name} has {len(value)} entries but axis {spec.axis} has size "
                          f"{' x '.join(map(str, sizes))}; give one number or one per index", x)
    return same(x, dtype="float32")


def _normalization_params(spec: Normalization, ins: list[Sig]) -> tuple[int, int]:
    if spec.mean is not None:
        return 0, 0
    x = ins[0]
    axes = {a % x.rank for a in ((spec.axis,) if isinstance(spec.axis, int) else spec.axis)}
    return 0, 2 * math.prod(x.shape[a] or 0 for a in axes) + 1  # mean, variance and a count


implements(Normalization, shape=_normalization_shape, build=stock("Normalization"),
           params=_normalization_params, keras=("Normalization",))
