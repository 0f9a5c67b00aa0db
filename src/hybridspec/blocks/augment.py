"""Keras's other image augmentation layers: each keeps its (batch, height, width, channels)
input's shape; the colour-space ones need RGB."""

from __future__ import annotations

from typing import Any

from ..specs import augment as a
from .base import At, Sig, implements, same
from .preprocessing import image, stock

KERAS_CLASSES = {
    a.RandomGrayscale: "RandomGrayscale", a.RandomHue: "RandomHue", a.RandomSaturation: "RandomSaturation",
    a.RandomSharpness: "RandomSharpness", a.RandomInvert: "RandomInvert",
    a.RandomColorDegeneration: "RandomColorDegeneration", a.RandomPosterization: "RandomPosterization",
    a.RandomColorJitter: "RandomColorJitter", a.RandomGaussianBlur: "RandomGaussianBlur",
    a.RandomErasing: "RandomErasing", a.RandomShear: "RandomShear", a.RandomPerspective: "RandomPerspective",
    a.RandomElasticTransform: "RandomElasticTransform", a.Solarization: "Solarization",
    a.AutoContrast: "AutoContrast",
    a.CLAHE: "ContrastLimitedAdaptiveHistogramEqualization", a.RandAugment: "RandAugment", a.AugMix: "AugMix",
}


def needs_rgb(spec: Any) -> bool:
    """Whether the layer works in a colour space that needs three channels."""
    if isinstance(spec, a.RandomColorJitter):
        return spec.saturation_factor is not None or spec.hue_factor is not None
    return isinstance(spec, a.RandomHue | a.RandomSaturation | a.RandomColorDegeneration)


def _augment_shape(spec: Any, ins: list[Sig], at: At) -> Sig:
    x = image(ins, at)
    if needs_rgb(spec) and x.shape[3] != 3:
        raise at.fail(f"works on RGB images and needs 3 channels, got {x.shape[3]}", x)
    return same(x, masked=False)


for _spec, _name in KERAS_CLASSES.items():
    implements(_spec, shape=_augment_shape, build=stock(_name), keras=(_name,))
