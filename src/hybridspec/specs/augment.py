"""Keras's other image augmentation layers: colour, blur, erasing, shear, perspective, elastic
transforms, contrast-limited histogram equalization, and the RandAugment / AugMix policies. Each takes
(batch, height, width, channels) and keeps its shape; the random ones change images only
while training. Factors are checked within their meaningful ranges (Keras accepts more pairs).
"""

from __future__ import annotations

from typing import Any

import attrs

from .base import Block, block, fail
from .preprocessing import FILL_MODE, INTERPOLATION, SEED, VALUE_RANGE, check_pair
from .rules import POSITIVE, Bool, Either, Float, Int, Maybe, TupleOf, field

UNIT = Float(minimum=0.0, maximum=1.0)
UNIT_FACTOR = Either(UNIT, TupleOf(UNIT, 2, 2))
UNIT_FACTOR.describe = "a number in [0, 1] or a list of 2 (lower, upper)"
SIGNED_FACTOR = Either(UNIT, TupleOf(Float(minimum=-1.0, maximum=1.0), 2, 2))
SIGNED_FACTOR.describe = "a number f in [0, 1] (for [-f, f]) or a list of 2 in [-1, 1] (lower, upper)"
PAIR = TupleOf(Int(minimum=1), 2, 2)


@attrs.frozen(kw_only=True)
class ValueRanged(Block):
    """Fields shared by the layers that read pixel values."""

    value_range: tuple[float, ...] = field(VALUE_RANGE, (0, 255), "range of the input values")
    seed: int | None = field(SEED, None, "random seed")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "value_range")
        for name in ("factor", "scale", "sigma", "addition_factor", "threshold_factor"):
            if hasattr(self, name):
                check_pair(self, name)


def _factor(doc: str, default: Any = attrs.NOTHING, signed: bool = False) -> Any:
    """A factor: f for [0, f] (``signed``: [-f, f]), or (lower, upper)."""
    return field(SIGNED_FACTOR if signed else UNIT_FACTOR, default, doc)


@block("random_grayscale", short="factor", positional=("factor", "seed"))
@attrs.frozen(kw_only=True)
class RandomGrayscale(Block):
    """Turns images grey with probability ``factor`` while training (channels kept)."""

    factor: float = field(UNIT, 0.5, "probability of turning an image grey")
    seed: int | None = field(SEED, None, "random seed")


