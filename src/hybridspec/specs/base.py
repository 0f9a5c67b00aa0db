"""The Block base class and the registry of block kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import attrs

from .errors import SpecError
from .rules import DTYPE_POLICY, INITIALIZER, Bool, Float, Instance, Int, Maybe, Name, field
from .values import tolerant

KINDS: dict[str, type[Block]] = {}
B = TypeVar("B", bound=type)


@attrs.frozen(kw_only=True)
class Block:
    """A node of a spec tree. ``KIND`` is its key in documents; ``SHORT`` names the field that
    a scalar or list written in place of the mapping fills (``dense: 10`` is ``units: 10``)."""

    KIND: ClassVar[str] = ""
    SHORT: ClassVar[str | None] = None
    POSITIONAL: ClassVar[tuple[str, ...]] = ()
    COMMON: ClassVar[tuple[str, ...]] = ("name", "trainable")  # fields every kind has

    name: str | None = field(Maybe(Name()), None,
                             "Keras layer name (from the path if null); on a composite, the prefix "
                             "of the names of the layers inside")
    trainable: bool = field(Bool(), True, "false freezes every weight of this block and of the blocks inside")

    def label(self) -> str | None:
        """The user's Keras layer name, or None (the name comes from the path)."""
        return self.name

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        tolerant(cls)  # cross-field checks wait for unbound values to be bound


def block(kind: str, short: str | None = None, positional: tuple[str, ...] = ()) -> Callable[[B], B]:
    """Register a Block subclass under ``kind``. ``positional`` names the fields that may be
    given positionally in Python, in Keras's order (``Dense(10, activation="relu")``)."""

    def register(cls: B) -> B:
        if kind in KINDS:
            raise ValueError(f"block kind {kind!r} is already registered")
        cls.KIND = kind  # type: ignore[attr-defined]
        cls.SHORT = short  # type: ignore[attr-defined]
        cls.POSITIONAL = positional  # type: ignore[attr-defined]
        if positional:
            _accept_positional(cls, positional)
        KINDS[kind] = cls  # type: ignore[assignment]
        return cls

    return register


def _accept_positional(cls: type, names: tuple[str, ...]) -> None:
    """Wrap attrs's keyword-only ``__init__`` so the leading ``names`` may be positional."""
    init = cls.__init__  # type: ignore[misc]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes at most {len(names)} positional arguments "
                            f"({', '.join(names)}), got {len(args)}")
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
            kwargs[name] = value
        init(self, **kwargs)

    __init__.__doc__ = init.__doc__
    cls.__init__ = __init__  # type: ignore[misc]


def fail(field_name: str, message: str) -> None:
    """Raise a SpecError for a cross-field rule."""
    raise SpecError(field_name, message)


@attrs.frozen(kw_only=True)
class Regularizer:
    """An L1/L2 weight penalty: ``{l2: 0.0001}``, ``{l1: 0.01, l2: 0.01}``."""

    l1: float = field(Float(minimum=0.0), 0.0, "L1 factor")
    l2: float = field(Float(minimum=0.0), 0.0, "L2 factor")

    def __attrs_post_init__(self) -> None:
        if not (self.l1 or self.l2):
            fail("l1", "a regularizer needs a positive l1 or l2 factor")


@attrs.frozen(kw_only=True)
class MaxNorm:
    """A weight constraint, one of Keras's four: ``{max_norm: 3}`` (MaxNorm), ``{min_norm: 0.5,
    max_norm: 2}`` (MinMaxNorm, with ``rate``), ``{unit_norm: true}`` (UnitNorm) or
    ``{non_neg: true}`` (NonNeg)."""

    max_norm: float | None = field(Maybe(Float(positive=True)), None, "largest allowed norm")
    min_norm: float | None = field(Maybe(Float(minimum=0.0)), None, "smallest allowed norm (with max_norm)")
    rate: float = field(Float(minimum=0.0, maximum=1.0), 1.0,
                        "min_norm: how far norms move into the bounds at each step (1: all the way)")
    unit_norm: bool = field(Bool(), False, "keep every norm at 1")
    non_neg: bool = field(Bool(), False, "keep weights non-negative")
    axis: int = field(Int(), 0, "axis along which norms are computed")

    def __attrs_post_init__(self) -> None:
        if self.min_norm is not None and self.max_norm is None:
            fail("min_norm", "needs max_norm: {min_norm: 0.5, max_norm: 2} keeps norms in that range")
        chosen = [n for n, on in (("max_norm", self.max_norm is not None), ("unit_norm", self.unit_norm),
                                  ("non_neg", self.non_neg)) if on]
        if len(chosen) != 1:
            fail("" if not chosen else chosen[1], "a constraint is one of max_norm (with min_norm for a range), "
                 "unit_norm: true or non_neg: true" + (f"; got {', '.join(chosen)}" if chosen else ""))
        if self.min_norm is not None and self.max_norm is not None and self.min_norm > self.max_norm:
            fail("min_norm", f"is above max_norm: {self.min_norm} > {self.max_norm}")
        if self.rate != 1.0 and self.min_norm is None:
            fail("rate", "only a min_norm range takes a rate")


REGULARIZER = Maybe(Instance(Regularizer, "a regularizer mapping such as {l2: 0.0001}"))
CONSTRAINT = Maybe(Instance(MaxNorm, "a constraint mapping such as {max_norm: 3} or {non_neg: true}"))


@attrs.frozen(kw_only=True)
class WeightOptions(Block):
    """Fields shared by layers with a kernel and a bias, where Keras has them."""

    use_bias: bool = field(Bool(), True, "add a bias vector")
    kernel_initializer: str | float | None = field(
        INITIALIZER, None, "kernel initializer: a name, or a number for that constant (Keras default if null)")
    bias_initializer: str | float | None = field(
        INITIALIZER, None, "bias initializer: a name, or a number for that constant (Keras default if null)")
    kernel_regularizer: Regularizer | None = field(REGULARIZER, None, "kernel penalty")
    bias_regularizer: Regularizer | None = field(REGULARIZER, None, "bias penalty")
    activity_regularizer: Regularizer | None = field(REGULARIZER, None, "output penalty")
    kernel_constraint: MaxNorm | None = field(CONSTRAINT, None, "kernel constraint")
    dtype: str | None = field(DTYPE_POLICY, None, "dtype policy of this layer (model default if null)")

    def weight_kwargs(self) -> dict[str, Any]:
        """The non-default weight options, named as Keras names them."""
        names = ("kernel_initializer", "bias_initializer", "kernel_regularizer",
                 "bias_regularizer", "activity_regularizer", "kernel_constraint")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}
