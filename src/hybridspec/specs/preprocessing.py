"""In-model preprocessing: rescaling, resizing, cropping, normalization and random augmentation.

The random layers change their input only while training (Keras runs them as the identity at
inference); each has a ``seed``. Image layers take (batch, height, width, channels).
"""

from __future__ import annotations

import attrs

from .base import Block, block, fail
from .rules import NON_NEGATIVE, POSITIVE, Bool, Either, Float, Int, Maybe, OneOf, TupleOf, field

SEED = Maybe(NON_NEGATIVE)
INTERPOLATION = OneOf("bilinear", "nearest")
FILL_MODE = OneOf("reflect", "wrap", "constant", "nearest")
UNIT = Float(minimum=-1.0, maximum=1.0)
FACTOR = Either(UNIT, TupleOf(UNIT, 2, 2))
FACTOR.describe = "a number in [-1, 1] or a list of 2 (lower, upper)"
VALUE_RANGE = TupleOf(Float(), 2, 2)


def check_pair(spec: Block, name: str) -> None:
    """A (lower, upper) pair must be in order."""
    value = getattr(spec, name)
    if isinstance(value, tuple) and value[0] > value[1]:
        fail(name, f"lower bound {value[0]} is above upper bound {value[1]}")


@block("rescaling", short="scale", positional=("scale", "offset"))
@attrs.frozen(kw_only=True)
class Rescaling(Block):
    """Multiplies by ``scale`` and adds ``offset`` (``scale: 0.00392156862745098`` maps 0-255 to 0-1)."""

    scale: float = field(Float(), doc="factor every value is multiplied by")
    offset: float = field(Float(), 0.0, "value added after scaling")


@block("resizing", positional=("height", "width", "interpolation", "crop_to_aspect_ratio"))
@attrs.frozen(kw_only=True)
class Resizing(Block):
    """Resizes images to ``height`` x ``width``."""

    height: int = field(POSITIVE, doc="output height")
    width: int = field(POSITIVE, doc="output width")
    interpolation: str = field(OneOf("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area"),
                               "bilinear", "interpolation method")
    crop_to_aspect_ratio: bool = field(Bool(), False, "crop to the output aspect ratio first (no distortion)")
    pad_to_aspect_ratio: bool = field(Bool(), False, "pad to the output aspect ratio first (no distortion)")

    def __attrs_post_init__(self) -> None:
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            fail("pad_to_aspect_ratio", "set crop_to_aspect_ratio or pad_to_aspect_ratio, not both")


@block("center_crop", positional=("height", "width"))
@attrs.frozen(kw_only=True)
class CenterCrop(Block):
    """Crops the central ``height`` x ``width`` window (smaller images are resized up first)."""

    height: int = field(POSITIVE, doc="output height")
    width: int = field(POSITIVE, doc="output width")


STATS = Maybe(Either(Float(), TupleOf(Float(), 1)))


@block("normalization", positional=("axis", "mean", "variance"))
@attrs.frozen(kw_only=True)
class Normalization(Block):
    """Standardizes features: ``(x - mean) / sqrt(variance)`` per index of ``axis``.

    Give ``mean`` and ``variance`` (a number, or one entry per index of the single kept axis),
    or leave both null: ``hybridspec train`` then adapts them on the training data before
    fitting. Unadapted, the layer holds mean, variance and a count as non-trainable weights."""

    axis: int | tuple[int, ...] = field(Either(Int(), TupleOf(Int(), 1)), -1,
                                        "axis (or axes) with a statistic per index")
    mean: float | tuple[float, ...] | None = field(STATS, None, "mean (adapted from the data if null)")
    variance: float | tuple[float, ...] | None = field(STATS, None, "variance (adapted if null)")
    invert: bool = field(Bool(), False, "undo the normalization instead: x * sqrt(variance) + mean")

    def __attrs_post_init__(self) -> None:
        if (self.mean is None) != (self.variance is None):
            fail("variance" if self.variance is None else "mean", "give mean and variance together, or neither")
        values = self.variance if isinstance(self.variance, tuple) else (self.variance or 0.0,)
        if min(values) < 0:
            fail("variance", f"must not be negative, got {self.variance}")
        if isinstance(self.mean, tuple) and isinstance(self.variance, tuple) and len(self.mean) != len(self.variance):
            fail("variance", f"has {len(self.variance)} entries but mean has {len(self.mean)}")