@block("random_hue", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomHue(ValueRanged):
    """Shifts the hue of RGB images at random while training."""

    factor: float | tuple[float, ...] = _factor("strength in [0, 1], or (lower, upper)")


@block("random_saturation", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomSaturation(ValueRanged):
    """Scales the saturation of RGB images at random while training (0.5: unchanged)."""

    factor: float | tuple[float, ...] = _factor("strength f in [0, 1] (for [-f, f]), or a range", signed=True)


@block("random_sharpness", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomSharpness(ValueRanged):
    """Blurs or sharpens images at random while training (0.5: unchanged)."""

    factor: float | tuple[float, ...] = _factor("in [0, 1] (0: blurred, 0.5: unchanged, 1: sharp), or a range")


@block("random_invert", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomInvert(ValueRanged):
    """Inverts images with probability ``factor`` while training."""

    factor: float | tuple[float, ...] = _factor("probability of inverting, or a range", 1.0)


@block("random_color_degeneration", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomColorDegeneration(ValueRanged):
    """Blends images with their grey version at random while training."""

    factor: float | tuple[float, ...] = _factor("blend strength f in [0, 1] (for [-f, f]), or a range", signed=True)


@block("random_posterization", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomPosterization(ValueRanged):
    """Keeps a random number of bits (1 to ``factor``) of each 8-bit channel while training."""

    factor: int | tuple[int, ...] = field(Either(Int(minimum=1, maximum=8), TupleOf(Int(minimum=1, maximum=8), 2, 2)),
                                          doc="most bits kept, 1-8, or (fewest, most)")


@block("random_color_jitter", positional=("brightness_factor", "contrast_factor", "saturation_factor",
                                          "hue_factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomColorJitter(ValueRanged):
    """Random brightness, contrast, saturation and hue in one layer while training; a factor
    left null leaves that property alone."""

    brightness_factor: float | tuple[float, ...] | None = field(
        Maybe(Either(Float(minimum=-1.0, maximum=1.0), TupleOf(Float(minimum=-1.0, maximum=1.0), 2, 2))), None,
        "shift as a fraction of the value range: f means [-f, f]")
    contrast_factor: float | tuple[float, ...] | None = field(Maybe(UNIT_FACTOR), None, "contrast in [1 - f, 1 + f]")
    saturation_factor: float | tuple[float, ...] | None = field(Maybe(UNIT_FACTOR), None, "as random_saturation")
    hue_factor: float | tuple[float, ...] | None = field(Maybe(UNIT_FACTOR), None, "as random_hue")

    def __attrs_post_init__(self) -> None:
        ValueRanged.__attrs_post_init__(self)
        for name in ("brightness_factor", "contrast_factor", "saturation_factor", "hue_factor"):
            check_pair(self, name)


@block("random_gaussian_blur", short="factor", positional=("factor", "kernel_size", "sigma", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomGaussianBlur(ValueRanged):
    """Blurs images with a Gaussian kernel of random strength while training."""

    factor: float | tuple[float, ...] = _factor("probability of blurring, or a range", 1.0)
    kernel_size: int = field(POSITIVE, 3, "odd kernel size")
    sigma: float | tuple[float, ...] = field(Either(Float(positive=True, maximum=1.0), TupleOf(UNIT, 2, 2)), 1.0,
                                             "standard deviation s in (0, 1] (for [0, s]), or a range in [0, 1]")

    def __attrs_post_init__(self) -> None:
        ValueRanged.__attrs_post_init__(self)
        if self.kernel_size % 2 == 0:
            fail("kernel_size", f"must be odd, got {self.kernel_size}")


@block("random_erasing", short="factor", positional=("factor", "scale", "fill_value", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomErasing(ValueRanged):
    """Erases a random rectangle of each image with probability ``factor`` while training."""

    factor: float | tuple[float, ...] = _factor("probability of erasing, or a range", 1.0)
    scale: tuple[float, ...] = field(TupleOf(UNIT, 2, 2), (0.02, 0.33), "erased fraction of the area: (lower, upper)")
    fill_value: float | None = field(Maybe(Float()), None, "fill value (random noise if null)")


@block("random_shear", positional=("x_factor", "y_factor", "interpolation", "fill_mode", "seed"))
@attrs.frozen(kw_only=True)
class RandomShear(Block):
    """Shears images at random along x and y while training. The factors are pairs: Keras 3.15
    stores a single number f as (-f, f), which its own loader then refuses."""

    x_factor: tuple[float, ...] = field(TupleOf(UNIT, 2, 2), (0.0, 0.0), "shear along x: (lower, upper) in [0, 1]")
    y_factor: tuple[float, ...] = field(TupleOf(UNIT, 2, 2), (0.0, 0.0), "shear along y: (lower, upper) in [0, 1]")
    interpolation: str = field(INTERPOLATION, "bilinear", "interpolation method")
    fill_mode: str = field(FILL_MODE, "reflect", "how points outside the image are filled")
    fill_value: float = field(Float(), 0.0, "fill value when fill_mode is constant")
    seed: int | None = field(SEED, None, "random seed")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "x_factor")
        check_pair(self, "y_factor")


@block("random_perspective", short="factor", positional=("factor", "scale", "interpolation", "seed"))
@attrs.frozen(kw_only=True)
class RandomPerspective(Block):
    """Warps images to a random perspective with probability ``factor`` while training."""

    factor: float | tuple[float, ...] = _factor("probability of warping, or a range", 1.0)
    scale: float = field(UNIT, 1.0, "warp strength in [0, 1]")
    interpolation: str = field(INTERPOLATION, "bilinear", "interpolation method")
    fill_value: float = field(Float(), 0.0, "fill value outside the image")
    seed: int | None = field(SEED, None, "random seed")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "factor")


@block("random_elastic_transform", short="factor",
       positional=("factor", "scale", "interpolation", "fill_mode", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomElasticTransform(ValueRanged):
    """Distorts images with a random smooth displacement field while training."""

    factor: float | tuple[float, ...] = _factor("probability of distorting, or a range", 1.0)
    scale: float | tuple[float, ...] = _factor("displacement strength in [0, 1], or a range", 1.0)
    interpolation: str = field(INTERPOLATION, "bilinear", "interpolation method")
    fill_mode: str = field(FILL_MODE, "reflect", "how points outside the image are filled")
    fill_value: float = field(Float(), 0.0, "fill value when fill_mode is constant")


@block("solarization", positional=("addition_factor", "threshold_factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class Solarization(ValueRanged):
    """Inverts the pixels above a random threshold (after a random addition) while training."""

    addition_factor: float | tuple[float, ...] = _factor("added fraction of the range, or a range", 0.0)
    threshold_factor: float | tuple[float, ...] = _factor("threshold as a fraction of the range, or a range", 0.0)


@block("auto_contrast", positional=("value_range",))
@attrs.frozen(kw_only=True)
class AutoContrast(Block):
    """Stretches each image's values to the full range (always, not only in training)."""

    value_range: tuple[float, ...] = field(VALUE_RANGE, (0, 255), "range of the input values")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "value_range")


@block("clahe", positional=("clip_limit", "tile_grid_size", "value_range"))
@attrs.frozen(kw_only=True)
class CLAHE(Block):
    """Contrast-limited adaptive histogram equalization (ContrastLimitedAdaptiveHistogramEqualization)."""

    value_range: tuple[float, ...] = field(VALUE_RANGE, (0, 255), "range of the input values")
    clip_limit: float = field(Float(positive=True), 4.0, "contrast limit per tile")
    tile_grid_size: tuple[int, ...] = field(PAIR, (8, 8), "tiles per (row, column)")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "value_range")


@block("rand_augment", positional=("num_ops", "factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandAugment(ValueRanged):
    """RandAugment: ``num_ops`` random transforms of strength ``factor`` per image while training."""

    num_ops: int = field(Int(minimum=1), 2, "transforms applied to each image")
    factor: float | tuple[float, ...] = _factor("strength in [0, 1], or a range", 0.5)
    interpolation: str = field(INTERPOLATION, "bilinear", "interpolation method")


@block("aug_mix", positional=("num_chains", "chain_depth", "factor", "alpha", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class AugMix(ValueRanged):
    """AugMix: a Dirichlet-weighted mix of random augmentation chains while training."""

    num_chains: int = field(Int(minimum=1), 3, "augmentation chains mixed")
    chain_depth: int = field(Int(minimum=1), 3, "transforms per chain (Keras 3.15 fails on a range)")
    factor: float | tuple[float, ...] = _factor("strength in [0, 1], or a range", 0.3)
    alpha: float = field(Float(positive=True), 1.0, "Dirichlet and Beta concentration")
    all_ops: bool = field(Bool(), True, "use every transform, not only the safe ones")
    interpolation: str = field(INTERPOLATION, "bilinear", "interpolation method")

