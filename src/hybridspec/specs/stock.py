"""More stock Keras layers: noise, normalization variants, identity, PReLU, activity penalties."""

from __future__ import annotations

import attrs

from .base import CONSTRAINT, REGULARIZER, Block, MaxNorm, Regularizer, block, fail
from .rules import (
    INITIALIZER,
    NON_NEGATIVE,
    POSITIVE,
    RATE,
    Bool,
    Either,
    Float,
    Int,
    Maybe,
    TupleOf,
    field,
)

SEED = Maybe(NON_NEGATIVE)
AXES = Either(Int(), TupleOf(Int(), 1))


@block("gaussian_noise", short="stddev", positional=("stddev", "seed"))
@attrs.frozen(kw_only=True)
class GaussianNoise(Block):
    """Adds zero-mean Gaussian noise while training (a regularizer; the identity at inference)."""

    stddev: float = field(Float(minimum=0.0, maximum=1.0), doc="standard deviation of the noise")
    seed: int | None = field(SEED, None, "random seed")


@block("gaussian_dropout", short="rate", positional=("rate", "seed"))
@attrs.frozen(kw_only=True)
class GaussianDropout(Block):
    """Multiplies by Gaussian noise of mean 1 while training (the identity at inference)."""

    rate: float = field(RATE, doc="drop probability: the noise has stddev sqrt(rate / (1 - rate))")
    seed: int | None = field(SEED, None, "random seed")


@block("alpha_dropout", short="rate", positional=("rate",))
@attrs.frozen(kw_only=True)
class AlphaDropout(Block):
    """Dropout that keeps the mean and variance of selu activations (training only)."""

    rate: float = field(RATE, doc="fraction of inputs dropped")
    seed: int | None = field(SEED, None, "random seed")


@block("group_norm", short="groups", positional=("groups", "axis", "epsilon", "center", "scale"))
@attrs.frozen(kw_only=True)
class GroupNorm(Block):
    """Group normalization: channels split into ``groups``, each normalized on its own
    (``groups: -1`` is instance normalization, one group per channel)."""

    groups: int = field(Either(POSITIVE, Int(-1, -1)), 32, "number of groups (must divide the channels)")
    axis: int = field(Int(), -1, "channel axis")
    epsilon: float = field(Float(positive=True), 0.001, "variance epsilon")
    center: bool = field(Bool(), True, "learn an offset (beta)")
    scale: bool = field(Bool(), True, "learn a scale (gamma)")


@block("unit_norm", short="axis", positional=("axis",))
@attrs.frozen(kw_only=True)
class UnitNorm(Block):
    """Scales each vector along ``axis`` to unit L2 norm."""

    axis: int | tuple[int, ...] = field(AXES, -1, "axis (or axes) normalized over")


@block("rms_norm", positional=("axis", "epsilon"))
@attrs.frozen(kw_only=True)
class RMSNorm(Block):
    """Root-mean-square normalization with a learned scale per index of ``axis``."""

    axis: int | tuple[int, ...] = field(AXES, -1, "axis (or axes) normalized over")
    epsilon: float = field(Float(positive=True), 1e-06, "epsilon added to the mean square")


@block("identity")
@attrs.frozen(kw_only=True)
class Identity(Block):
    """Passes its input through unchanged (a placeholder, e.g. an empty residual shortcut)."""


@block("prelu", positional=("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"))
@attrs.frozen(kw_only=True)
class PReLU(Block):
    """Leaky relu whose negative slope ``alpha`` is learned per input index; ``shared_axes``
    share one slope along those axes (``[1, 2]`` for one slope per channel of an image)."""

    alpha_initializer: str | float | None = field(INITIALIZER, None,
                                                  "alpha initializer: a name or a constant (zeros if null)")
    alpha_regularizer: Regularizer | None = field(REGULARIZER, None, "alpha penalty")
    alpha_constraint: MaxNorm | None = field(CONSTRAINT, None, "alpha constraint")
    shared_axes: tuple[int, ...] | None = field(Maybe(TupleOf(POSITIVE, 1)), None,
                                                "axes (1 = first after the batch) sharing one alpha")

    def __attrs_post_init__(self) -> None:
        if self.shared_axes is not None and len(set(self.shared_axes)) != len(self.shared_axes):
            fail("shared_axes", f"lists an axis twice: {list(self.shared_axes)}")


@block("activity_regularization", positional=("l1", "l2"))
@attrs.frozen(kw_only=True)
class ActivityRegularization(Block):
    """Adds an L1/L2 penalty on the activations passing through to the loss."""

    l1: float = field(Float(minimum=0.0), 0.0, "L1 factor")
    l2: float = field(Float(minimum=0.0), 0.0, "L2 factor")