@block("random_flip", short="mode", positional=("mode", "seed"))
@attrs.frozen(kw_only=True)
class RandomFlip(Block):
    """Flips images at random while training."""

    mode: str = field(OneOf("horizontal", "vertical", "horizontal_and_vertical"), "horizontal_and_vertical",
                      "which flips")
    seed: int | None = field(SEED, None, "random seed")


@attrs.frozen(kw_only=True)
class Geometric(Block):
    """Fields shared by the random geometric transforms."""

    fill_mode: str = field(FILL_MODE, "reflect", "how points outside the image are filled")
    interpolation: str = field(INTERPOLATION, "bilinear", "interpolation method")
    seed: int | None = field(SEED, None, "random seed")
    fill_value: float = field(Float(), 0.0, "fill value when fill_mode is constant")


@block("random_rotation", short="factor", positional=("factor", "fill_mode", "interpolation", "seed"))
@attrs.frozen(kw_only=True)
class RandomRotation(Geometric):
    """Rotates images at random while training, by up to ``factor`` of a full turn."""

    factor: float | tuple[float, ...] = field(FACTOR, doc="fraction of 2 pi: f means [-f, f]")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "factor")


@block("random_zoom", short="height_factor",
       positional=("height_factor", "width_factor", "fill_mode", "interpolation", "seed"))
@attrs.frozen(kw_only=True)
class RandomZoom(Geometric):
    """Zooms images at random while training; negative factors zoom in, positive ones out."""

    height_factor: float | tuple[float, ...] = field(FACTOR, doc="fraction of the height: f means [-f, f]")
    width_factor: float | tuple[float, ...] | None = field(Maybe(FACTOR), None,
                                                           "fraction of the width (keeps the aspect if null)")

    def __attrs_post_init__(self) -> None:
        for name in ("height_factor", "width_factor"):
            check_pair(self, name)
            value = getattr(self, name)
            if value is not None and min(value if isinstance(value, tuple) else (value,)) <= -1:
                fail(name, f"must be above -1 (zooming in by 100% or more), got {value}")


@block("random_translation", positional=("height_factor", "width_factor", "fill_mode", "interpolation", "seed"))
@attrs.frozen(kw_only=True)
class RandomTranslation(Geometric):
    """Shifts images at random while training."""

    height_factor: float | tuple[float, ...] = field(FACTOR, doc="fraction of the height: f means [-f, f]")
    width_factor: float | tuple[float, ...] = field(FACTOR, doc="fraction of the width: f means [-f, f]")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "height_factor")
        check_pair(self, "width_factor")


@block("random_contrast", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomContrast(Block):
    """Scales each image's contrast at random while training, by a factor in [1 - f, 1 + f]."""

    factor: float | tuple[float, ...] = field(
        Either(Float(minimum=0.0, maximum=1.0), TupleOf(Float(minimum=0.0, maximum=1.0), 2, 2)),
        doc="f in [0, 1], or (lower, upper)")
    value_range: tuple[float, ...] = field(VALUE_RANGE, (0, 255), "range of the input values")
    seed: int | None = field(SEED, None, "random seed")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "factor")
        check_pair(self, "value_range")


@block("random_brightness", short="factor", positional=("factor", "value_range", "seed"))
@attrs.frozen(kw_only=True)
class RandomBrightness(Block):
    """Adds a random brightness shift while training, a fraction ``factor`` of the value range."""

    factor: float | tuple[float, ...] = field(FACTOR, doc="f means [-f, f]; or (lower, upper)")
    value_range: tuple[float, ...] = field(VALUE_RANGE, (0, 255), "range of the input values")
    seed: int | None = field(SEED, None, "random seed")

    def __attrs_post_init__(self) -> None:
        check_pair(self, "factor")
        check_pair(self, "value_range")


@block("random_crop", positional=("height", "width", "seed"))
@attrs.frozen(kw_only=True)
class RandomCrop(Block):
    """Crops a random ``height`` x ``width`` window while training (the centre at inference)."""

    height: int = field(POSITIVE, doc="output height")
    width: int = field(POSITIVE, doc="output width")
    seed: int | None = field(SEED, None, "random seed")
